#pragma once
// Runs one failover (ARCHITECTURE.md, "Failover"): the failover plan on the
// step runner, through the same ports as a pivot. Its steps mirror the
// pivot's where they can: check, pre_failover, fence the old primary when
// its agent answers, stop every survivor's IO thread and apply its relay log,
// choose (failover_choice.hpp), catch up from a survivor that holds more,
// promote, post_promote (the traffic switch, at once), repoint, post_failover,
// verify. Private parts: src/executor/failover_run.hpp.

#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/failover_policy.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/controller/pivot_executor.hpp"
#include "pivot/controller/ports.hpp"

namespace pivot::controller {

struct FailoverJobInput {
  std::string job_id;
  ClusterSpec spec;                      // a copy: a SIGHUP reload does not change a running job
  std::optional<std::string> candidate;  // named by the operator: it must be the node the rules choose
  FailoverKind kind = FailoverKind::manual;
  // An automatic failover: from when pivotd first saw the primary failing
  // (its mysqld reported down, or its agent's last message) to the decision.
  std::optional<std::uint64_t> detect_ms = std::nullopt;
};

// A failover found running when pivotd started (ARCHITECTURE.md, "Job
// journal"): recovered like a pivot (failover_recovery_point.hpp).
struct FailoverRecoveryInput {
  FailoverJobInput job;               // its id, kind and the cluster's spec as loaded now
  Job saved;                          // the job as last saved before pivotd stopped
  std::vector<JournalEntry> entries;  // its journal entries: which commands may have gone out
  std::uint64_t wait_ms = 0;          // how long the nodes it needs may take to answer
};

// The step names of the failover plan, in order.
std::vector<std::string> failover_plan_steps();

class FailoverExecutor {
 public:
  FailoverExecutor(AgentPort& agents, HookRunner& hooks, ClusterSource& source, Clock& clock, JobObserver& observer,
                   JobLock& lock, Journal& journal)
      : agents_(agents), hooks_(hooks), source_(source), clock_(clock), observer_(observer), lock_(lock),
        journal_(journal) {}
  // The job's state: succeeded, failed (a step failed; what it changed is
  // in the steps), or rolled_back (stopped before promote: every IO thread
  // it stopped started again).
  PivotJobOutcome run(const FailoverJobInput& input);
  // Rolls it back or forward from where it stood; result as run's, with
  // `recovered` (the way) added.
  PivotJobOutcome recover(const FailoverRecoveryInput& input);

 private:
  AgentPort& agents_;
  HookRunner& hooks_;
  ClusterSource& source_;
  Clock& clock_;
  JobObserver& observer_;
  JobLock& lock_;
  Journal& journal_;
};

}  // namespace pivot::controller
