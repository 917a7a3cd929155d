// The planned pivot, forward (ARCHITECTURE.md, "Pivot plan"). The invariants
// are in pivot_run.hpp; the undo is in pivot_rollback.cpp.
#include "pivot/controller/pivot_executor.hpp"

#include <algorithm>
#include <future>

#include "pivot/controller/json_views.hpp"
#include "pivot/controller/step_summary.hpp"
#include "old_primary_writes.hpp"
#include "pivot_run.hpp"

namespace pivot::controller {

PivotJobOutcome PivotExecutor::run(const PivotJobInput& input) {
  return PivotRun(agents_, hooks_, source_, clock_, observer_, input).run();
}

PivotJobOutcome PivotRun::run() {
  if (auto refused = check()) return *refused;
  if (!hook("pre_pivot", input_.spec.hooks.pre_pivot)) return finish(JobState::failed);

  fence_started_ms_ = clock_.steady_ms();
  if (!fence_read_only() || !fence_lock() || !capture_position() || !catch_up() || !confirm_and_promote()) {
    return roll_back();
  }
  // The candidate is writable: from here on, roll forward only. The window
  // closes when the traffic switch (post_promote, run at once) is done.
  const std::uint64_t promoted_ms = clock_.steady_ms();
  hook("post_promote", input_.spec.hooks.post_promote);
  const bool switched_by_hook = !input_.spec.hooks.post_promote.empty();
  write_blocked_ms_ = (switched_by_hook ? clock_.steady_ms() : promoted_ms) - fence_started_ms_;
  // Clients queued on the fence's lock would commit on the old primary the
  // moment it goes: they are killed first (and reconnect through the moved
  // route). Sessions that would not die keep the lock held: see release_fence.
  if (fence_kill_connections()) release_fence();
  repoint_replicas();
  demote_old_primary();
  hook("post_pivot", input_.spec.hooks.post_pivot);
  verify();
  verify_old_primary();
  return finish(failures_.empty() ? JobState::succeeded : JobState::failed);
}

std::optional<PivotJobOutcome> PivotRun::check() {
  const bool passed = step("check", [&](JobStep& s) {
    status_ = source_.pivot_status(input_.spec.name, input_.candidate);
    s.detail = {{"eligible", status_.eligible}, {"primary", status_.primary}, {"candidate", status_.candidate}};
    if (input_.expected_primary && *input_.expected_primary != status_.primary) {
      record_failure("check", "precondition_failed",
                     "expected primary " + *input_.expected_primary + ", but the observed primary is " +
                         (status_.primary.empty() ? "none" : status_.primary));
      return false;
    }
    if (!status_.eligible) {
      std::string failing;
      for (const auto& c : status_.checks) {
        if (!c.ok) failing += (failing.empty() ? "" : ", ") + c.id;
      }
      record_failure("check", "not_eligible", "the cluster may not be pivoted; failing checks: " + failing);
      return false;
    }
    old_primary_ = input_.spec.find(status_.primary);
    candidate_ = input_.spec.find(status_.candidate);
    if (!old_primary_ || !candidate_ || old_primary_ == candidate_) {
      record_failure("check", "not_eligible",
                     "the pivot status names primary '" + status_.primary + "' and candidate '" + status_.candidate +
                         "', which are not two nodes of the spec");
      return false;
    }
    return true;
  });
  if (!passed) {
    auto outcome = finish(JobState::failed);
    // Nothing was planned: no old_primary/new_primary pair to report.
    outcome.result.erase("old_primary");
    outcome.result.erase("new_primary");
    return outcome;
  }
  if (input_.dry_run) {
    auto result = base_result();
    result["plan"] = pivot_plan_steps();
    return PivotJobOutcome{JobState::succeeded, std::move(result)};
  }
  return std::nullopt;
}

bool PivotRun::hook(const std::string& name, const std::string& path) {
  if (path.empty()) {
    JobStep s = start(name);
    s.detail = {{"reason", "no " + name + " hook in the spec"}};
    end(s, StepState::skipped);
    return true;
  }
  return step(name, [&](JobStep& s) {
    const auto env = plan::hook_env(input_.spec.name, input_.job_id, *old_primary_, *candidate_);
    const auto timeout_ms = static_cast<std::uint64_t>(input_.spec.policy.hook_timeout_ms);
    HookOutcome o = hooks_.run(path, env, timeout_ms);
    // A hook's last line ends with a newline; the transcript shows text, not framing.
    while (!o.output.empty() && (o.output.back() == '\n' || o.output.back() == '\r')) o.output.pop_back();
    s.detail = {{"path", path},           {"started", o.started},         {"exit_code", o.exit_code},
                {"timed_out", o.timed_out}, {"duration_ms", o.duration_ms}, {"output", o.output},
                {"output_truncated", o.output_truncated}};
    if (!o.error.empty()) s.detail["error"] = o.error;
    if (o.ok()) return true;
    std::string why = !o.started    ? "could not start: " + o.error
                      : o.timed_out ? "was killed after " + std::to_string(timeout_ms) + " ms"
                                    : "exited with " + std::to_string(o.exit_code);
    record_failure(name, "hook_failed", name + " hook " + path + " " + why);
    return false;
  });
}

bool PivotRun::fence_read_only() {
  undo_.old_primary_fenced = true;  // planned first: an unanswered fence may have run
  return step("fence_read_only", [&](JobStep& s) {
    return record(s, call(*old_primary_, plan::set_read_only(id("fence_read_only", *old_primary_), true)));
  });
}

// read_only does not stop READ_ONLY ADMIN (root): the lock holds every
// commit, theirs included, until release_fence (docs/fence.md).
bool PivotRun::fence_lock() {
  undo_.fence_locked = true;  // planned first: an unanswered fence may hold
  return step("fence_lock", [&](JobStep& s) {
    const std::uint64_t lease_ms = plan::fence_lease_ms(input_.spec.policy);
    s.detail["lease_ms"] = lease_ms;
    const auto o = call(*old_primary_, plan::fence_writes(id("fence_lock", *old_primary_), lease_ms));
    if (o.ok) fence_answer_ = o.detail;
    return record(s, o);
  });
}

// The last look before the candidate becomes writable: the lock still held
// (its session alive, its lease running) and the old primary still at the
// captured position. Anything else rolls back: a commit may have escaped.
bool PivotRun::confirm_fence() {
  return step("confirm_fence", [&](JobStep& s) {
    auto o = call(*old_primary_, plan::report_position(id("confirm_fence", *old_primary_)));
    const auto now = o.ok ? plan::position_of(o.detail) : std::nullopt;
    const auto fence = o.detail.find("fence");
    const std::string state =
        fence != o.detail.end() && std::holds_alternative<std::string>(fence->second) ? std::get<std::string>(fence->second)
                                                                                     : "unknown";
    s.detail["fence"] = state;
    if (now) s.detail["position"] = now->gtid;
    if (o.ok && state != "held") {
      o.ok = false;
      o.error = "fence_lost";
      o.message = "the fence on " + old_primary_->name + " is " + state + " (not held): commits were possible since the capture";
    } else if (o.ok && (!now || now->gtid != position_.gtid)) {
      o.ok = false;
      o.error = "fence_lost";
      o.message = old_primary_->name + " moved from the captured position " + position_.gtid + " to " +
                  (now ? now->gtid : "none") + " while fenced";
    }
    return record(s, o);
  });
}

bool PivotRun::fence_kill_connections() {
  return step("fence_kill_connections", [&](JobStep& s) {
    const bool killed =
        record(s, call(*old_primary_, plan::kill_connections(id("fence_kill_connections", *old_primary_))));
    if (!killed) {
      record_failure(s.name, "fence_kept",
                     old_primary_->name + " keeps its fence lock (commits held) because its client sessions could "
                                          "not all be killed; the agent ends the lock when its lease passes, and "
                                          "sessions still queued then would commit there: kill them first");
    }
    return killed;
  });
}

// After the kill: the old primary's lock goes, so that it can be demoted (its
// gtid_slave_pos and the applier commit too). A lock lost before now is said.
bool PivotRun::release_fence() {
  return step("release_fence", [&](JobStep& s) {
    const auto o = call(*old_primary_, plan::release_fence(id("release_fence", *old_primary_)));
    const bool released = record(s, o);
    if (o.error == "fence_lost") {
      record_failure(s.name, "fence_lost",
                     "the fence on " + old_primary_->name + " ended before its release, after the promotion: "
                                                            "verify_old_primary names any commit that got through");
    }
    return released;
  });
}

bool PivotRun::capture_position() {
  return step("capture_position", [&](JobStep& s) {
    // fence_writes reads the position with the lock held: no second round
    // trip in the window. An agent whose answer lacks it is asked.
    if (const auto fenced = plan::position_of(fence_answer_)) {
      position_ = *fenced;
      s.detail["position"] = position_.gtid;
      s.detail["use_gtid"] = position_.use_gtid;
      s.detail["from"] = "fence_lock";
      s.detail["node"] = old_primary_->name;
      return true;
    }
    auto o = call(*old_primary_, plan::report_position(id("capture_position", *old_primary_)));
    auto position = o.ok ? plan::position_of(o.detail) : std::nullopt;
    if (o.ok && !position) {
      o.ok = false;
      o.error = "no_position";
      o.message = "the answer holds neither gtid_binlog_pos nor gtid_executed";
    }
    if (position) {
      position_ = *position;
      s.detail["position"] = position_.gtid;
      s.detail["use_gtid"] = position_.use_gtid;
    }
    return record(s, o);
  });
}

bool PivotRun::catch_up() {
  return step("catch_up", [&](JobStep& s) {
    // Bounded from the fence, not from this step: the fence's own time counts.
    const std::uint64_t deadline = fence_started_ms_ + input_.spec.policy.catch_up_timeout_ms;
    const std::uint64_t now = clock_.steady_ms();
    const std::uint64_t wait_ms = deadline > now ? deadline - now : 0;  // 0 still checks once
    s.detail["position"] = position_.gtid;
    s.detail["wait_ms"] = wait_ms;
    if (position_.gtid.empty()) {  // the old primary never wrote a transaction
      s.detail["reached"] = true;
      return true;
    }
    auto o = call(*candidate_, plan::wait_for_position(id("catch_up", *candidate_), position_.gtid, wait_ms));
    plan::require_reached(o);
    return record(s, o);
  });
}

// confirm_fence (old primary) and promote's reset_replication (candidate)
// go out together: two nodes, neither reads what the other changes, so the
// window pays one round trip for both. The candidate becomes writable only
// once both answered well; a lost fence rolls back, the reset included.
bool PivotRun::confirm_and_promote() {
  undo_.candidate_reset = true;  // planned before it is sent
  auto reset = std::async(std::launch::async, [this] {
    return call(*candidate_, plan::reset_replication(id("promote", *candidate_, "reset_replication")));
  });
  const bool confirmed = confirm_fence();
  const plan::CallOutcome reset_outcome = reset.get();
  if (!confirmed) return false;
  return promote(reset_outcome);
}

bool PivotRun::promote(const plan::CallOutcome& reset) {
  return step("promote", [&](JobStep& s) {
    if (!record(s, reset)) return false;
    undo_.candidate_unfenced = true;
    return record(s, call(*candidate_, plan::set_read_only(id("promote", *candidate_, "set_read_only"), false)));
  });
}

bool PivotRun::repoint_replicas() {
  return step("repoint_replicas", [&](JobStep& s) {
    s.detail["commands"] = nlohmann::json::array();
    const auto outcomes = call_each(nodes_except({old_primary_, candidate_}), [&](const NodeSpec& node) {
      return plan::change_source(id("repoint_replicas", node), *candidate_, position_.use_gtid, false);
    });
    bool all = true;
    for (const auto& o : outcomes) {
      all = record(s, o) && all;
      if (auto why = o.ok ? plan::not_applying(o.detail) : std::nullopt) not_applying_[o.node] = *why;
    }
    return all;
  });
}

bool PivotRun::demote_old_primary() {
  return step("demote_old_primary", [&](JobStep& s) {
    // Its gtid_slave_pos is seeded from its own binlog first, or the new
    // primary would resend everything (error 1950 under strict mode).
    return record(s, call(*old_primary_, plan::change_source(id("demote_old_primary", *old_primary_), *candidate_,
                                                            position_.use_gtid, true)));
  });
}

bool PivotRun::verify() {
  return step("verify", [&](JobStep& s) {
    const auto reported = call(*candidate_, plan::report_position(id("verify", *candidate_)));
    const auto position = reported.ok ? plan::position_of(reported.detail) : std::nullopt;
    if (!record(s, reported)) return false;
    if (!position) {
      record_failure("verify", "no_position", "report_position on " + candidate_->name + " holds no GTID position");
      return false;
    }
    s.detail["position"] = position->gtid;
    // A node the operator stopped or delayed was repointed (repoint_replicas
    // said so): waiting for it to apply would wait for the operator.
    s.detail["not_waited"] = nlohmann::json::array();
    std::vector<const NodeSpec*> waited;
    for (const NodeSpec* node : nodes_except({candidate_})) {
      auto it = not_applying_.find(node->name);
      if (it == not_applying_.end()) {
        waited.push_back(node);
      } else {
        s.detail["not_waited"].push_back({{"node", node->name}, {"reason", it->second}});
      }
    }
    if (position->gtid.empty()) return true;
    const auto outcomes = call_each(waited, [&](const NodeSpec& node) {
      return plan::wait_for_position(id("verify", node), position->gtid, plan::kVerifyWaitMs);
    });
    bool all = true;
    for (auto o : outcomes) {
      plan::require_reached(o);
      all = record(s, o) && all;
    }
    return all;
  });
}

// The fence's proof: nothing the old primary committed after the capture is
// missing from the new primary, also from clients pinned to its address
// after the release (docs/fence.md). Its position is read first, so whatever
// it replicated from the new primary is in the new primary's, read second.
bool PivotRun::verify_old_primary() {
  return step("verify_old_primary", [&](JobStep& s) {
    auto old_report = call(*old_primary_, plan::report_position(id("verify_old_primary", *old_primary_)));
    if (!record(s, old_report)) return false;
    auto new_report = call(*candidate_, plan::report_position(id("verify_old_primary", *candidate_)));
    if (!record(s, new_report)) return false;
    const auto old_now = plan::position_of(old_report.detail);
    const auto new_now = plan::position_of(new_report.detail);
    if (!old_now || !new_now) {
      record_failure(s.name, "no_position", s.name + ": a report_position answer holds no GTID position");
      return false;
    }
    s.detail["captured"] = position_.gtid;
    s.detail["old_primary_position"] = old_now->gtid;
    s.detail["new_primary_position"] = new_now->gtid;
    auto writes = plan::old_primary_writes(position_, *old_now, *new_now);
    if (!writes) {
      record_failure(s.name, writes.error().code, s.name + ": " + writes.error().message);
      return false;
    }
    s.detail["transactions"] = *writes;
    if (writes->empty()) return true;
    record_failure(s.name, "old_primary_written",
                   s.name + ": " + old_primary_->name + " committed transactions after the fence that " +
                       candidate_->name + " lacks: " + *writes +
                       " (a client pinned to its address, or a lost fence); they are not replicated anywhere");
    return false;
  });
}

// ---- plumbing ----

JobStep PivotRun::start(const std::string& name) {
  JobStep s;
  s.name = name;
  s.started_at_ms = clock_.wall_ms();
  observer_.step_started(input_.job_id, s);
  return s;
}

void PivotRun::end(JobStep& s, StepState state) {
  s.state = state;
  s.finished_at_ms = clock_.wall_ms();
  std::string failure;
  for (const auto& f : failures_) {
    if (f.step == s.name) failure += (failure.empty() ? "" : "; ") + f.message;
  }
  s.summary = step_summary(s, failure);
  observer_.step_finished(input_.job_id, s);
}

bool PivotRun::step(const std::string& name, const StepBody& body) {
  JobStep s = start(name);
  const bool ok = body(s);
  end(s, ok ? StepState::succeeded : StepState::failed);
  return ok;
}

void PivotRun::record_failure(const std::string& step, std::string error, std::string message) {
  failures_.push_back({step, std::move(error), std::move(message)});
}

bool PivotRun::record(JobStep& s, const plan::CallOutcome& o) {
  s.detail["commands"].push_back(plan::to_json(o));
  if (!o.ok) record_failure(s.name, o.error, s.name + ": " + plan::describe_failure(o));
  return o.ok;
}

std::string PivotRun::id(const std::string& step, const NodeSpec& node, const std::string& action) const {
  return plan::command_id(input_.job_id, step, node.name, action);
}

plan::CallOutcome PivotRun::call(const NodeSpec& node, protocol::Command command) {
  auto answer = agents_.call(input_.spec.name, node.name, command);
  return plan::outcome_of(node.name, std::move(command), answer);
}

std::vector<plan::CallOutcome> PivotRun::call_each(const std::vector<const NodeSpec*>& nodes,
                                                   const std::function<protocol::Command(const NodeSpec&)>& build) {
  std::vector<std::future<plan::CallOutcome>> pending;
  for (const NodeSpec* node : nodes) {
    pending.push_back(std::async(std::launch::async, [this, node, command = build(*node)]() mutable {
      return call(*node, std::move(command));
    }));
  }
  std::vector<plan::CallOutcome> outcomes;
  for (auto& p : pending) outcomes.push_back(p.get());
  return outcomes;
}

std::vector<const NodeSpec*> PivotRun::nodes_except(const std::vector<const NodeSpec*>& excluded) const {
  std::vector<const NodeSpec*> out;
  for (const auto& node : input_.spec.nodes) {
    if (std::find(excluded.begin(), excluded.end(), &node) == excluded.end()) out.push_back(&node);
  }
  return out;
}

nlohmann::json PivotRun::base_result() const {
  auto result = to_json(status_);
  result["old_primary"] = old_primary_ ? nlohmann::json(old_primary_->name) : nlohmann::json();
  result["new_primary"] = candidate_ ? nlohmann::json(candidate_->name) : nlohmann::json();
  return result;
}

PivotJobOutcome PivotRun::finish(JobState state, nlohmann::json extra) const {
  auto result = base_result();
  if (write_blocked_ms_) result["write_blocked_ms"] = *write_blocked_ms_;
  if (!failures_.empty()) {
    // The first failure names the job's error; the message tells them all.
    result["error"] = failures_.front().error;
    std::string message;
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& f : failures_) {
      message += (message.empty() ? "" : "; ") + f.message;
      steps.push_back(f.step);
    }
    result["message"] = message;
    result["failed_steps"] = std::move(steps);
  }
  result.update(extra);
  return PivotJobOutcome{state, std::move(result)};
}

}  // namespace pivot::controller
