#pragma once
// One failover in progress (private to src/executor): the state a job carries
// from step to step. failover_steps.cpp is the plan as data; the actions are
// in failover_executor.cpp.
//
// Invariants:
// - Nothing changes before the old primary is fenced (check and pre_failover
//   only read and ask); a failing pre_failover hook aborts (it is the STONITH).
// - The fence is awaited whenever the old primary's agent may answer it. When
//   detection found that agent silent, or reporting its mysqld unreachable, it
//   is sent and awaited kUnansweredFenceWaitMs only: the failover goes on, the
//   command keeps its deadline on its own thread (it lands if the host or
//   mysqld wakes in time) and the job ends only once it was answered or timed
//   out, its outcome in the result's old_primary_state.
// - A manual failover while the primary lives is refused in check ("use pivot").
// - Every survivor's IO thread is stopped before the choice (a dead primary
//   that restarts must not feed anyone mid-choice), and its relay log applied.
// - The choice is made on states the survivors reported after their relay
//   logs were applied; positions that cannot be ordered stop the failover.
// - Before promote, a failure restarts the IO threads it stopped (the only
//   change it made besides the fence, which stays: the old primary must not
//   take writes while an operator looks).
// - From promote on, nothing rolls back: a failure is recorded and the
//   remaining steps still run, so every survivor ends replicating from the
//   new primary; the job ends failed.

#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "failover_recovery_point.hpp"
#include "job_calls.hpp"
#include "pivot/controller/failover_choice.hpp"
#include "pivot/controller/failover_detection.hpp"
#include "pivot/controller/failover_executor.hpp"
#include "pivot_plan.hpp"
#include "step_runner.hpp"
#include "step_table.hpp"

namespace pivot::controller {

class FailoverRun;

using FailoverStep = StepDef<FailoverRun>;

class FailoverRun {
 public:
  FailoverRun(AgentPort& agents, HookRunner& hooks, ClusterSource& source, plan::RunnerPorts ports,
              const FailoverJobInput& input)
      : source_(source), clock_(ports.clock), input_(input), runner_(ports, input.job_id, input.spec.name),
        calls_(agents, hooks, ports.journal, ports.clock, runner_, input.spec.name, input.job_id),
        started_ms_(ports.clock.steady_ms()) {}
  PivotJobOutcome run();
  // A failover pivotd found running at start (failover_recovery_point.hpp):
  // rolled back before promote, forward from promote on.
  PivotJobOutcome recover(const plan::FailoverRecoveryPoint& point, std::uint64_t wait_ms);

  static const std::vector<FailoverStep>& steps();

  // How long the fence is awaited when the old primary's agent is not
  // expected to answer soon (above): an agent that answers at all does so in
  // a few ms (a killed mysqld's refusal); a silent one answers never, and a
  // hung mysqld only after the agent's read timeout (seconds).
  static constexpr std::chrono::milliseconds kUnansweredFenceWaitMs{250};

 private:
  // The fence's commands: set_read_only, then kill_connections when it took.
  struct FenceCalls {
    plan::CallOutcome read_only;
    std::optional<plan::CallOutcome> kill;
  };
  FenceCalls send_fence();
  // "fenced", "unreachable (<error>)", "read_only (sessions not killed: ...)".
  static std::string fence_state(const FenceCalls& fence);
  // Why the fence is not worth waiting for ("" when it is): detection's word
  // on the old primary's agent.
  std::string fence_unanswerable() const;
  // A fence not awaited: its outcome once it came (or timed out).
  void settle_fence();
  plan::Verdict check(JobStep& s);
  plan::Verdict pre_failover(JobStep& s);
  plan::Verdict fence_old_primary(JobStep& s);
  plan::Verdict stop_io(JobStep& s);
  plan::Verdict apply_relay(JobStep& s);
  plan::Verdict choose(JobStep& s);
  plan::Verdict catch_up(JobStep& s);
  bool needs_catch_up() const { return !choice_.catch_up_from.empty(); }
  plan::Verdict promote(JobStep& s);
  plan::Verdict post_promote(JobStep& s);
  plan::Verdict repoint(JobStep& s);
  plan::Verdict post_failover(JobStep& s);
  plan::Verdict verify(JobStep& s);
  plan::Undo undo_stop_io();
  // Recovery: the cluster as it is now, and the failover's nodes from the journal.
  bool recover_step(JobStep& s, const plan::FailoverRecoveryPoint& point, std::uint64_t wait_ms);

  void fail(const std::string& step, std::string error, std::string message) {
    runner_.record_failure(step, std::move(error), std::move(message));
  }
  std::map<std::string, std::string> hook_env() const;
  // MariaDB replicates by GTID from slave_pos, MySQL by auto_position.
  std::string use_gtid(const NodeSpec& node) const;
  // What a node has applied, as its last state says (MariaDB gtid_slave_pos
  // merged by gtid_current_pos, MySQL gtid_executed); "" when unknown.
  std::string executed(const NodeSpec& node) const;
  std::vector<const NodeSpec*> survivors_except(const NodeSpec* node) const;
  PivotJobOutcome finish(JobState state) const;

  ClusterSource& source_;
  Clock& clock_;
  const FailoverJobInput& input_;
  plan::StepRunner runner_;
  JobCalls calls_;
  const std::uint64_t started_ms_;  // steady

  ObservedCluster snapshot_;
  FailoverDetection detection_;
  const NodeSpec* dead_ = nullptr;
  std::vector<const NodeSpec*> survivors_;   // fresh agents, the dead primary excluded
  std::vector<std::string> not_reached_;     // spec nodes left out: their agent is silent
  std::string old_primary_state_ = "unknown";
  std::set<std::string> io_may_run_;         // survivors whose IO thread ran (or whose stop got no answer)
  std::map<std::string, std::string> received_;  // survivor -> what its IO thread had received
  std::set<std::string> sql_stopped_;        // survivors that will not apply their relay log
  FailoverChoice choice_;
  const NodeSpec* candidate_ = nullptr;
  std::optional<std::uint64_t> to_writable_ms_;
  std::vector<const NodeSpec*> repointed_;
  std::string recovered_;  // the recovery's way ("" for a failover that ran straight)
  // A fence still in flight (not awaited); last, so that it is joined before
  // anything it uses is destroyed.
  std::future<FenceCalls> fence_;
};

}  // namespace pivot::controller
