// The pivot plan as data (ARCHITECTURE.md, "Pivot plan"): every step once,
// in order, with its phase, its deadline, its action and its undo. The dry
// run's `plan`, the failpoints' known steps and the runner all read it here.
#include "pivot_run.hpp"

namespace pivot::controller {
namespace {

using plan::Phase;
using P = PivotRun;

std::uint64_t none(const Policy&) { return 0; }
std::uint64_t hook_ms(const Policy& p) { return static_cast<std::uint64_t>(p.hook_timeout_ms); }
// fence_read_only's one command sets read_only and takes the lock.
std::uint64_t fence_ms(const Policy&) { return plan::kFenceWritesTimeoutMs; }
std::uint64_t read_only_fence_ms(const Policy&) { return plan::kSetReadOnlyTimeoutMs + plan::kFenceWritesTimeoutMs; }
std::uint64_t report_ms(const Policy&) { return plan::kReportPositionTimeoutMs; }
// Bounded from the fence: catch_up waits for what is left of it.
std::uint64_t catch_up_ms(const Policy& p) {
  return static_cast<std::uint64_t>(p.catch_up_timeout_ms) + plan::kPositionReadMarginMs;
}
std::uint64_t promote_ms(const Policy&) { return plan::kResetReplicationTimeoutMs + plan::kSetReadOnlyTimeoutMs; }
std::uint64_t kill_ms(const Policy&) { return plan::kKillConnectionsTimeoutMs; }
std::uint64_t release_ms(const Policy&) { return plan::kReleaseFenceTimeoutMs; }
std::uint64_t change_source_ms(const Policy&) { return plan::kChangeSourceTimeoutMs; }
std::uint64_t verify_ms(const Policy&) {
  return plan::kReportPositionTimeoutMs + plan::kVerifyWaitMs + plan::kPositionReadMarginMs;
}
std::uint64_t verify_old_ms(const Policy&) { return 2 * plan::kReportPositionTimeoutMs; }

}  // namespace

const std::vector<PivotStep>& PivotRun::steps() {
  // check and pre_pivot change nothing: a failure there has nothing to undo.
  // promote is the last reversible step: once the candidate answered
  // writable, nothing rolls back.
  static const std::vector<PivotStep> kSteps = {
      {"check", Phase::reversible, none, &P::check},
      {"pre_pivot", Phase::reversible, hook_ms, &P::pre_pivot},
      // The first change: a cancel is honoured up to here, never after.
      {"fence_read_only", Phase::reversible, read_only_fence_ms, &P::fence_read_only, &P::undo_fence_read_only, nullptr,
       true},
      {"fence_lock", Phase::reversible, fence_ms, &P::fence_lock, &P::undo_fence_lock},
      {"capture_position", Phase::reversible, report_ms, &P::capture_position},
      // catch_up queues the candidate's reset behind its wait (its undo) and
      // sends confirm_fence's read of the old primary beside it.
      {"catch_up", Phase::reversible, catch_up_ms, &P::catch_up, &P::undo_reset},
      {"confirm_fence", Phase::reversible, report_ms, &P::confirm_fence},  // asks again after a slow catch-up
      {"promote", Phase::reversible, promote_ms, &P::promote},  // plans undo_promote before its switch goes out
      {"post_promote", Phase::forward_only, hook_ms, &P::post_promote},
      {"fence_kill_connections", Phase::forward_only, kill_ms, &P::fence_kill_connections},
      {"release_fence", Phase::forward_only, release_ms, &P::release_fence, nullptr, &P::sessions_killed},
      {"repoint_replicas", Phase::forward_only, change_source_ms, &P::repoint_replicas},
      {"demote_old_primary", Phase::forward_only, change_source_ms, &P::demote_old_primary},
      {"post_pivot", Phase::forward_only, hook_ms, &P::post_pivot},
      {"verify", Phase::forward_only, verify_ms, &P::verify},
      {"verify_old_primary", Phase::forward_only, verify_old_ms, &P::verify_old_primary},
  };
  return kSteps;
}

plan::Plan PivotRun::plan() {
  plan::Plan p = bind_plan(*this, steps(), input_.spec.policy);
  p.settle = [this] { settle(); };
  return p;
}

std::vector<std::string> pivot_plan_steps() {
  std::vector<std::string> names;
  for (const PivotStep& def : PivotRun::steps()) names.emplace_back(def.name);
  return names;
}

}  // namespace pivot::controller
