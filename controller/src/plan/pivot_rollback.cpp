// The undo of a pivot that stopped before the candidate was writable: the
// old primary writable again, the candidate a replica of it again. Each undo
// is a step of its own (rollback_*) and is listed in the result with the reason.
#include "pivot_run.hpp"

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

  bool complete = true;
  std::string restored;
  if (undo_.old_primary_fenced) {
    const bool writable = run_undo("rollback_old_primary_writable", *old_primary_,
                                   [](std::string id) { return plan::set_read_only(std::move(id), false); });
    if (writable) {
      write_blocked_ms_ = clock_.steady_ms() - fence_started_ms_;
      restored += old_primary_->name + " writable again";
    }
    complete = writable;
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

bool PivotRun::undo(const std::string& name, const NodeSpec& node,
                    const std::function<protocol::Command(std::string)>& build) {
  return step(name, [&](JobStep& s) { return record(s, call(node, build(id(name, node)))); });
}

}  // namespace pivot::controller
