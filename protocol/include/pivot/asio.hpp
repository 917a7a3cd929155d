#pragma once
// Include Asio through this header. Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including <utility>, which g++ 12 under C++20 rejects.
#include <utility>

#include <boost/asio.hpp>
