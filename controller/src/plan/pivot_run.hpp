#pragma once
// One planned pivot in progress (private to controller/src/plan): the state a
// job carries from step to step. pivot_executor.cpp runs the steps forward,
// pivot_rollback.cpp undoes the fence when the pivot stops before the
// candidate is writable.
//
// Invariants (the Vitess reparentutil way: written next to the code):
// - Nothing changes before the fence: check and pre_pivot only read and ask.
// - The undo of a step is planned (RollbackPlan) before its command is sent:
//   a command that got no answer may still have run.
// - Until the candidate answered writable, every failure rolls back. The old
//   primary becomes writable again only once the candidate is known read-only:
//   never two writable nodes.
// - The rollback is exact: once the candidate is read-only again, its position
//   is compared with the captured one; a transaction it took meanwhile is never
//   dropped silently: the old primary stays fenced and the job names it.
// - Once the candidate is writable, nothing rolls back: a later failure is
//   recorded and the remaining steps still run, so the cluster ends with one
//   primary and everything else replicating from it; the job ends failed.
// - Each step starts when the previous answer is in; no sleeps.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/pivot_executor.hpp"
#include "pivot_plan.hpp"

namespace pivot::controller {

// What must be undone if the pivot stops before the candidate is writable.
struct RollbackPlan {
  bool old_primary_fenced = false;  // undo: old primary writable again
  bool fence_locked = false;        // undo, before that: release the fence's lock
  bool candidate_reset = false;     // undo: candidate replicates from the old primary again
  bool candidate_unfenced = false;  // undo, first of all: candidate read-only again
};

struct StepFailure {
  std::string step;
  std::string error;    // slug
  std::string message;  // sentence
};

class PivotRun {
 public:
  PivotRun(AgentPort& agents, HookRunner& hooks, ClusterSource& source, Clock& clock, JobObserver& observer,
           const PivotJobInput& input)
      : agents_(agents), hooks_(hooks), source_(source), clock_(clock), observer_(observer), input_(input) {}
  PivotJobOutcome run();

 private:
  using StepBody = std::function<bool(JobStep&)>;

  // The steps, in plan order; each returns false when it failed (recorded).
  std::optional<PivotJobOutcome> check();
  bool hook(const std::string& step, const std::string& path);
  bool fence_read_only();
  bool fence_lock();
  bool confirm_fence();
  bool fence_kill_connections();
  bool release_fence();
  bool capture_position();
  bool catch_up();
  bool confirm_and_promote();
  bool promote(const plan::CallOutcome& reset);  // its reset_replication sent with confirm_fence
  bool repoint_replicas();
  bool demote_old_primary();
  bool verify();
  bool verify_old_primary();
  PivotJobOutcome roll_back();  // pivot_rollback.cpp
  // The transactions the candidate has beyond the captured position ("" none),
  // or nullopt when it cannot be told (a step of its own, pivot_rollback.cpp).
  std::optional<std::string> candidate_writes();
  bool undo(const std::string& step, const NodeSpec& node, const std::function<protocol::Command(std::string)>& build);

  // Plumbing: a step reported to the observer at start and end.
  JobStep start(const std::string& name);
  void end(JobStep& step, StepState state);
  bool step(const std::string& name, const StepBody& body);
  void record_failure(const std::string& step, std::string error, std::string message);
  // Appends the outcome to the step's detail.commands; false (and a failure) when it failed.
  bool record(JobStep& step, const plan::CallOutcome& outcome);
  std::string id(const std::string& step, const NodeSpec& node, const std::string& action = "") const;
  plan::CallOutcome call(const NodeSpec& node, protocol::Command command);
  // One thread per node, all joined; outcomes in the order of `nodes`.
  std::vector<plan::CallOutcome> call_each(const std::vector<const NodeSpec*>& nodes,
                                           const std::function<protocol::Command(const NodeSpec&)>& build);
  std::vector<const NodeSpec*> nodes_except(const std::vector<const NodeSpec*>& excluded) const;
  nlohmann::json base_result() const;
  PivotJobOutcome finish(JobState state, nlohmann::json extra = nlohmann::json::object()) const;

  AgentPort& agents_;
  HookRunner& hooks_;
  ClusterSource& source_;
  Clock& clock_;
  JobObserver& observer_;
  const PivotJobInput& input_;

  PivotStatus status_;
  const NodeSpec* old_primary_ = nullptr;
  const NodeSpec* candidate_ = nullptr;
  plan::Position position_;             // the old primary's final position (capture_position)
  protocol::ValueMap fence_answer_;     // fence_lock's detail: holds that position when the agent read it
  std::uint64_t fence_started_ms_ = 0;  // steady: the write-blocked window opens here
  std::optional<std::uint64_t> write_blocked_ms_;
  RollbackPlan undo_;
  // Repointed nodes that will not apply by themselves (stopped by the
  // operator, delayed), with why: verify only checks they were repointed.
  std::map<std::string, std::string> not_applying_;
  std::vector<StepFailure> failures_;
};

}  // namespace pivot::controller
