// The step runner (step_runner.hpp): one plan, step by step, through the ports.
#include "step_runner.hpp"

#include "pivot/controller/step_summary.hpp"

namespace pivot::controller::plan {

bool at_phase_edge(const std::vector<PlanStep>& steps, std::size_t index) {
  const Phase phase = steps[index].phase;
  const bool first = index == 0 || steps[index - 1].phase != phase;
  const bool last = index + 1 == steps.size() || steps[index + 1].phase != phase;
  return first || last;
}

RunReport StepRunner::run(const Plan& plan) {
  RunReport report;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const PlanStep& ps = plan.steps[i];
    if (ps.when && !ps.when()) continue;
    const bool reversible = ps.phase == Phase::reversible;
    // A lost hold stops a reversible phase; a forward-only one still runs to
    // its end (the failure is recorded): the cluster must end whole.
    bool ok = (!at_phase_edge(plan.steps, i) || still_holds(ps.name)) || !reversible;
    if (ok && ps.commit_point) ok = commits(ps.name);
    if (ok) {
      if (ps.undo) undos_.push_back(*ps.undo);  // planned before the action runs
      JobStep s = start(ps.name, ps.deadline_ms);
      const Verdict verdict = ps.action(s);
      end(s, verdict == Verdict::failed    ? StepState::failed
             : verdict == Verdict::skipped ? StepState::skipped
                                           : StepState::succeeded);
      if (verdict == Verdict::done) {
        report.end = RunEnd::done;
        return report;
      }
      ok = verdict != Verdict::failed;
    }
    if (!ok && reversible) {
      report.stopped_at = ps.name;
      report.end = roll_back(plan);
      return report;
    }
  }
  return report;
}

bool StepRunner::still_holds(const std::string& step) {
  if (ports_.lock.holds(cluster_, job_id_)) return true;
  record_failure(step, "hold_lost",
                 "the job no longer holds cluster " + cluster_ + " (checked before " + step + ")");
  return false;
}

bool StepRunner::commits(const std::string& step) {
  if (ports_.lock.commits(cluster_, job_id_)) return true;
  record_failure(step, "hold_lost",
                 "the job no longer holds cluster " + cluster_ + " (cancelled, or its hold lost, before " + step +
                     "): nothing was changed");
  return false;
}

RunEnd StepRunner::roll_back(const Plan& plan) {
  if (plan.settle) plan.settle();
  if (undos_.empty()) return RunEnd::stopped;
  std::vector<const Undo*> order;
  for (auto it = undos_.rbegin(); it != undos_.rend(); ++it) {
    if (!it->last) order.push_back(&*it);
  }
  for (auto it = undos_.rbegin(); it != undos_.rend(); ++it) {
    if (it->last) order.push_back(&*it);
  }
  bool complete = true;
  for (const Undo* undo : order) {
    const bool restored = undo->run();
    if (!restored && undo->gate) return RunEnd::rollback_stopped;
    complete = restored && complete;
  }
  return complete ? RunEnd::rolled_back : RunEnd::rollback_incomplete;
}

bool StepRunner::step(const std::string& name, const std::function<bool(JobStep&)>& body) {
  JobStep s = start(name, 0);
  const bool ok = body(s);
  end(s, ok ? StepState::succeeded : StepState::failed);
  return ok;
}

void StepRunner::record_failure(const std::string& step, std::string error, std::string message) {
  failures_.push_back({step, std::move(error), std::move(message)});
}

JobStep StepRunner::start(const std::string& name, std::uint64_t deadline_ms) {
  JobStep s;
  s.name = name;
  s.started_at_ms = ports_.clock.wall_ms();
  // Journaled before any of its commands can go out.
  ports_.journal.step_started(job_id_, name, deadline_ms, s.started_at_ms);
  ports_.observer.step_started(job_id_, s);
  return s;
}

void StepRunner::end(JobStep& s, StepState state) {
  s.state = state;
  s.finished_at_ms = ports_.clock.wall_ms();
  std::string failure;
  for (const auto& f : failures_) {
    if (f.step == s.name) failure += (failure.empty() ? "" : "; ") + f.message;
  }
  s.summary = step_summary(s, failure);
  ports_.journal.step_finished(job_id_, s.name, state, s.finished_at_ms);
  ports_.observer.step_finished(job_id_, s);
}

void add_failures(Detail& result, const std::vector<StepFailure>& failures) {
  if (failures.empty()) return;
  // The first failure names the job's error; the message tells them all.
  result["error"] = failures.front().error;
  std::string message;
  Detail steps = Detail::array();
  for (const auto& f : failures) {
    message += (message.empty() ? "" : "; ") + f.message;
    steps.push_back(f.step);
  }
  result["message"] = message;
  result["failed_steps"] = std::move(steps);
}

}  // namespace pivot::controller::plan
