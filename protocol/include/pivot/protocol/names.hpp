#pragma once
// Cluster and node names: [a-z0-9][a-z0-9_-]{0,62}. No dots and no slashes, so
// a name is safe in a topic, a file name (<cluster>.<node>.pub) and a URL.

#include <cstddef>
#include <string_view>

#include "pivot/result.hpp"

namespace pivot::protocol {

inline constexpr std::size_t kMaxNameLength = 63;

bool is_valid_name(std::string_view name);

// Ok, or errc::bad_name with a message naming `what` (e.g. "cluster") and the
// grammar, so that a config file or a log line says what to fix.
Result<void> validate_name(std::string_view name, std::string_view what = "name");

}  // namespace pivot::protocol
