#pragma once
// policy.durability semi_sync, kept (docs/failover.md, "Semi-sync"): what
// each node's semi-sync settings should be, and which nodes' reported
// settings drift from it. pivotd's guard sends each drifting node one
// set_semi_sync (plan::set_semi_sync) while no job holds the cluster; a
// promotion turns the new primary's source side on itself, before it is
// writable (plan::make_writable). Pure: a decision on observed states.
//
//   - the primary (the one writable node): the source side on, wait point
//     AFTER_SYNC, timeout semi_sync_timeout_ms(policy); the replica side on
//     too, so that it acknowledges as soon as it is demoted;
//   - every other promotable node: the replica side on (it acknowledges),
//     the source side off (a replica's own applied transactions must not
//     wait for acknowledgements, and a promotion turns it on fresh);
//   - backup and analytics nodes: both off: they must not acknowledge a
//     write that no failover can promote.
//
// A node with the replica side on (the primary and every promotable
// replica) also keeps MariaDB's rpl_semi_sync_slave_kill_conn_timeout at
// kSemiSyncKillConnTimeoutS (0 is no limit, not shorter; the variable counts
// whole seconds, so 1 is the floor): with the replica side on, STOP SLAVE
// IO_THREAD first tries that long to kill its source's dump thread (default
// 5 s; measured on 10.11: 2.03 s, cut by the agent's 2 s read timeout, at 5;
// 1.03 s at 1; 97 ms with the replica side off), so a failover's stop_io
// failed on every replica and every failover of a hung or silent primary
// rolled back. An agent that does not report it (MySQL, older) is left alone.
//
// An inactive source side on the primary (fallen back to asynchronous
// after a timeout) is not drift to fix: MariaDB turns it back on once a
// semi-sync replica caught up, and turning it off and on would hold every
// commit a whole timeout again. Pivot status says it (semi_sync_settings).
// Nothing is decided without exactly one writable primary, and nothing with
// async: the operator's settings are left alone then.

#include <cstdint>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::controller {

inline constexpr std::uint64_t kSemiSyncKillConnTimeoutS = 1;

// Why `semi`'s kill_conn_timeout would stall a failover's stop_io on this
// node ("" when it would not: replica side off, 1 s, or unknown):
// "rpl_semi_sync_slave_kill_conn_timeout is 5 s, not 1 (...)".
std::string kill_conn_timeout_drift(const protocol::SemiSync& semi);

struct SemiSyncChange {
  std::string node;
  bool source = false;   // the sides wanted
  bool replica = false;
  std::string reason;    // "db1 is the primary and its semi-sync source side is off"
};

std::vector<SemiSyncChange> semi_sync_changes(const ClusterSpec& spec, const ClusterObservation& observed,
                                              std::uint64_t now_ms);

}  // namespace pivot::controller
