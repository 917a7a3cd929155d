#include "pivot/controller/node_change.hpp"

#include <algorithm>

namespace pivot::controller {
namespace {

// Assigning the newer value over the held one reuses the held strings'
// buffers: no allocation on the bus thread's path, under the model's lock.
void take_timing(protocol::NodeState& held, const protocol::NodeState& next) {
  held.probe_latency_ms = next.probe_latency_ms;
  held.uptime_s = next.uptime_s;
}

void take_positions(protocol::NodeState& held, const protocol::NodeState& next) {
  held.gtid_binlog_pos = next.gtid_binlog_pos;
  held.gtid_binlog_state = next.gtid_binlog_state;
  held.gtid_current_pos = next.gtid_current_pos;
  held.gtid_slave_pos = next.gtid_slave_pos;
  held.gtid_executed = next.gtid_executed;
  if (held.replica && next.replica) {
    held.replica->seconds_behind = next.replica->seconds_behind;
    held.replica->received_gtids = next.replica->received_gtids;
    held.replica->executed_gtids = next.replica->executed_gtids;
  }
}

}  // namespace

NodeChange absorb_state(protocol::NodeState& held, const protocol::NodeState& next) {
  // Step by step, each step making `held` more like `next`: what is left
  // different after the timing and then the positions were taken over is
  // what changed. NodeState's own == sees every field, a later one too.
  take_timing(held, next);
  if (held == next) return NodeChange::none;
  take_positions(held, next);
  if (held == next) return NodeChange::positions;
  held = next;
  return NodeChange::other;
}

void stamp_node(NodeStamp& out, const NodeSpec& spec, const ObservedNode* seen, std::uint64_t now_ms,
                const Policy& policy) {
  out.name.assign(spec.name);
  out.current = current_role(seen, now_ms, policy);
  out.revision = seen ? seen->revision : 0;
  out.position_moves = seen ? seen->position_moves : 0;
  out.lagging = false;
  if (seen && seen->state && seen->state->replica && seen->state->replica->seconds_behind) {
    const auto limit = static_cast<std::uint64_t>(std::max(policy.max_lag_seconds, 0));
    out.lagging = *seen->state->replica->seconds_behind > limit;
  }
}

}  // namespace pivot::controller
