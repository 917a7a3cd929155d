// The failover plan as data (ARCHITECTURE.md, "Failover"): every step once,
// in order, with its phase, its deadline, its action and its undo.
#include "failover_run.hpp"

namespace pivot::controller {
namespace {

using plan::Phase;
using F = FailoverRun;

std::uint64_t none(const Policy&) { return 0; }
std::uint64_t hook_ms(const Policy& p) { return static_cast<std::uint64_t>(p.hook_timeout_ms); }
std::uint64_t fence_ms(const Policy&) { return plan::kSetReadOnlyTimeoutMs + plan::kKillConnectionsTimeoutMs; }
std::uint64_t stop_io_ms(const Policy&) { return plan::kStopReplicationTimeoutMs; }
std::uint64_t apply_ms(const Policy& p) {
  return static_cast<std::uint64_t>(p.catch_up_timeout_ms) + plan::kPositionReadMarginMs;
}
// The survivors' states reported after their relay logs were applied.
std::uint64_t choose_ms(const Policy& p) { return 2 * static_cast<std::uint64_t>(p.agent_fresh_ms); }
std::uint64_t catch_up_ms(const Policy& p) { return plan::kChangeSourceTimeoutMs + apply_ms(p); }
std::uint64_t promote_ms(const Policy&) { return plan::kResetReplicationTimeoutMs + plan::kSetReadOnlyTimeoutMs; }
std::uint64_t change_source_ms(const Policy&) { return plan::kChangeSourceTimeoutMs; }
std::uint64_t verify_ms(const Policy&) {
  return plan::kReportPositionTimeoutMs + plan::kVerifyWaitMs + plan::kPositionReadMarginMs;
}

}  // namespace

const std::vector<FailoverStep>& FailoverRun::steps() {
  // check and pre_failover change nothing. The fence is the first change (a
  // cancel is honoured up to it); catch_up is the last reversible step:
  // once promote began, nothing rolls back.
  static const std::vector<FailoverStep> kSteps = {
      {"check", Phase::reversible, none, &F::check},
      {"pre_failover", Phase::reversible, hook_ms, &F::pre_failover},
      {"fence_old_primary", Phase::reversible, fence_ms, &F::fence_old_primary, nullptr, nullptr, true},
      {"stop_io", Phase::reversible, stop_io_ms, &F::stop_io, &F::undo_stop_io},
      {"apply_relay", Phase::reversible, apply_ms, &F::apply_relay},
      {"choose", Phase::reversible, choose_ms, &F::choose},
      {"catch_up", Phase::reversible, catch_up_ms, &F::catch_up, nullptr, &F::needs_catch_up},
      {"promote", Phase::forward_only, promote_ms, &F::promote},
      {"post_promote", Phase::forward_only, hook_ms, &F::post_promote},
      {"repoint", Phase::forward_only, change_source_ms, &F::repoint},
      {"post_failover", Phase::forward_only, hook_ms, &F::post_failover},
      {"verify", Phase::forward_only, verify_ms, &F::verify},
  };
  return kSteps;
}

std::vector<std::string> failover_plan_steps() {
  std::vector<std::string> names;
  for (const FailoverStep& def : FailoverRun::steps()) names.emplace_back(def.name);
  return names;
}

}  // namespace pivot::controller
