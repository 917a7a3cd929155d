// The undo of a pivot that stopped before the candidate was writable: the
// old primary writable again, the candidate a replica of it again. Each undo
// is a step of its own (rollback_*) and is listed in the result with the
// reason. The runner runs them in reverse order of planning, the candidate's
// repoint last (it is not needed to reopen writes):
//   candidate read-only + its position (gates), release the lock, old primary
//   writable, candidate repointed.
// The rollback is exact: a candidate that may have been writable is first made
// read-only, then its position is compared with the captured one; anything it
// wrote in between stops the rollback, fenced, with the transactions named.
#include "pivot_run.hpp"
#include "position_beyond.hpp"

namespace pivot::controller {

// The lock goes before read_only: clients queued on it commit on the old
// primary, which stays the primary. A lock already lost holds nothing.
// Planned by fence_read_only (its command takes the lock) and by fence_lock:
// it runs once, the first time the rollback reaches it.
plan::Undo PivotRun::undo_fence_lock() {
  return {[this] {
    if (fence_lock_undone_) return true;
    fence_lock_undone_ = true;
    const bool released = undo("rollback_release_fence", *old_primary_,
                               [](std::string id) { return plan::release_fence(std::move(id)); });
    return released || runner_.failures().back().error == "fence_lost";
  }};
}

plan::Undo PivotRun::undo_fence_read_only() {
  return {[this] {
    const bool writable = undo("rollback_old_primary_writable", *old_primary_,
                               [](std::string id) { return plan::set_read_only(std::move(id), false); });
    if (writable) {
      if (fence_started_ms_ != 0) write_blocked_ms_ = clock_.steady_ms() - fence_started_ms_;
      restored_ += old_primary_->name + " writable again";
    }
    return writable;
  }};
}

plan::Undo PivotRun::undo_reset() {
  plan::Undo u{[this] {
    // The reset queued behind the catch-up refused having changed nothing
    // (the position not applied, or an older agent's unknown_arg): the
    // candidate still replicates from the old primary. A repoint would also
    // wait on its SQL thread, which may be what held the catch-up back.
    if (reset_answer_ && !reset_answer_->ok &&
        (reset_answer_->error == "position_timeout" || reset_answer_->error == "unknown_arg")) {
      return true;
    }
    const bool repointed = undo("rollback_candidate_repoint", *candidate_, [&](std::string id) {
      return plan::change_source(std::move(id), *old_primary_, position_.use_gtid, false);
    });
    if (repointed) restored_ += (restored_.empty() ? "" : ", ") + candidate_->name + " replicating from " + old_primary_->name;
    return repointed;
  }};
  u.last = true;
  return u;
}

// First the candidate, which may have become writable: until it is known
// read-only, making the old primary writable could leave two writers. Then,
// exact: while it may have been writable, it may have taken a transaction;
// making the old primary writable again would drop it silently, so the
// rollback stops there, fenced, and names it.
plan::Undo PivotRun::undo_promote() {
  plan::Undo u{[this] {
    const std::string cause = runner_.failures().front().message;
    if (!undo("rollback_candidate_read_only", *candidate_,
              [](std::string id) { return plan::set_read_only(std::move(id), true); })) {
      rollback_stop_ = plan::StepFailure{"rollback_candidate_read_only", "rollback_failed",
                                         cause + "; rollback stopped: " + candidate_->name + " may be writable, so " +
                                             old_primary_->name +
                                             " stays read-only (fenced); check both and make one writable by hand"};
      return false;
    }
    const auto written = candidate_writes();
    undone_.push_back(
        {{"step", "rollback_candidate_position"}, {"node", candidate_->name}, {"ok", written && written->empty()}});
    if (!written) {
      rollback_stop_ = plan::StepFailure{
          "rollback_candidate_position", "rollback_failed",
          cause + "; rollback stopped: cannot tell whether " + candidate_->name +
              " took writes while it may have been writable, so " + old_primary_->name +
              " stays read-only (fenced); compare its position with the captured one ('" + position_.gtid +
              "') and decide by hand"};
      return false;
    }
    if (!written->empty()) {
      rollback_stop_ = plan::StepFailure{
          "rollback_candidate_position", "candidate_written",
          cause + "; rollback stopped: " + candidate_->name + " took transactions while it may have been " +
              "writable: " + *written + "; both nodes are read-only and " + old_primary_->name +
              " stays fenced: keep them (make " + candidate_->name + " the primary) or drop them (rebuild " +
              candidate_->name + "), then make one node writable by hand"};
      candidate_transactions_ = *written;
      return false;
    }
    return true;
  }};
  u.gate = true;
  return u;
}

PivotJobOutcome PivotRun::rollback_outcome(plan::RunEnd end) const {
  const plan::StepFailure& cause = runner_.failures().front();
  auto outcome_with = [&](JobState state, const std::string& error, const std::string& message) {
    return finish(state, {{"error", error},
                          {"message", message},
                          {"rollback", {{"reason", cause.message}, {"failed_step", cause.step}, {"steps", undone_}}}});
  };
  if (end == plan::RunEnd::rollback_stopped && rollback_stop_) {
    auto outcome = outcome_with(JobState::failed, rollback_stop_->error, rollback_stop_->message);
    if (candidate_transactions_) outcome.result["rollback"]["candidate_transactions"] = *candidate_transactions_;
    return outcome;
  }
  if (end != plan::RunEnd::rolled_back) {
    std::string message;
    for (const auto& f : runner_.failures()) message += (message.empty() ? "" : "; ") + f.message;
    return outcome_with(JobState::failed, "rollback_failed", message + "; rollback incomplete");
  }
  return outcome_with(JobState::rolled_back, cause.error, cause.message + "; rolled back: " + restored_);
}

std::optional<std::string> PivotRun::candidate_writes() {
  std::optional<std::string> beyond;
  runner_.step("rollback_candidate_position", [&](JobStep& s) {
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

// One undo, a step of its own, listed in the result.
bool PivotRun::undo(const std::string& name, const NodeSpec& node,
                    const std::function<protocol::Command(std::string)>& build) {
  const bool ok = runner_.step(name, [&](JobStep& s) { return record(s, call(node, build(id(name, node)))); });
  undone_.push_back({{"step", name}, {"node", node.name}, {"ok", ok}});
  return ok;
}

}  // namespace pivot::controller
