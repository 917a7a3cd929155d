#pragma once
// What pivotd does by itself about one cluster, decided anew at every tick of
// its guard (ARCHITECTURE.md, "Failover"): a pure function of the spec, the
// observed states, what pivotd remembers (ClusterMarks) and the time. It
// names one action and every reason not to act, for the cluster's `health`
// and the log; the service starts the job.
//
// In order, first match wins:
//  1. A job holds the cluster: nothing (the job decides; a failover shows as
//     failing_over). No writable primary was ever seen: nothing either.
//  2. The old primary of the last failover is back and writable (or its
//     read_only unknown): rejoin at once (the job fences it first).
//  3. The primary is dead (detect_failover) and the policy gates are open
//     (auto_failover, maintenance, cooldown, the fleet's hourly cap): an
//     automatic failover. Dead with a gate closed: the gates' sentences.
//  4. The old primary is back, read-only, not yet judged: rejoin (the job
//     judges: rejoin as a replica, or needs_rebuild).
//  5. The primary is up and read-only (restarted): reopen when decide_reopen
//     says reopen, else its sentences.
// Degraded or undecided detection adds its sentences whatever follows.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_marks.hpp"
#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/failover_detection.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::controller {

enum class GuardAction {
  none,
  failover,  // start an automatic failover
  rejoin,    // start a rejoin job for marks.last_failover's old primary
  settle,    // the old primary rejoined (or is marked): stop watching for it
  reopen,    // start an automatic reopen
};
const char* to_string(GuardAction action);

struct GuardInput {
  const ClusterSpec& spec;
  const ClusterObservation& observed;
  std::uint64_t now_ms = 0;              // steady, as observed's received_at_ms
  std::uint64_t observing_since_ms = 0;  // steady: when pivotd began to listen
  std::string last_primary;              // the node last seen writable
  std::optional<protocol::NodeState> last_primary_state;  // its last state while writable
  const ClusterMarks& marks;
  std::uint64_t wall_ms = 0;
  bool job_holds = false;  // a pivot, failover, reopen or rejoin holds the cluster
  std::vector<std::uint64_t> fleet_auto_failovers_ms;  // every cluster's automatic failovers (starts)
  int max_auto_failovers_per_hour = 3;
};

struct GuardDecision {
  GuardAction action = GuardAction::none;
  FailoverVerdict verdict = FailoverVerdict::healthy;  // detection's (healthy when not evaluated)
  std::vector<std::string> reasons;                    // why nothing is done, or why this is
  std::optional<std::uint64_t> cooldown_until_ms;      // wall: in force now
  bool in_maintenance = false;
  // The old primary is writable (or may be): its rejoin job fences it now,
  // whatever pause a failed job of the guard's imposed.
  bool urgent = false;
};

GuardDecision guard_cluster(const GuardInput& input);

// The cooldown's end (wall) while it holds back automatic failovers: the
// last failover not acknowledged and started less than failover_cooldown_s ago.
std::optional<std::uint64_t> cooldown_until(const ClusterMarks& marks, const Policy& policy, std::uint64_t wall_ms);
// A maintenance window in force at wall_ms.
bool in_maintenance(const ClusterMarks& marks, std::uint64_t wall_ms);

// A job the guard started failed (`failed`, until `until_ms`, steady): the
// same action is not started again before then, so a failing hook does not
// run every tick. Only that action: a rejoin whose fence keeps failing must
// not hold back the failover of a new primary that dies meanwhile. Fencing a
// writable old primary (urgent) and settling are never held back.
struct GuardPause {
  GuardAction failed = GuardAction::none;
  std::uint64_t until_ms = 0;
};
bool guard_paused(const GuardPause& pause, const GuardDecision& decision, std::uint64_t now_ms);

}  // namespace pivot::controller
