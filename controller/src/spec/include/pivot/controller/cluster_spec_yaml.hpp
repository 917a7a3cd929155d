#pragma once
// A cluster spec from its YAML text (an adapter: yaml-cpp). The spec itself
// is the pure model's (cluster_spec.hpp).

#include <functional>
#include <optional>
#include <string>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/result.hpp"

namespace pivot::controller {

// Says whether a hook path is an executable file; the parser stays free of
// I/O, the loader passes the real check and tests a fake.
using HookCheck = std::function<std::optional<std::string>(const std::string& path)>;

// Parses and validates a spec. Every problem is reported at once, one per
// line as "FILE:LINE: key: problem" (error code bad_spec).
Result<ClusterSpec> parse_cluster_spec(const std::string& text, const std::string& filename,
                                       const HookCheck& check_hook);

}  // namespace pivot::controller
