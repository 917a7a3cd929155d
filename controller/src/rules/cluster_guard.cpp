// guard_cluster: pivotd's own decision about one cluster at one instant (see
// the header for the order).
#include "pivot/controller/cluster_guard.hpp"

#include "pivot/controller/failover_policy.hpp"
#include "pivot/controller/reopen.hpp"
#include "pivot/controller/returned_primary.hpp"

namespace pivot::controller {
namespace {

void append(std::vector<std::string>& to, const std::vector<std::string>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

std::optional<Maintenance> maintenance_of(const ClusterMarks& marks, std::uint64_t wall_ms) {
  if (!in_maintenance(marks, wall_ms)) return std::nullopt;
  return Maintenance{marks.maintenance->until_ms, marks.maintenance->reason};
}

// The old primary of the last failover, while pivotd still watches for it.
bool watching_old_primary(const ClusterMarks& marks) {
  const auto& f = marks.last_failover;
  return f && !f->new_primary.empty() && !f->old_primary_settled;
}

}  // namespace

const char* to_string(GuardAction action) {
  switch (action) {
    case GuardAction::failover:
      return "failover";
    case GuardAction::rejoin:
      return "rejoin";
    case GuardAction::settle:
      return "settle";
    case GuardAction::reopen:
      return "reopen";
    case GuardAction::none:
      break;
  }
  return "none";
}

std::optional<std::uint64_t> cooldown_until(const ClusterMarks& marks, const Policy& policy, std::uint64_t wall_ms) {
  const auto& f = marks.last_failover;
  if (!f || f->acknowledged) return std::nullopt;
  const std::uint64_t until = f->started_ms + static_cast<std::uint64_t>(policy.failover_cooldown_s) * 1000;
  if (until <= wall_ms) return std::nullopt;
  return until;
}

bool in_maintenance(const ClusterMarks& marks, std::uint64_t wall_ms) {
  return marks.maintenance && marks.maintenance->until_ms > wall_ms;
}

GuardDecision guard_cluster(const GuardInput& in) {
  GuardDecision d;
  d.cooldown_until_ms = cooldown_until(in.marks, in.spec.policy, in.wall_ms);
  d.in_maintenance = in_maintenance(in.marks, in.wall_ms);
  if (in.job_holds) return d;  // the job decides; nothing is evaluated under it
  if (in.last_primary.empty()) {
    // pivotd has never seen a writable primary here (just started, agents
    // not heard yet): nothing to replace, nothing to say beyond the nodes' own health.
    d.verdict = FailoverVerdict::no_decision;
    return d;
  }

  std::optional<ReturnedPrimary> returned;
  if (watching_old_primary(in.marks)) {
    const auto& f = *in.marks.last_failover;
    returned = judge_returned_primary({.spec = in.spec,
                                       .observed = in.observed,
                                       .now_ms = in.now_ms,
                                       .old_primary = f.old_primary,
                                       .new_primary = f.new_primary,
                                       .marked_needs_rebuild = in.marks.needs_rebuild.count(f.old_primary) > 0});
    if (returned->make_read_only) {
      d.action = GuardAction::rejoin;
      d.urgent = true;
      d.reasons = returned->reasons;
      return d;
    }
  }

  const auto detection = detect_failover({.spec = in.spec,
                                          .observed = in.observed,
                                          .now_ms = in.now_ms,
                                          .primary = in.last_primary,
                                          .observing_since_ms = in.observing_since_ms});
  d.verdict = detection.verdict;
  if (detection.verdict == FailoverVerdict::dead) {
    const auto last = in.marks.last_failover;
    const auto policy = evaluate_failover_policy({.policy = in.spec.policy,
                                                  .kind = FailoverKind::automatic,
                                                  .now_ms = in.wall_ms,
                                                  .maintenance = maintenance_of(in.marks, in.wall_ms),
                                                  .last_failover_ms = last ? std::optional(last->started_ms) : std::nullopt,
                                                  .acknowledged = last && last->acknowledged,
                                                  .fleet_auto_failovers_ms = in.fleet_auto_failovers_ms,
                                                  .max_auto_failovers_per_hour = in.max_auto_failovers_per_hour,
                                                  .job_in_progress = false});
    const auto decision = decide_failover(detection, policy);
    d.action = decision.fail_over ? GuardAction::failover : GuardAction::none;
    d.reasons = decision.reasons;
    return d;
  }
  if (detection.verdict != FailoverVerdict::healthy) append(d.reasons, detection.reasons);

  if (returned) {
    switch (returned->verdict) {
      case ReturnVerdict::rejoin:
        d.action = GuardAction::rejoin;
        append(d.reasons, returned->reasons);
        return d;
      case ReturnVerdict::needs_rebuild:
        // Not marked yet: the rejoin job judges again on fresh states and marks it.
        d.action = in.marks.needs_rebuild.count(in.marks.last_failover->old_primary) ? GuardAction::settle
                                                                                     : GuardAction::rejoin;
        append(d.reasons, returned->reasons);
        return d;
      case ReturnVerdict::rejoined:
        d.action = GuardAction::settle;
        append(d.reasons, returned->reasons);
        return d;
      case ReturnVerdict::cannot_tell:
        append(d.reasons, returned->reasons);
        break;
      case ReturnVerdict::absent:
        break;  // not back yet: nothing to say until it is
    }
  }

  if (detection.verdict == FailoverVerdict::healthy && !in.last_primary.empty()) {
    const auto reopen = decide_reopen({.spec = in.spec,
                                       .observed = in.observed,
                                       .now_ms = in.now_ms,
                                       .primary = in.last_primary,
                                       .kind = FailoverKind::automatic,
                                       .last_writable_state = in.last_primary_state,
                                       .job_in_progress = false,
                                       .maintenance = maintenance_of(in.marks, in.wall_ms)});
    if (reopen.verdict == ReopenVerdict::reopen) {
      d.action = GuardAction::reopen;
      append(d.reasons, reopen.reasons);
    } else if (reopen.verdict != ReopenVerdict::not_needed) {
      append(d.reasons, reopen.reasons);
    }
  }
  return d;
}

bool guard_paused(const GuardPause& pause, const GuardDecision& decision, std::uint64_t now_ms) {
  if (decision.action == GuardAction::none || decision.action == GuardAction::settle || decision.urgent) return false;
  return decision.action == pause.failed && now_ms < pause.until_ms;
}

}  // namespace pivot::controller
