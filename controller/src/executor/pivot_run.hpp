#pragma once
// One planned pivot in progress (private to controller/src/plan): the state a
// job carries from step to step. pivot_steps.cpp is the plan as data (names,
// phases, deadlines, actions, undos), run by the step runner (step_runner.hpp);
// pivot_executor.cpp holds the actions, pivot_rollback.cpp the undos.
//
// Invariants (the Vitess reparentutil way: written next to the code):
// - Nothing changes before the fence: check and pre_pivot only read and ask.
// - The undo of a step is planned (the runner's undo list) before its command is sent:
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
// - The job still holds its cluster at each phase edge (the runner asks the
//   JobLock before check, promote, post_promote and verify_old_primary): a
//   hold lost up to promote rolls back, after it the pivot rolls forward.
// - Each step starts when the previous answer is in; no sleeps.

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/pivot_executor.hpp"
#include "job_calls.hpp"
#include "pivot_plan.hpp"
#include "step_runner.hpp"
#include "step_table.hpp"

namespace pivot::controller {

class PivotRun;

// One step of the pivot plan as data (pivot_steps.cpp holds the table, the
// one place its step names are written): bound to a PivotRun, it becomes a
// plan::PlanStep for the runner.
using PivotStep = StepDef<PivotRun>;

class PivotRun {
 public:
  PivotRun(AgentPort& agents, HookRunner& hooks, ClusterSource& source, plan::RunnerPorts ports,
           const PivotJobInput& input)
      : agents_(agents), hooks_(hooks), source_(source), clock_(ports.clock), journal_(ports.journal),
        input_(input), runner_(ports, input.job_id, input.spec.name),
        calls_(agents, hooks, ports.journal, ports.clock, runner_, input.spec.name, input.job_id) {}
  PivotJobOutcome run();
  // A job found running at start (pivot_recovery.cpp).
  PivotJobOutcome recover(const PivotRecoveryInput& input);

  // The pivot plan, in order (pivot_steps.cpp).
  static const std::vector<PivotStep>& steps();

 private:
  plan::Plan plan();

  // The steps' actions, in plan order (pivot_executor.cpp).
  plan::Verdict check(JobStep& s);
  bool ping_both(JobStep& s);  // check's: both agents answer a command (nothing changes)
  plan::Verdict pre_pivot(JobStep& s);
  plan::Verdict fence_read_only(JobStep& s);
  plan::Verdict fence_lock(JobStep& s);
  plan::Verdict capture_position(JobStep& s);
  plan::Verdict catch_up(JobStep& s);  // queues promote's reset_replication behind its wait
  void send_reset(std::uint64_t queued_behind_ms);
  void send_confirm();  // confirm_fence's report_position, beside the wait
  plan::Verdict confirm_fence(JobStep& s);
  bool fence_confirmed(JobStep& s, plan::CallOutcome o);
  plan::Verdict promote(JobStep& s);
  plan::Verdict post_promote(JobStep& s);
  plan::Verdict fence_kill_connections(JobStep& s);
  plan::Verdict release_fence(JobStep& s);
  bool sessions_killed() const { return sessions_killed_; }
  plan::Verdict repoint_replicas(JobStep& s);
  plan::Verdict demote_old_primary(JobStep& s);
  plan::Verdict post_pivot(JobStep& s);
  plan::Verdict verify(JobStep& s);
  plan::Verdict verify_old_primary(JobStep& s);
  plan::Verdict hook(JobStep& s, const std::string& path, bool sync_first = true);

  // The undos (pivot_rollback.cpp), each a step of its own (rollback_*).
  plan::Undo undo_fence_read_only();  // the old primary writable again
  plan::Undo undo_fence_lock();       // before that: the fence's lock released
  plan::Undo undo_reset();            // last: the candidate replicates from the old primary again
  plan::Undo undo_promote();          // first of all: the candidate read-only again, and exact
  // The transactions the candidate has beyond the captured position ("" none),
  // or nullopt when it cannot be told (a step of its own, pivot_rollback.cpp).
  std::optional<std::string> candidate_writes();
  bool undo(const std::string& step, const NodeSpec& node, const std::function<protocol::Command(std::string)>& build);
  void settle();          // the reset and the confirm sent by catch_up answered
  void settle_confirm();  // the confirm sent by catch_up answered
  PivotJobOutcome rollback_outcome(plan::RunEnd end) const;

  // Plumbing.
  void record_failure(const std::string& step, std::string error, std::string message) {
    runner_.record_failure(step, std::move(error), std::move(message));
  }
  // The shared plumbing (job_calls.hpp).
  bool record(JobStep& step, const plan::CallOutcome& outcome) { return calls_.record(step, outcome); }
  std::string id(const std::string& step, const NodeSpec& node, const std::string& action = "") const {
    return calls_.id(step, node, action);
  }
  plan::CallOutcome call(const NodeSpec& node, protocol::Command command,
                         const std::function<void()>& on_sent = nullptr) {
    return calls_.call(node, std::move(command), on_sent);
  }
  std::vector<plan::CallOutcome> call_each(const std::vector<const NodeSpec*>& nodes,
                                           const std::function<protocol::Command(const NodeSpec&)>& build) {
    return calls_.call_each(nodes, build);
  }
  std::vector<const NodeSpec*> nodes_except(const std::vector<const NodeSpec*>& excluded) const;
  Detail base_result() const;
  PivotJobOutcome finish(JobState state, Detail extra = Detail::object()) const;

  AgentPort& agents_;
  HookRunner& hooks_;
  ClusterSource& source_;
  Clock& clock_;
  Journal& journal_;
  const PivotJobInput& input_;
  plan::StepRunner runner_;
  JobCalls calls_;

  PivotStatus status_;
  const NodeSpec* old_primary_ = nullptr;
  const NodeSpec* candidate_ = nullptr;
  plan::Position position_;             // the old primary's final position (capture_position)
  protocol::ValueMap fence_answer_;     // fence_writes' detail: holds that position when the agent read it
  std::string fence_answer_step_;       // the step whose command answered it
  bool fence_lock_undone_ = false;      // undo_fence_lock ran (fence_read_only and fence_lock both plan it)
  std::uint64_t fence_started_ms_ = 0;  // steady: the write-blocked window opens here
  std::uint64_t promoted_ms_ = 0;       // steady: the candidate answered writable
  std::optional<std::uint64_t> write_blocked_ms_;
  std::future<plan::CallOutcome> reset_;  // promote's reset_replication, sent by catch_up
  std::future<void> reset_sent_;          // ready once that reset is on its way
  // Its answer once read (promote or settle), promote's second reset's when an
  // older agent refused the first: undo_reset reads what the candidate did.
  std::optional<plan::CallOutcome> reset_answer_;
  std::future<plan::CallOutcome> confirm_;  // confirm_fence's report_position, sent by catch_up
  std::optional<plan::CallOutcome> confirm_answer_;
  std::uint64_t confirm_sent_ms_ = 0;       // steady
  std::uint64_t catch_up_answered_ms_ = 0;  // steady
  // An early confirm older than this when the catch-up answered is asked again.
  static constexpr std::uint64_t kEarlyConfirmMaxAgeMs = 20;
  bool sessions_killed_ = false;
  // Repointed nodes that will not apply by themselves (stopped by the
  // operator, delayed), with why: verify only checks they were repointed.
  std::map<std::string, std::string> not_applying_;
  // The rollback, as the result tells it: its steps, what was restored, and
  // why it stopped when a gate failed.
  Detail undone_ = Detail::array();
  std::string restored_;
  std::optional<plan::StepFailure> rollback_stop_;
  std::optional<std::string> candidate_transactions_;
  Detail recovered_;  // null unless recover(): where it stood, which way it went
};

}  // namespace pivot::controller
