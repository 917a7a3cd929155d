#pragma once
// How an agent's new snapshot differs from the one pivotd held, as the event
// stream tells changes apart (docs/api.md, "GET /v1/events"): the probe's own
// timing (probe_latency_ms, uptime_s) changes with every message and is no
// change at all; the replication positions (GTIDs, lag) move with every write
// on a busy cluster and are sent at a bounded rate; anything else (role,
// read_only, threads, errors, a field added later) is sent at once.
//
// The model counts each kind per node as it stores a snapshot (absorb_state),
// so that the watcher can tell, per tick, which nodes changed from a few
// integers read under the model's lock (ClusterStamps) instead of copying and
// comparing every node's whole state. Pure: no clock, no I/O.

#include <cstdint>
#include <string>
#include <vector>

#include "pivot/controller/observed.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::controller {

enum class NodeChange { none, positions, other };

// `held` becomes `next`; returns what changed. `positions`: only the GTID
// positions (gtid_binlog_pos, gtid_binlog_state, gtid_current_pos,
// gtid_slave_pos, gtid_executed, the replica's received and executed GTIDs)
// and the replica's seconds_behind differ. Any other difference is `other`,
// so a field added to NodeState later counts as a change to send at once.
NodeChange absorb_state(protocol::NodeState& held, const protocol::NodeState& next);

// One node as the watcher compares it from tick to tick (in spec order).
struct NodeStamp {
  std::string name;
  Current current = Current::unknown;
  std::uint64_t revision = 0;        // ObservedNode's: snapshots that changed `other` (the first counts)
  std::uint64_t position_moves = 0;  // ObservedNode's: snapshots that changed only `positions`
  // seconds_behind above the policy's max_lag_seconds: a replica crossing
  // the pivot's lag limit is sent at once, however its positions are rated.
  bool lagging = false;
  bool operator==(const NodeStamp&) const = default;
};

struct ClusterStamps {
  std::uint64_t specs_generation = 0;  // rises at every set_specs (a reload may change a node's spec)
  std::vector<NodeStamp> nodes;        // in spec order
};

// One cluster's stamps among many (the failover guard's tick reads every
// loaded cluster's in batches).
struct NamedStamps {
  std::string name;
  ClusterStamps stamps;
};

// `out` becomes the stamp of the node `spec`, from what the model holds of it
// (nullptr: never heard from); its name's buffer is reused.
void stamp_node(NodeStamp& out, const NodeSpec& spec, const ObservedNode* seen, std::uint64_t now_ms,
                const Policy& policy);

}  // namespace pivot::controller
