// The failover's policy gates and the decision that weighs them with
// detection's verdict (see the header). Each gate says why it is open, too,
// so that a decision to fail over also explains itself.

#include "pivot/controller/failover_policy.hpp"

#include <algorithm>

#include "checks.hpp"

namespace pivot::controller {

namespace {

using rules::make_check;

constexpr std::uint64_t kHourMs = 3'600'000;

std::string seconds(std::uint64_t ms) { return std::to_string(ms / 1000) + " s"; }

Check auto_failover_gate(const FailoverPolicyInput& in) {
  const char* id = "auto_failover";
  if (in.kind == FailoverKind::manual) return make_check(id, true, "A manual failover: auto_failover does not apply.");
  if (!in.policy.auto_failover) {
    return make_check(id, false,
                      "policy.auto_failover is off: pivotd does not fail over by itself (an operator may, with "
                      "pivotctl failover).");
  }
  return make_check(id, true, "policy.auto_failover is on.");
}

Check maintenance_gate(const FailoverPolicyInput& in) {
  const char* id = "maintenance";
  const auto& m = in.maintenance;
  if (!m || m->until_ms <= in.now_ms) return make_check(id, true, "The cluster is not in maintenance.");
  const auto window = "The cluster is in maintenance for another " + seconds(m->until_ms - in.now_ms) +
                      (m->reason.empty() ? "" : " (" + m->reason + ")");
  if (in.kind == FailoverKind::manual) return make_check(id, true, window + ": an operator's manual failover still runs.");
  return make_check(id, false, window + ": no automatic failover.");
}

Check cooldown_gate(const FailoverPolicyInput& in) {
  const char* id = "cooldown";
  if (in.kind == FailoverKind::manual) return make_check(id, true, "A manual failover: the cooldown does not apply.");
  const auto cooldown_ms = static_cast<std::uint64_t>(in.policy.failover_cooldown_s) * 1000;
  const auto limit = " (failover_cooldown_s " + seconds(cooldown_ms) + ")";
  if (!in.last_failover_ms) return make_check(id, true, "No earlier failover of this cluster is known.");
  const auto last = *in.last_failover_ms;
  const auto ago = in.now_ms > last ? in.now_ms - last : 0;
  const auto since = "The last failover of this cluster started " + seconds(ago) + " ago";
  if (ago >= cooldown_ms) return make_check(id, true, since + ", after the cooldown" + limit + ".");
  if (in.acknowledged) return make_check(id, true, since + limit + " and an operator acknowledged it.");
  return make_check(id, false,
                    since + ", within the cooldown" + limit + ": no automatic failover for another " +
                        seconds(cooldown_ms - ago) + " unless an operator acknowledges it (pivotctl acknowledge).");
}

// Automatic failovers started within the last hour, across the fleet. One
// stamped after `now` (another clock's reading) counts as within it.
Check hourly_cap_gate(const FailoverPolicyInput& in) {
  const char* id = "hourly_cap";
  if (in.kind == FailoverKind::manual) return make_check(id, true, "A manual failover: the hourly cap does not apply.");
  const auto recent = std::count_if(in.fleet_auto_failovers_ms.begin(), in.fleet_auto_failovers_ms.end(),
                                    [&](std::uint64_t t) { return t + kHourMs > in.now_ms; });
  const auto counted = std::to_string(recent) + " automatic failover" + (recent == 1 ? "" : "s") +
                       " across the fleet in the last hour (max_auto_failovers_per_hour " +
                       std::to_string(in.max_auto_failovers_per_hour) + ")";
  if (recent >= in.max_auto_failovers_per_hour) {
    return make_check(id, false, counted + ": no automatic failover until one is an hour old.");
  }
  return make_check(id, true, counted + ".");
}

}  // namespace

FailoverPolicy evaluate_failover_policy(const FailoverPolicyInput& input) {
  FailoverPolicy out;
  out.kind = input.kind;
  out.gates = {auto_failover_gate(input), maintenance_gate(input), cooldown_gate(input), hourly_cap_gate(input),
               rules::no_job_in_progress(input.job_in_progress)};
  out.allowed = std::all_of(out.gates.begin(), out.gates.end(), [](const Check& c) { return c.ok; });
  return out;
}

FailoverDecision decide_failover(const FailoverDetection& detection, const FailoverPolicy& policy) {
  FailoverDecision decision;
  const bool primary_lives =
      detection.verdict == FailoverVerdict::healthy || detection.verdict == FailoverVerdict::degraded;
  if (policy.kind == FailoverKind::manual && primary_lives) {
    decision.reasons.push_back("A manual failover is refused while the primary " + detection.primary +
                               " lives: use pivot.");
  }
  // An operator's manual failover may go on when detection cannot decide
  // (the replicas' agents are silent, say): the operator has looked. An
  // automatic one needs the proof.
  const bool may = detection.verdict == FailoverVerdict::dead ||
                   (policy.kind == FailoverKind::manual && detection.verdict == FailoverVerdict::no_decision);
  if (!may) {
    decision.reasons.insert(decision.reasons.end(), detection.reasons.begin(), detection.reasons.end());
    return decision;
  }
  for (const auto& gate : policy.gates) {
    if (!gate.ok) decision.reasons.push_back(gate.detail);
  }
  decision.fail_over = decision.reasons.empty();
  if (decision.fail_over) decision.reasons = detection.reasons;
  return decision;
}

}  // namespace pivot::controller
