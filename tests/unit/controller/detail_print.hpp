#pragma once
// Tests print a Detail as its JSON (gtest finds PrintTo by ADL), and compare
// with JSON written out by hand through to_json.

#include <ostream>

#include "pivot/controller/detail_json.hpp"

namespace pivot::controller {

inline void PrintTo(const Detail& detail, std::ostream* os) { *os << to_json(detail).dump(); }

}  // namespace pivot::controller
