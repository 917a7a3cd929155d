// The planned pivot's actions (ARCHITECTURE.md, "Pivot plan"), and the job's
// result from the runner's report. The plan itself (order, phases, undos) is
// pivot_steps.cpp; the invariants are in pivot_run.hpp; the undos in
// pivot_rollback.cpp.
#include "pivot/controller/pivot_executor.hpp"

#include <algorithm>

#include "pivot/controller/failpoints.hpp"
#include "pivot/controller/pivot_status_detail.hpp"
#include "pivot/protocol/errors.hpp"
#include "old_primary_writes.hpp"
#include "pivot_run.hpp"

namespace pivot::controller {

PivotJobOutcome PivotExecutor::run(const PivotJobInput& input) {
  plan::RunnerPorts ports{clock_, observer_, journal_, lock_};
  journal_.job_created(input.job_id, input.spec.name, JobKind::pivot, clock_.wall_ms());
  auto outcome = PivotRun(agents_, hooks_, source_, ports, input).run();
  journal_.job_finished(input.job_id, outcome.state, clock_.wall_ms());
  return outcome;
}

PivotJobOutcome PivotExecutor::recover(const PivotRecoveryInput& input) {
  plan::RunnerPorts ports{clock_, observer_, journal_, lock_};
  auto outcome = PivotRun(agents_, hooks_, source_, ports, input.job).recover(input);
  journal_.job_finished(input.job.job_id, outcome.state, clock_.wall_ms());
  return outcome;
}

PivotJobOutcome PivotRun::run() {
  const plan::RunReport report = runner_.run(plan());
  switch (report.end) {
    case plan::RunEnd::done: {  // the dry run: checked and planned only
      auto result = base_result();
      result["plan"] = pivot_plan_steps();
      return PivotJobOutcome{JobState::succeeded, std::move(result)};
    }
    case plan::RunEnd::completed:
      return finish(runner_.failures().empty() ? JobState::succeeded : JobState::failed);
    case plan::RunEnd::stopped: {
      auto outcome = finish(JobState::failed);
      if (report.stopped_at == "check") {
        // Nothing was planned: no old_primary/new_primary pair to report.
        outcome.result.erase("old_primary");
        outcome.result.erase("new_primary");
      }
      return outcome;
    }
    default:
      return rollback_outcome(report.end);
  }
}

plan::Verdict PivotRun::check(JobStep& s) {
  status_ = source_.pivot_status(input_.spec.name, input_.candidate);
  s.detail = {{"eligible", status_.eligible}, {"primary", status_.primary}, {"candidate", status_.candidate}};
  if (input_.expected_primary && *input_.expected_primary != status_.primary) {
    record_failure("check", "precondition_failed",
                   "expected primary " + *input_.expected_primary + ", but the observed primary is " +
                       (status_.primary.empty() ? "none" : status_.primary));
    return plan::Verdict::failed;
  }
  if (!status_.eligible) {
    std::string failing;
    for (const auto& c : status_.checks) {
      if (!c.ok) failing += (failing.empty() ? "" : ", ") + c.id;
    }
    record_failure("check", "not_eligible", "the cluster may not be pivoted; failing checks: " + failing);
    return plan::Verdict::failed;
  }
  old_primary_ = input_.spec.find(status_.primary);
  candidate_ = input_.spec.find(status_.candidate);
  if (!old_primary_ || !candidate_ || old_primary_ == candidate_) {
    record_failure("check", "not_eligible",
                   "the pivot status names primary '" + status_.primary + "' and candidate '" + status_.candidate +
                       "', which are not two nodes of the spec");
    return plan::Verdict::failed;
  }
  if (input_.dry_run) return plan::Verdict::done;
  return plan::verdict_of(ping_both(s));
}

// Before anything changes, both agents answer a command and their action
// sessions a read: a command path or a session that does not work fails the
// pivot here, with nothing to undo, not at the fence. And each agent stores a
// new controller's epoch (a file and its directory synced) before the first
// command of that epoch it runs: that first command is now this one, not the
// fence or the catch-up inside the write-blocked window (issue 22). An agent
// from before ping answers unknown_action: it answered, which is all that is
// asked of it.
// One after the other (old primary first): a few ms more for the pivot, none
// for the window, and the order of what pivotd sends stays fixed.
bool PivotRun::ping_both(JobStep& s) {
  s.detail["commands"] = Detail::array();
  for (const NodeSpec* node : {old_primary_, candidate_}) {
    const auto o = call(*node, plan::ping(id("check", *node)));
    if (!o.ok && plan::ping_answered(o.ok, o.error)) {
      s.detail["commands"].push_back(plan::detail_of(o));
    } else if (!record(s, o)) {
      return false;
    }
  }
  return true;
}

plan::Verdict PivotRun::pre_pivot(JobStep& s) { return hook(s, input_.spec.hooks.pre_pivot); }

plan::Verdict PivotRun::post_promote(JobStep& s) {
  // The window closes when the traffic switch (post_promote, run at once)
  // is done; without one, when the candidate answered writable. No sync of
  // the journal first (issue 22: about 0.7 ms of the window): recovery's
  // course after a power loss here is the same whether this step's start is
  // on disk or not. The writable switch's id is (promote), so a recovery
  // that finds the candidate writable rolls forward and runs post_promote
  // again, as it does when pivotd stops while the hook runs.
  const plan::Verdict verdict = hook(s, input_.spec.hooks.post_promote, /*sync_first=*/false);
  const bool switched_by_hook = !input_.spec.hooks.post_promote.empty();
  // A recovered job's window opened under another pivotd: not measured.
  if (fence_started_ms_ != 0) {
    write_blocked_ms_ = (switched_by_hook ? clock_.steady_ms() : promoted_ms_) - fence_started_ms_;
  }
  return verdict;
}

plan::Verdict PivotRun::post_pivot(JobStep& s) { return hook(s, input_.spec.hooks.post_pivot); }

plan::Verdict PivotRun::hook(JobStep& s, const std::string& path, bool sync_first) {
  return calls_.hook(s, path, plan::hook_env("pivot", input_.spec.name, input_.job_id, *old_primary_, *candidate_),
                     static_cast<std::uint64_t>(input_.spec.policy.hook_timeout_ms), sync_first);
}

// The whole fence in one command (issue 22): read_only, then the lock, then
// the position read under it (fence_writes with read_only). Both undos, the
// table's (old primary writable again) and the lock's release, are planned
// before it goes out: an unanswered fence may have run, wholly or in part.
// An agent from before issue 22 refuses the arg (unknown_arg, nothing run):
// read_only alone then, and fence_lock sends the lock as before, so a mixed
// fleet still pivots. The write-blocked window opens here.
plan::Verdict PivotRun::fence_read_only(JobStep& s) {
  fence_started_ms_ = clock_.steady_ms();
  const std::uint64_t lease_ms = plan::fence_lease_ms(input_.spec.policy);
  s.detail["lease_ms"] = lease_ms;
  runner_.plan_undo(undo_fence_lock());
  auto o = call(*old_primary_, plan::fence_writes(id("fence_read_only", *old_primary_), lease_ms, /*read_only=*/true));
  if (!o.ok && o.error == "unknown_arg") {
    s.detail["commands"].push_back(plan::detail_of(o));  // said, not a failure: the agent ran nothing
    return plan::verdict_of(record(
        s, call(*old_primary_, plan::set_read_only(id("fence_read_only", *old_primary_, "set_read_only"), true))));
  }
  if (o.ok) {
    fence_answer_ = o.detail;
    fence_answer_step_ = s.name;
  }
  return plan::verdict_of(record(s, o));
}

// read_only does not stop READ_ONLY ADMIN (root): the lock holds every
// commit, theirs included, until release_fence (docs/fence.md). Taken by
// fence_read_only's command already, unless its agent predates that; then
// sent here, its undo (the lock released) planned before it goes out.
plan::Verdict PivotRun::fence_lock(JobStep& s) {
  const std::uint64_t lease_ms = plan::fence_lease_ms(input_.spec.policy);
  s.detail["lease_ms"] = lease_ms;
  if (auto held = fence_answer_.find("held"); held != fence_answer_.end() && held->second == protocol::Value(true)) {
    s.detail["from"] = "fence_read_only";
    s.detail["node"] = old_primary_->name;
    s.detail["detail"] = plan::detail_of(fence_answer_);
    return plan::Verdict::succeeded;
  }
  const auto o = call(*old_primary_, plan::fence_writes(id("fence_lock", *old_primary_), lease_ms));
  if (o.ok) {
    fence_answer_ = o.detail;
    fence_answer_step_ = s.name;
  }
  return plan::verdict_of(record(s, o));
}

// The last look before the candidate becomes writable: the lock still held
// (its session alive, its lease running) and the old primary still at the
// captured position. Anything else rolls back: a commit may have escaped.
// Its report_position went out beside the catch-up's wait (send_confirm,
// issue 22): two nodes, neither reads what the other changes, so the window
// holds one round trip less. Read early, it says what held when the catch-up
// began; when the catch-up answered more than kEarlyConfirmMaxAgeMs after it
// went out (a lagging candidate), the old primary is asked again, so the
// look stays as close to the writable switch as when it was sent after the
// catch-up. The lease outlasts every step up to the release by 30 s
// (plan::fence_lease_ms): what can end the fence unseen after the look is the
// lock session's or mysqld's death, in either order of sending, and
// verify_old_primary names any commit that got through.
plan::Verdict PivotRun::confirm_fence(JobStep& s) {
  settle_confirm();
  if (!confirm_answer_) {  // not reached: catch_up succeeded only once its wait went out
    record_failure(s.name, "internal_error", "confirm_fence: the old primary's report_position was never sent");
    return plan::Verdict::failed;
  }
  const std::uint64_t age_ms = catch_up_answered_ms_ - std::min(catch_up_answered_ms_, confirm_sent_ms_);
  s.detail["sent_with"] = "catch_up";
  s.detail["age_ms"] = age_ms;
  if (!fence_confirmed(s, *confirm_answer_)) return plan::Verdict::failed;
  if (age_ms <= kEarlyConfirmMaxAgeMs) return plan::Verdict::succeeded;
  s.detail["asked_again"] = true;
  return plan::verdict_of(
      fence_confirmed(s, call(*old_primary_, plan::report_position(id("confirm_fence", *old_primary_, "again")))));
}

// One report_position of the old primary against the capture: held and unmoved.
bool PivotRun::fence_confirmed(JobStep& s, plan::CallOutcome o) {
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
}

plan::Verdict PivotRun::fence_kill_connections(JobStep& s) {
  // Clients queued on the fence's lock would commit on the old primary the
  // moment it goes: they are killed first (and reconnect through the moved
  // route). Sessions that would not die keep the lock held: release_fence
  // runs only when they all died.
  const bool killed =
      record(s, call(*old_primary_, plan::kill_connections(id("fence_kill_connections", *old_primary_))));
  sessions_killed_ = killed;
  if (!killed) {
    record_failure(s.name, "fence_kept",
                   old_primary_->name + " keeps its fence lock (commits held) because its client sessions could "
                                        "not all be killed; the agent ends the lock when its lease passes, and "
                                        "sessions still queued then would commit there: kill them first");
  }
  return plan::verdict_of(killed);
}

// After the kill: the old primary's lock goes, so that it can be demoted (its
// gtid_slave_pos and the applier commit too). A lock lost before now is said.
plan::Verdict PivotRun::release_fence(JobStep& s) {
  const auto o = call(*old_primary_, plan::release_fence(id("release_fence", *old_primary_), /*kill_clients=*/true));
  const bool released = record(s, o);
  if (o.error == "fence_lost") {
    record_failure(s.name, "fence_lost",
                   "the fence on " + old_primary_->name + " ended before its release, after the promotion: "
                                                          "verify_old_primary names any commit that got through");
  }
  return plan::verdict_of(released);
}

plan::Verdict PivotRun::capture_position(JobStep& s) {
  // fence_writes reads the position with the lock held (fence_read_only's
  // command, or fence_lock's): no round trip more in the window. An agent
  // whose answer lacks it is asked.
  if (const auto fenced = plan::position_of(fence_answer_)) {
    position_ = *fenced;
    s.detail["position"] = position_.gtid;
    s.detail["use_gtid"] = position_.use_gtid;
    s.detail["from"] = fence_answer_step_;
    s.detail["node"] = old_primary_->name;
    return plan::Verdict::succeeded;
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
  return plan::verdict_of(record(s, o));
}

plan::Verdict PivotRun::catch_up(JobStep& s) {
  // Bounded from the fence, not from this step: the fence's own time counts.
  const std::uint64_t deadline = fence_started_ms_ + input_.spec.policy.catch_up_timeout_ms;
  const std::uint64_t now = clock_.steady_ms();
  const std::uint64_t wait_ms = deadline > now ? deadline - now : 0;  // 0 still checks once
  s.detail["position"] = position_.gtid;
  s.detail["wait_ms"] = wait_ms;
  if (position_.gtid.empty()) {  // the old primary never wrote a transaction
    s.detail["reached"] = true;
    send_confirm();
    send_reset(0);
    catch_up_answered_ms_ = clock_.steady_ms();
    return plan::Verdict::succeeded;
  }
  auto wait = plan::wait_for_position(id("catch_up", *candidate_), position_.gtid, wait_ms);
  const std::uint64_t wait_timeout_ms = wait.timeout_ms;
  // The confirm first: the reset queues behind the wait on the candidate
  // anyway, while the confirm's answer is what promote waits for next.
  auto o = call(*candidate_, std::move(wait), [&] {
    send_confirm();
    send_reset(wait_timeout_ms);
  });
  catch_up_answered_ms_ = clock_.steady_ms();
  plan::require_reached(o);
  return plan::verdict_of(record(s, o));
}

// confirm_fence's report_position of the old primary, sent beside the
// catch-up's wait (issue 22); confirm_fence reads its answer.
void PivotRun::send_confirm() {
  confirm_sent_ms_ = clock_.steady_ms();
  confirm_ = std::async(std::launch::async, [this, report = plan::report_position(id("confirm_fence", *old_primary_))]() mutable {
    return call(*old_primary_, std::move(report));
  });
}

// promote's reset_replication, queued on the candidate's agent right behind
// the catch-up's wait as soon as the wait is on its way (issue 22): the agent
// runs one command after the other, in arrival order, so the reset starts the
// moment the wait ends, with no round trip between; promote reads its answer.
// It carries the captured position (applied): behind a wait that failed, or
// ahead of one whose first send was lost, the agent changes nothing
// (position_timeout). Its undo (the candidate a replica of the old primary
// again) is catch_up's, planned before either goes out. reset_sent_ says
// when it is on its way: promote's writable switch must follow it.
void PivotRun::send_reset(std::uint64_t queued_behind_ms) {
  auto reset = plan::reset_replication(id("promote", *candidate_, "reset_replication"), position_.gtid);
  reset.timeout_ms += queued_behind_ms;  // counted from its receipt: it may wait out the catch-up first
  auto sent = std::make_shared<std::promise<void>>();
  reset_sent_ = sent->get_future();
  reset_ = std::async(std::launch::async, [this, sent, reset = std::move(reset)]() mutable {
    // promote's writable switch goes out only once this reset is on its way
    // (reset_sent_): its id rides on the reset's fsync, which the catch-up's
    // round trip hides, instead of an fsync of its own in the window.
    calls_.journal_ahead(id("promote", *candidate_, "set_read_only"));
    return call(*candidate_, std::move(reset), [sent] { sent->set_value(); });
  });
}

// The candidate becomes writable once confirm_fence answered well. Its
// set_read_only goes out without waiting for the reset's answer (issue 22):
// behind the reset in the agent's queue, with no_source, it switches only a
// node whose source the reset took away; behind a reset that refused or
// failed it refuses (still_replica), having changed nothing. So the window
// holds no round trip between the reset and the switch. Its undo (the
// candidate read-only again, then exact) is planned before it goes out: an
// unanswered switch may have run.
plan::Verdict PivotRun::promote(JobStep& s) {
  if (!reset_sent_.valid()) {  // not reached: catch_up succeeded only once its wait went out
    record_failure(s.name, "internal_error", "promote: the candidate's reset was never sent");
    return plan::Verdict::failed;
  }
  reset_sent_.wait();  // the switch follows the reset to the agent, never overtakes it
  runner_.plan_undo(undo_promote());
  auto writable = call(*candidate_, plan::make_writable(id("promote", *candidate_, "set_read_only"),
                                                        input_.spec.policy, /*no_source=*/true));
  settle();
  // The switch as before issue 22, to an agent that refused no_source.
  const auto switch_again = [&] {
    return call(*candidate_, plan::make_writable(id("promote", *candidate_, "set_read_only_again"), input_.spec.policy));
  };
  if (!reset_answer_->ok && reset_answer_->error == "unknown_arg") {
    // An agent from before issue 22 refused applied, having run nothing (and
    // no_source just as well); the catch-up answered reached: the reset, then
    // the switch, as before.
    s.detail["commands"].push_back(plan::detail_of(*reset_answer_));  // said, not a failure
    s.detail["commands"].push_back(plan::detail_of(writable));
    reset_answer_ = call(*candidate_, plan::reset_replication(id("promote", *candidate_, "reset_replication_again")));
    if (!record(s, *reset_answer_)) return plan::Verdict::failed;
    writable = switch_again();
  } else if (!record(s, *reset_answer_)) {
    s.detail["commands"].push_back(plan::detail_of(writable));  // refused (still_replica) or unknown: undone
    return plan::Verdict::failed;
  } else if (!writable.ok && writable.error == "unknown_arg") {
    // An agent that knows applied but not no_source: the reset answered well.
    s.detail["commands"].push_back(plan::detail_of(writable));  // said, not a failure
    writable = switch_again();
  }
  const bool switched = record(s, writable);
  promoted_ms_ = clock_.steady_ms();
  return plan::verdict_of(switched);
}

void PivotRun::settle() {
  // Its answer is promote's, and undo_reset's: an undo must not overtake it.
  if (reset_.valid()) reset_answer_ = reset_.get();
  // The confirm only reads; a rollback still waits for it, so that no command
  // of this job is in flight when the undos start.
  settle_confirm();
}

void PivotRun::settle_confirm() {
  if (confirm_.valid()) confirm_answer_ = confirm_.get();
}

plan::Verdict PivotRun::repoint_replicas(JobStep& s) {
  s.detail["commands"] = Detail::array();
  const auto outcomes = call_each(nodes_except({old_primary_, candidate_}), [&](const NodeSpec& node) {
    return plan::change_source(id("repoint_replicas", node), *candidate_, position_.use_gtid, false);
  });
  bool all = true;
  for (const auto& o : outcomes) {
    all = record(s, o) && all;
    if (auto why = o.ok ? plan::not_applying(o.detail) : std::nullopt) not_applying_[o.node] = *why;
  }
  return plan::verdict_of(all);
}

plan::Verdict PivotRun::demote_old_primary(JobStep& s) {
  // Its gtid_slave_pos is seeded from its own binlog first, or the new
  // primary would resend everything (error 1950 under strict mode).
  return plan::verdict_of(record(
      s, call(*old_primary_, plan::as_replica(plan::change_source(id("demote_old_primary", *old_primary_), *candidate_,
                                                                  position_.use_gtid, true),
                                              input_.spec.policy))));
}

plan::Verdict PivotRun::verify(JobStep& s) {
  const auto reported = call(*candidate_, plan::report_position(id("verify", *candidate_)));
  const auto position = reported.ok ? plan::position_of(reported.detail) : std::nullopt;
  if (!record(s, reported)) return plan::Verdict::failed;
  if (!position) {
    record_failure("verify", "no_position", "report_position on " + candidate_->name + " holds no GTID position");
    return plan::Verdict::failed;
  }
  s.detail["position"] = position->gtid;
  // A node the operator stopped or delayed was repointed (repoint_replicas
  // said so): waiting for it to apply would wait for the operator.
  s.detail["not_waited"] = Detail::array();
  std::vector<const NodeSpec*> waited;
  for (const NodeSpec* node : nodes_except({candidate_})) {
    auto it = not_applying_.find(node->name);
    if (it == not_applying_.end()) {
      waited.push_back(node);
    } else {
      s.detail["not_waited"].push_back({{"node", node->name}, {"reason", it->second}});
    }
  }
  if (position->gtid.empty()) return plan::Verdict::succeeded;
  const auto outcomes = call_each(waited, [&](const NodeSpec& node) {
    return plan::wait_for_position(id("verify", node), position->gtid, plan::kVerifyWaitMs);
  });
  bool all = true;
  for (auto o : outcomes) {
    plan::require_reached(o);
    all = record(s, o) && all;
  }
  return plan::verdict_of(all);
}

// The fence's proof: nothing the old primary committed after the capture is
// missing from the new primary, also from clients pinned to its address
// after the release (docs/fence.md). Its position is read first, so whatever
// it replicated from the new primary is in the new primary's, read second.
plan::Verdict PivotRun::verify_old_primary(JobStep& s) {
  auto old_report = call(*old_primary_, plan::report_position(id("verify_old_primary", *old_primary_)));
  if (!record(s, old_report)) return plan::Verdict::failed;
  auto new_report = call(*candidate_, plan::report_position(id("verify_old_primary", *candidate_)));
  if (!record(s, new_report)) return plan::Verdict::failed;
  const auto old_now = plan::position_of(old_report.detail);
  const auto new_now = plan::position_of(new_report.detail);
  if (!old_now || !new_now) {
    record_failure(s.name, "no_position", s.name + ": a report_position answer holds no GTID position");
    return plan::Verdict::failed;
  }
  s.detail["captured"] = position_.gtid;
  s.detail["old_primary_position"] = old_now->gtid;
  s.detail["new_primary_position"] = new_now->gtid;
  auto writes = plan::old_primary_writes(position_, *old_now, *new_now);
  if (!writes) {
    record_failure(s.name, writes.error().code, s.name + ": " + writes.error().message);
    return plan::Verdict::failed;
  }
  s.detail["transactions"] = *writes;
  if (writes->empty()) return plan::Verdict::succeeded;
  record_failure(s.name, "old_primary_written",
                 s.name + ": " + old_primary_->name + " committed transactions after the fence that " +
                     candidate_->name + " lacks: " + *writes +
                     " (a client pinned to its address, or a lost fence); they are not replicated anywhere");
  return plan::Verdict::failed;
}

// ---- plumbing ----

std::vector<const NodeSpec*> PivotRun::nodes_except(const std::vector<const NodeSpec*>& excluded) const {
  std::vector<const NodeSpec*> out;
  for (const auto& node : input_.spec.nodes) {
    if (std::find(excluded.begin(), excluded.end(), &node) == excluded.end()) out.push_back(&node);
  }
  return out;
}

Detail PivotRun::base_result() const {
  // A recovered job's pivot status was its first pivotd's: not repeated.
  auto result = recovered_.is_null() ? detail_of(status_) : Detail{{"recovered", recovered_}};
  result["old_primary"] = old_primary_ ? Detail(old_primary_->name) : Detail();
  result["new_primary"] = candidate_ ? Detail(candidate_->name) : Detail();
  return result;
}

PivotJobOutcome PivotRun::finish(JobState state, Detail extra) const {
  auto result = base_result();
  if (write_blocked_ms_) result["write_blocked_ms"] = *write_blocked_ms_;
  plan::add_failures(result, runner_.failures());
  result.update(extra);
  return PivotJobOutcome{state, std::move(result)};
}

}  // namespace pivot::controller
