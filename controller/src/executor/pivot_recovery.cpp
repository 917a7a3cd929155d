// A pivot found running when pivotd starts (ARCHITECTURE.md, "Pivot plan"
// and "Job journal"): where it stood comes from the journal
// (recovery_point.hpp); the nodes it needs are asked afresh; then it rolls
// back with the undos its started steps had planned, or rolls forward
// through the forward-only steps that had not ended well. A node that does
// not answer ends the job failed and touches nothing: the cluster stays as
// the crash left it, and the job says so (needs_attention).
#include <algorithm>
#include <thread>

#include "pivot_run.hpp"
#include "recovery_point.hpp"

namespace pivot::controller {
namespace {

// Between two attempts to reach a node that did not answer: its agent may be
// reconnecting to the new pivotd (ZeroMQ retries every 100 ms).
constexpr std::chrono::milliseconds kAskAgain{250};

std::string flag_text(const protocol::ValueMap& detail, const char* key) {
  auto it = detail.find(key);
  if (it == detail.end()) return "?";
  if (const auto* b = std::get_if<bool>(&it->second)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
  return "?";
}

}  // namespace

PivotJobOutcome PivotRun::recover(const PivotRecoveryInput& in) {
  recovered_ = Detail{{"epoch", in.epoch}};
  auto point = plan::recovery_point(in.saved, in.entries, pivot_plan_steps());
  if (!point) {
    record_failure("recover", "needs_attention", point.error().message + "; nothing was done: check the cluster by hand");
    return finish(JobState::failed);
  }
  const std::string where = point->interrupted.empty() ? "after " + point->last_started : "during " + point->interrupted;
  recovered_["interrupted_step"] = point->interrupted.empty() ? Detail() : Detail(point->interrupted);
  recovered_["after_step"] = point->last_started;
  if (!point->interrupted.empty()) {
    // The step ends: what it did is unknown, what follows says it.
    JobStep s;
    s.name = point->interrupted;
    s.started_at_ms = point->interrupted_at_ms;
    s.detail["interrupted"] = "interrupted: pivotd stopped during this step";
    runner_.close(s, StepState::failed);
  }
  if (!point->changed_anything) {
    recovered_["way"] = plan::to_string(plan::RecoveryWay::nothing_changed);
    record_failure("recover", "interrupted",
                   "pivotd stopped " + where + ", before the pivot changed anything: nothing to undo");
    return finish(JobState::failed);
  }
  old_primary_ = input_.spec.find(point->old_primary);
  candidate_ = input_.spec.find(point->candidate);
  if (!old_primary_ || !candidate_) {
    record_failure("recover", "needs_attention",
                   "pivotd stopped " + where + " on " + point->old_primary + " -> " + point->candidate +
                       ", and the spec loaded now lacks one of them; nothing was done: check both nodes by hand");
    return finish(JobState::failed);
  }
  if (point->position) position_ = *point->position;
  sessions_killed_ = point->succeeded.count("fence_kill_connections") > 0;

  // Fresh answers from both nodes, after any command a stale pivotd left in
  // their agents' queues (an agent runs commands one at a time, in order).
  std::map<std::string, protocol::ValueMap> answers;
  bool candidate_writable = false;
  const bool answered = runner_.step("recover", [&](JobStep& s) {
    s.detail["interrupted"] = where;
    const auto until = clock_.steady_ms() + in.wait_ms;
    for (const NodeSpec* node : {old_primary_, candidate_}) {
      plan::CallOutcome o;
      for (int attempt = 1;; ++attempt) {
        const std::string action = "e" + std::to_string(in.epoch) + "_" + std::to_string(attempt);
        o = call(*node, plan::report_position(id("recover", *node, action)));
        if (o.ok || clock_.steady_ms() + kAskAgain.count() >= until) break;
        std::this_thread::sleep_for(kAskAgain);
      }
      s.detail["commands"].push_back(plan::detail_of(o));
      if (!o.ok) {
        record_failure("recover", "needs_attention",
                       "pivotd stopped " + where + " and " + node->name + " did not answer within " +
                           std::to_string(in.wait_ms) + " ms (" + plan::describe_failure(o) +
                           "); nothing was changed: " + old_primary_->name + " may still be fenced and " +
                           candidate_->name + " may be writable: check both and make one node writable by hand");
        return false;
      }
      answers[node->name] = o.detail;
    }
    const auto& c = answers[candidate_->name];
    candidate_writable = flag_text(c, "read_only") == "false";
    const auto way = plan::recovery_way(*point, candidate_writable);
    recovered_["way"] = plan::to_string(way);
    s.detail["way"] = plan::to_string(way);
    s.detail["outcome"] = "pivotd restarted " + where + ": " + old_primary_->name + " fence " +
                          flag_text(answers[old_primary_->name], "fence") + ", read_only " +
                          flag_text(answers[old_primary_->name], "read_only") + "; " + candidate_->name +
                          " read_only " + flag_text(c, "read_only") +
                          (way == plan::RecoveryWay::roll_forward ? ": rolling forward" : ": rolling back");
    return true;
  });
  if (!answered) return finish(JobState::failed);

  if (plan::recovery_way(*point, candidate_writable) == plan::RecoveryWay::roll_back) {
    record_failure("recover", "interrupted", "pivotd stopped " + where);
    plan::Plan undo_plan = plan();
    for (const auto& step : undo_plan.steps) {
      const bool started = std::find(point->started.begin(), point->started.end(), step.name) != point->started.end();
      if (started && step.undo) runner_.plan_undo(*step.undo);
      // fence_read_only's command takes the lock too (issue 22): released
      // whenever it started (a node without a fence answers it had none).
      if (started && step.name == "fence_read_only") runner_.plan_undo(undo_fence_lock());
      // promote plans its undo (the candidate read-only, then exact) before
      // its switch goes out: here, whenever it started.
      if (started && step.name == "promote") runner_.plan_undo(undo_promote());
    }
    undo_plan.steps.clear();
    undo_plan.settle = nullptr;
    return rollback_outcome(runner_.roll_back_now(undo_plan));
  }

  // Forward: every forward-only step that had not ended well runs, with the
  // same command ids (an agent answers a command it already ran with its
  // stored result, and each action is idempotent).
  if (point->succeeded.count("repoint_replicas")) {
    for (const JobStep& saved : in.saved.steps) {
      if (saved.name != "repoint_replicas" || !saved.detail.contains("commands")) continue;
      for (const auto& c : saved.detail["commands"]) {
        if (auto why = plan::not_applying(plan::value_map_of(c["detail"]))) {
          not_applying_[c.value("node", "")] = *why;
        }
      }
    }
  }
  plan::Plan forward = plan();
  std::erase_if(forward.steps, [&](const plan::PlanStep& step) {
    return step.phase != plan::Phase::forward_only || point->succeeded.count(step.name) > 0;
  });
  const plan::RunReport report = runner_.run(forward);
  (void)report;  // forward-only: failures are recorded, every step ran
  return finish(runner_.failures().empty() ? JobState::succeeded : JobState::failed);
}

}  // namespace pivot::controller
