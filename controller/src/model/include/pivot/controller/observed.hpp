#pragma once
// What pivotd has observed of each node: the agent's last snapshot and when it
// arrived on pivotd's own (steady) clock. Part of the pure model: no clocks
// here, times are passed in as milliseconds.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::controller {

struct ObservedNode {
  std::optional<protocol::NodeState> state;  // nil until the first `state` message
  std::uint64_t received_at_ms = 0;           // pivotd's steady clock, last message of any type
  std::string boot_id;                        // the agent's current boot
  // How often its state changed, as the event stream counts (node_change.hpp):
  // anything but positions and timing; positions only.
  std::uint64_t revision = 0;
  std::uint64_t position_moves = 0;
};

// Node name -> observation; a node never heard from is absent.
struct ClusterObservation {
  std::map<std::string, ObservedNode> nodes;
  const ObservedNode* find(const std::string& node) const {
    auto it = nodes.find(node);
    return it == nodes.end() ? nullptr : &it->second;
  }
};

// The observed role of a node (REST `current`).
enum class Current { primary, replica, down, unknown };
const char* to_string(Current current);

// How old the observation is at `now_ms` (same clock as received_at_ms).
std::uint64_t age_ms(const ObservedNode& node, std::uint64_t now_ms);

// unknown: never heard from, or no message within policy.agent_fresh_ms;
// down: the agent reports mysqld unreachable; replica: it has a source;
// primary: no source and writable. A read-only node without a source (a
// fenced primary) is unknown.
Current current_role(const ObservedNode* node, std::uint64_t now_ms, const Policy& policy);

// The one node of the spec that is current primary at now_ms; nullopt when
// none or more than one (single_writable_primary then says which).
std::optional<std::string> observed_primary(const ClusterSpec& spec, const ClusterObservation& observed,
                                            std::uint64_t now_ms);

}  // namespace pivot::controller
