#pragma once
// One runner for any plan (private to controller/src/plan): the pivot now,
// the failover next. A plan is data: steps with a name, a phase, a deadline,
// an action and the undo planned before the action runs. The runner reports
// every step to the step sink (JobObserver) and the journal, re-checks that
// the job still holds its cluster at each phase boundary, and on a failure in
// the reversible phase runs the planned undos in reverse order.
//
// Phases:
// - reversible: a failure stops the plan and undoes what was planned so far.
// - forward_only: a failure is recorded and the remaining steps still run
//   (the cluster must end with one primary); the job ends failed.
// The hold is re-checked at each edge of a phase: before its first step and
// before its last (the last reversible step is the point of no return). A
// lost hold is a failure like any other (error hold_lost): before the point
// of no return the job rolls back, after it the job rolls forward.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/job.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/controller/ports.hpp"

namespace pivot::controller::plan {

enum class Phase { reversible, forward_only };

// How a step's action ended. done: succeeded, and the plan ends here (a dry run).
enum class Verdict { succeeded, failed, skipped, done };
inline Verdict verdict_of(bool ok) { return ok ? Verdict::succeeded : Verdict::failed; }

// The undo of a step, planned before its command goes out: a command that got
// no answer may still have run.
struct Undo {
  // True when what the step changed is restored.
  std::function<bool()> run;
  // A gate: when it fails the rollback stops there (what follows could do
  // harm, e.g. make a second node writable); otherwise the rest still runs.
  bool gate = false;
  // Runs after every other undo: not needed to reopen writes, so kept out of
  // the write-blocked window (the candidate repointed to the old primary).
  bool last = false;
};

struct PlanStep {
  std::string name;
  Phase phase = Phase::reversible;
  // The longest the step's commands may take (0: no remote command); the
  // commands carry their own timeouts, the journal keeps this.
  std::uint64_t deadline_ms = 0;
  std::function<Verdict(JobStep&)> action;
  std::optional<Undo> undo;              // planned before the action runs
  std::function<bool()> when;            // empty: always; false: the step is not run, nor reported
  // The first step that changes a node: the runner asks JobLock::commits
  // before it (a cancel stops the job there, with nothing changed).
  bool commit_point = false;
};

struct Plan {
  std::vector<PlanStep> steps;
  // Before any undo: commands a step left in flight (sent together with the
  // next step) are answered first.
  std::function<void()> settle;
};

struct StepFailure {
  std::string step;
  std::string error;    // slug
  std::string message;  // sentence
};

enum class RunEnd {
  completed,            // every step ran (forward-only failures may be recorded)
  done,                 // a step ended the plan early, succeeded (Verdict::done)
  stopped,              // a reversible step failed with nothing to undo
  rolled_back,          // every undo restored what it undoes
  rollback_stopped,     // a gate undo failed: the rest was not run
  rollback_incomplete,  // an undo failed, the others ran
};

struct RunReport {
  RunEnd end = RunEnd::completed;
  std::string stopped_at;  // the reversible step that failed ("" when none did)
};

struct RunnerPorts {
  Clock& clock;
  JobObserver& observer;
  Journal& journal;
  JobLock& lock;
};

class StepRunner {
 public:
  StepRunner(RunnerPorts ports, std::string job_id, std::string cluster)
      : ports_(ports), job_id_(std::move(job_id)), cluster_(std::move(cluster)) {}

  RunReport run(const Plan& plan);

  // Within an action: one more undo, planned before the command it undoes
  // is sent (a step that sends two commands plans the second's here).
  void plan_undo(Undo undo) { undos_.push_back(std::move(undo)); }

  // A step outside the plan (an undo is a step of its own, rollback_*):
  // reported at start and end; body returns false when it failed.
  bool step(const std::string& name, const std::function<bool(JobStep&)>& body);
  void record_failure(const std::string& step, std::string error, std::string message);
  // Ends a step started elsewhere (recovery: the step pivotd stopped in).
  void close(JobStep step, StepState state) { end(step, state); }
  // Runs the undos planned so far (recovery: planned from the journal).
  RunEnd roll_back_now(const Plan& plan) { return roll_back(plan); }
  const std::vector<StepFailure>& failures() const { return failures_; }
  Clock& clock() { return ports_.clock; }

 private:
  JobStep start(const std::string& name, std::uint64_t deadline_ms);
  void end(JobStep& step, StepState state);
  // At a phase's edge: false (and a failure recorded at `step`) when the hold is lost.
  bool still_holds(const std::string& step);
  // At the commit point: false (and a failure recorded) when the job was cancelled.
  bool commits(const std::string& step);
  RunEnd roll_back(const Plan& plan);

  RunnerPorts ports_;
  const std::string job_id_;
  const std::string cluster_;
  std::vector<Undo> undos_;
  std::vector<StepFailure> failures_;
};

// A job's result names its failures: `error` (the first's slug), `message`
// (every failure's sentence, in order) and `failed_steps`. Nothing when none.
void add_failures(Detail& result, const std::vector<StepFailure>& failures);

// Whether the step at `index` is at an edge of its phase (the first or the
// last of the plan's steps in that phase): where the hold is re-checked.
bool at_phase_edge(const std::vector<PlanStep>& steps, std::size_t index);

}  // namespace pivot::controller::plan
