// The observed model: how old an observation is, what role a node plays now,
// and which node is the primary. Pure: the time is a parameter.

#include "pivot/controller/observed.hpp"

namespace pivot::controller {

const char* to_string(Current current) {
  switch (current) {
    case Current::primary:
      return "primary";
    case Current::replica:
      return "replica";
    case Current::down:
      return "down";
    case Current::unknown:
      break;
  }
  return "unknown";
}

// A message stamped after `now` (clocks read on two threads) is 0 ms old, not
// 2^64 ms: the subtraction must not wrap.
std::uint64_t age_ms(const ObservedNode& node, std::uint64_t now_ms) {
  return now_ms > node.received_at_ms ? now_ms - node.received_at_ms : 0;
}

Current current_role(const ObservedNode* node, std::uint64_t now_ms, const Policy& policy) {
  if (node == nullptr || !node->state) return Current::unknown;
  if (age_ms(*node, now_ms) > static_cast<std::uint64_t>(policy.agent_fresh_ms)) return Current::unknown;
  const auto& state = *node->state;
  if (!state.mysql_reachable) return Current::down;
  if (state.replica) return Current::replica;
  // Only a node known to be writable is a primary: read_only nil is unknown,
  // and a read-only node without a source may be a fenced primary mid-pivot.
  if (state.read_only && !*state.read_only) return Current::primary;
  return Current::unknown;
}

std::optional<std::string> observed_primary(const ClusterSpec& spec, const ClusterObservation& observed,
                                            std::uint64_t now_ms) {
  std::optional<std::string> primary;
  for (const auto& node : spec.nodes) {
    if (current_role(observed.find(node.name), now_ms, spec.policy) != Current::primary) continue;
    if (primary) return std::nullopt;  // two primaries: none is the primary
    primary = node.name;
  }
  return primary;
}

}  // namespace pivot::controller
