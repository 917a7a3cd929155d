#pragma once
// A primary that restarted read-only (ARCHITECTURE.md, "Failover"): every
// node runs with read_only=ON in its config, so a primary whose mysqld
// restarted comes back read-only, and with no failover, no job and no other
// writable node that is an outage nobody decided. A pure decision on what
// pivotd observes: reopen it (make it writable) or say why not.
//
// Who decides: pivotd by itself with policy.auto_failover on (kind
// automatic), else an operator (pivotctl reopen CLUSTER, kind manual); an
// automatic reopen is also held back by a maintenance window, and by a
// read-only it cannot tell from someone's decision (no restart seen).
//
// On what evidence, all of it required:
//   - the node pivotd last observed as primary reports mysqld up,
//     read_only on and no source of its own (a demoted node has one);
//   - no other node is writable, and no job holds the cluster;
//   - every other node of the spec is known (fresh agent, mysqld up) and
//     follows it (replicates from it): a replica following another node
//     is a failover or a pivot half done, for an operator;
//   - it holds every transaction any other node holds: a replica that
//     holds more (a transaction the primary lost in its crash, or an errant
//     one) would be lost or broken by a reopen;
//   - automatic only: its mysqld restarted since it was last writable
//     (uptime_s below its last writable state's). Without that, someone set
//     read_only, and pivotd does not undo it by itself.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/failover_policy.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::controller {

enum class ReopenVerdict {
  not_needed,         // the primary is writable: nothing to reopen
  reopen,             // make it writable now
  awaiting_operator,  // safe to reopen, but not by pivotd itself: pivotctl reopen
  refused,            // it must not be reopened: the reasons say why
};
const char* to_string(ReopenVerdict verdict);

struct ReopenInput {
  const ClusterSpec& spec;  // policy.auto_failover
  const ClusterObservation& observed;
  std::uint64_t now_ms = 0;  // pivotd's steady clock, as ObservedNode::received_at_ms
  std::string primary;       // the node pivotd last observed as the writable primary (its journal keeps it)
  FailoverKind kind = FailoverKind::automatic;  // automatic: pivotd's own evaluation; manual: pivotctl reopen
  // Its last state while writable, which pivotd keeps: an uptime_s lower
  // now than then is the evidence that its mysqld restarted.
  std::optional<protocol::NodeState> last_writable_state;
  bool job_in_progress = false;  // a pivot or failover holds the cluster
  // The maintenance window the cluster is in now, if any (the caller has
  // compared its end with the wall clock).
  std::optional<Maintenance> maintenance;
};

struct ReopenDecision {
  ReopenVerdict verdict = ReopenVerdict::refused;
  // The verdict's sentence first; for refused, one per reason not to.
  std::vector<std::string> reasons;
};

ReopenDecision decide_reopen(const ReopenInput& input);

}  // namespace pivot::controller
