#pragma once
// The planned pivot (ARCHITECTURE.md, "Pivot plan") run step by step through
// the ports. One job per call of run(), on the caller's thread; the plan is
// data (controller/src/plan/pivot_steps.cpp) run by the one step runner:
// every remote step has its own deadline, every step is reported to the
// JobObserver and the Journal as it starts and ends (the journal also gets
// each command id before it is sent), the hold on the cluster is re-checked
// through the JobLock at each phase boundary, and the undo of each step is
// planned before it runs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>


#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/job.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/controller/memory_journal.hpp"
#include "pivot/controller/ports.hpp"

namespace pivot::controller {

struct PivotJobInput {
  std::string job_id;
  ClusterSpec spec;                               // a copy: a SIGHUP reload does not change a running job
  std::optional<std::string> candidate;           // named by the operator; else the rules choose
  bool dry_run = false;                           // check and plan only, change nothing
  std::optional<std::string> expected_primary;    // re-checked in the check step
};

// A pivot found running when pivotd starts (pivot_recovery.cpp).
struct PivotRecoveryInput {
  PivotJobInput job;                  // the job's id and its cluster's spec as loaded now
  Job saved;                          // the job as last saved before pivotd stopped
  std::vector<JournalEntry> entries;  // its journal entries: which commands may have gone out
  std::uint64_t epoch = 0;            // this pivotd's: recovery's own command ids carry it
  std::uint64_t wait_ms = 0;          // how long the nodes it needs may take to answer
};

struct PivotJobOutcome {
  JobState state = JobState::failed;   // succeeded, failed or rolled_back
  Detail result;                       // the pivot-status fields + old_primary, new_primary, write_blocked_ms (or plan)
};

// The step names of the plan, in order (the dry run's `plan`).
std::vector<std::string> pivot_plan_steps();

class PivotExecutor {
 public:
  PivotExecutor(AgentPort& agents, HookRunner& hooks, ClusterSource& source, Clock& clock, JobObserver& observer,
                JobLock& lock, Journal& journal)
      : agents_(agents), hooks_(hooks), source_(source), clock_(clock), observer_(observer), lock_(lock),
        journal_(journal) {}
  // A job alone: it always holds its cluster, its journal is its own.
  PivotExecutor(AgentPort& agents, HookRunner& hooks, ClusterSource& source, Clock& clock, JobObserver& observer)
      : PivotExecutor(agents, hooks, source, clock, observer, own_lock_, own_journal_) {}
  PivotJobOutcome run(const PivotJobInput& input);
  // Rolls the job back or forward from where it stood (ARCHITECTURE.md, "Pivot plan").
  PivotJobOutcome recover(const PivotRecoveryInput& input);

 private:
  struct AlwaysHeld : JobLock {
    bool holds(const std::string&, const std::string&) override { return true; }
  };

  AlwaysHeld own_lock_;
  MemoryJournal own_journal_;
  AgentPort& agents_;
  HookRunner& hooks_;
  ClusterSource& source_;
  Clock& clock_;
  JobObserver& observer_;
  JobLock& lock_;
  Journal& journal_;
};

}  // namespace pivot::controller
