// A failover pivotd found running at start (failover_recovery_point.hpp for
// the rule): its nodes read back from the journal, the cluster read anew,
// then rolled back before promote or forward from it, each action a step of
// the job as in a pivot's recovery.
#include "pivot/controller/failover_executor.hpp"

#include "failover_run.hpp"

namespace pivot::controller {

PivotJobOutcome FailoverExecutor::recover(const FailoverRecoveryInput& input) {
  plan::RunnerPorts ports{clock_, observer_, journal_, lock_};
  FailoverRun run(agents_, hooks_, source_, ports, input.job);
  auto point = plan::failover_recovery_point(input.saved, input.entries, failover_plan_steps());
  PivotJobOutcome outcome;
  if (!point) {
    outcome = {JobState::failed,
               {{"error", "needs_attention"},
                {"message", "pivotd stopped while this failover ran and its journal cannot say where it stood (" +
                                point.error().message +
                                "): nothing was done; check which node is writable and what each replica follows"}}};
  } else {
    outcome = run.recover(*point, input.wait_ms);
  }
  journal_.job_finished(input.job.job_id, outcome.state, clock_.wall_ms());
  return outcome;
}

bool FailoverRun::recover_step(JobStep& s, const plan::FailoverRecoveryPoint& point, std::uint64_t wait_ms) {
  const auto way = plan::failover_recovery_way(point);
  recovered_ = plan::to_string(way);
  dead_ = input_.spec.find(point.dead);
  candidate_ = point.candidate.empty() ? nullptr : input_.spec.find(point.candidate);
  // Every node but the dead primary, once each has answered (or the wait ran out).
  std::vector<std::string> fresh;
  for (const auto& n : input_.spec.nodes) {
    if (&n != dead_) fresh.push_back(n.name);
  }
  snapshot_ = source_.snapshot(input_.spec.name, fresh, clock_.steady_ms(), wait_ms);
  for (const auto& n : input_.spec.nodes) {
    if (&n == dead_) continue;
    const Current current = current_role(snapshot_.observed.find(n.name), snapshot_.now_ms, input_.spec.policy);
    if (current == Current::down || current == Current::unknown) {
      not_reached_.push_back(n.name);
    } else {
      survivors_.push_back(&n);
    }
  }
  io_may_run_ = point.stopped_io;
  std::vector<std::string> names;
  for (const NodeSpec* n : survivors_) names.push_back(n->name);
  const std::string interrupted = point.interrupted.empty() ? "between steps" : "in " + point.interrupted;
  const std::string outcome =
      way == plan::FailoverRecoveryWay::roll_forward
          ? "pivotd stopped " + interrupted + " after promote began: rolls forward with " + point.candidate
          : "pivotd stopped " + interrupted + " before promote: rolls back, then the failover guard decides anew";
  s.detail = {{"way", recovered_},
              {"outcome", outcome},
              {"interrupted", point.interrupted},
              {"started", point.started},
              {"dead", point.dead},
              {"candidate", point.candidate},
              {"survivors", names},
              {"not_reached", not_reached_}};
  if (!dead_) {
    fail("recover", "needs_attention", "the dead primary '" + point.dead + "' is no longer in the cluster spec");
    return false;
  }
  if (way == plan::FailoverRecoveryWay::roll_forward && !candidate_) {
    fail("recover", "needs_attention", "the winner '" + point.candidate + "' is no longer in the cluster spec");
    return false;
  }
  return true;
}

PivotJobOutcome FailoverRun::recover(const plan::FailoverRecoveryPoint& point, std::uint64_t wait_ms) {
  const auto way = plan::failover_recovery_way(point);
  if (way == plan::FailoverRecoveryWay::nothing_changed) {
    recovered_ = plan::to_string(way);
    fail("recover", "interrupted", "pivotd stopped before this failover changed anything; the failover guard decides anew");
    return finish(JobState::failed);
  }
  if (!runner_.step("recover", [&](JobStep& s) { return recover_step(s, point, wait_ms); })) {
    return finish(JobState::failed);
  }
  if (way == plan::FailoverRecoveryWay::roll_forward) {
    // The forward half of the plan, with the winner the journal names.
    std::vector<FailoverStep> forward;
    bool from_promote = false;
    for (const FailoverStep& def : steps()) {
      from_promote = from_promote || std::string(def.name) == "promote";
      if (from_promote) forward.push_back(def);
    }
    runner_.run(bind_plan(*this, forward, input_.spec.policy));
    return finish(runner_.failures().empty() ? JobState::succeeded : JobState::failed);
  }
  // Back to where it began: a winner repointed to a catch-up source follows
  // the dead primary again, every IO thread stop_io stopped starts again.
  bool restored = true;
  if (point.catch_up_started && candidate_) {
    restored = runner_.step("rollback_catch_up", [&](JobStep& s) {
      return calls_.record(s, calls_.call(*candidate_, plan::change_source(calls_.id("rollback_catch_up", *candidate_),
                                                                           *dead_, use_gtid(*candidate_), false, true)));
    });
  }
  restored = undo_stop_io().run() && restored;
  return finish(restored ? JobState::rolled_back : JobState::failed);
}

}  // namespace pivot::controller
