// The undo of a pivot that stopped before the candidate was writable: the
// old primary writable again, the candidate a replica of it again. Each undo
// is a step of its own (rollback_*) and is listed in the result with the reason.
// The rollback is exact: a candidate that may have been writable is first made
// read-only, then its position is compared with the captured one; anything it
// wrote in between stops the rollback, fenced, with the transactions named.
#include "pivot_run.hpp"
#include "position_beyond.hpp"

namespace pivot::controller {

PivotJobOutcome PivotRun::roll_back() {
  const StepFailure cause = failures_.front();
  nlohmann::json undone = nlohmann::json::array();
  auto run_undo = [&](const std::string& name, const NodeSpec& node,
                      const std::function<protocol::Command(std::string)>& build) {
    const bool ok = undo(name, node, build);
    undone.push_back({{"step", name}, {"node", node.name}, {"ok", ok}});
    return ok;
  };
  auto outcome_with = [&](JobState state, const std::string& error, const std::string& message) {
    return finish(state, {{"error", error},
                          {"message", message},
                          {"rollback", {{"reason", cause.message}, {"failed_step", cause.step}, {"steps", undone}}}});
  };

  // First the candidate, when it may have become writable: until it is known
  // read-only, making the old primary writable could leave two writers.
  if (undo_.candidate_unfenced &&
      !run_undo("rollback_candidate_read_only", *candidate_,
                [](std::string id) { return plan::set_read_only(std::move(id), true); })) {
    return outcome_with(JobState::failed, "rollback_failed",
                        cause.message + "; rollback stopped: " + candidate_->name +
                            " may be writable, so " + old_primary_->name +
                            " stays read-only (fenced); check both and make one writable by hand");
  }
  // Exact rollback: while it may have been writable, the candidate may have
  // taken a transaction. Making the old primary writable again would drop it
  // silently, so the rollback stops there, fenced, and names it.
  if (undo_.candidate_unfenced) {
    const auto written = candidate_writes();
    undone.push_back({{"step", "rollback_candidate_position"}, {"node", candidate_->name}, {"ok", written && written->empty()}});
    if (!written) {
      return outcome_with(JobState::failed, "rollback_failed",
                          cause.message + "; rollback stopped: cannot tell whether " + candidate_->name +
                              " took writes while it may have been writable, so " + old_primary_->name +
                              " stays read-only (fenced); compare its position with the captured one ('" + position_.gtid +
                              "') and decide by hand");
    }
    if (!written->empty()) {
      auto outcome = outcome_with(
          JobState::failed, "candidate_written",
          cause.message + "; rollback stopped: " + candidate_->name + " took transactions while it may have been " +
              "writable: " + *written + "; both nodes are read-only and " + old_primary_->name +
              " stays fenced: keep them (make " + candidate_->name + " the primary) or drop them (rebuild " +
              candidate_->name + "), then make one node writable by hand");
      outcome.result["rollback"]["candidate_transactions"] = *written;
      return outcome;
    }
  }

  bool complete = true;
  std::string restored;
  // The lock goes before read_only: clients queued on it commit on the old
  // primary, which stays the primary. A lock already lost holds nothing.
  if (undo_.fence_locked) {
    const bool released = run_undo("rollback_release_fence", *old_primary_,
                                   [](std::string id) { return plan::release_fence(std::move(id)); });
    complete = released || failures_.back().error == "fence_lost";
  }
  if (undo_.old_primary_fenced) {
    const bool writable = run_undo("rollback_old_primary_writable", *old_primary_,
                                   [](std::string id) { return plan::set_read_only(std::move(id), false); });
    if (writable) {
      write_blocked_ms_ = clock_.steady_ms() - fence_started_ms_;
      restored += old_primary_->name + " writable again";
    }
    complete = writable && complete;
  }
  if (undo_.candidate_reset) {
    const bool repointed = run_undo("rollback_candidate_repoint", *candidate_, [&](std::string id) {
      return plan::change_source(std::move(id), *old_primary_, position_.use_gtid, false);
    });
    if (repointed) restored += (restored.empty() ? "" : ", ") + candidate_->name + " replicating from " + old_primary_->name;
    complete = repointed && complete;
  }

  if (!complete) {
    std::string message;
    for (const auto& f : failures_) message += (message.empty() ? "" : "; ") + f.message;
    return outcome_with(JobState::failed, "rollback_failed", message + "; rollback incomplete");
  }
  return outcome_with(JobState::rolled_back, cause.error, cause.message + "; rolled back: " + restored);
}

std::optional<std::string> PivotRun::candidate_writes() {
  std::optional<std::string> beyond;
  step("rollback_candidate_position", [&](JobStep& s) {
    auto o = call(*candidate_, plan::report_position(id("rollback_candidate_position", *candidate_)));
    const auto now = o.ok ? plan::position_of(o.detail) : std::nullopt;
    if (o.ok && !now) {
      o.ok = false;
      o.error = "no_position";
      o.message = "the answer holds neither gtid_binlog_pos nor gtid_executed";
    }
    if (!record(s, o)) return false;
    s.detail["captured"] = position_.gtid;
    s.detail["position"] = now->gtid;
    auto compared = plan::transactions_beyond(position_, *now);
    if (!compared) {
      record_failure(s.name, compared.error().code, s.name + ": " + compared.error().message);
      return false;
    }
    s.detail["beyond"] = *compared;
    beyond = *compared;
    if (compared->empty()) return true;
    record_failure(s.name, "candidate_written", s.name + ": " + candidate_->name + " has " + *compared);
    return false;
  });
  return beyond;
}

bool PivotRun::undo(const std::string& name, const NodeSpec& node,
                    const std::function<protocol::Command(std::string)>& build) {
  return step(name, [&](JobStep& s) { return record(s, call(node, build(id(name, node)))); });
}

}  // namespace pivot::controller
