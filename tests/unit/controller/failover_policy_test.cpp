// The failover's policy gates, each alone, and the decision that weighs them
// with detection's verdict.

#include "pivot/controller/failover_policy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <stdexcept>

namespace pivot::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::uint64_t kNow = 1'800'000'000'000;  // wall clock, ms
constexpr std::uint64_t kMinute = 60'000;

struct Gates {
  Policy policy;
  FailoverPolicyInput input{policy, FailoverKind::automatic, kNow, std::nullopt, std::nullopt, false, {}, 3, false};
  Gates() { policy.auto_failover = true; }
  FailoverPolicy evaluate() const { return evaluate_failover_policy(input); }
};

const Check& gate(const FailoverPolicy& p, const std::string& id) {
  for (const auto& g : p.gates) {
    if (g.id == id) return g;
  }
  throw std::runtime_error("no gate " + id);
}

std::vector<std::string> closed(const FailoverPolicy& p) {
  std::vector<std::string> ids;
  for (const auto& g : p.gates) {
    if (!g.ok) ids.push_back(g.id);
  }
  return ids;
}

TEST(FailoverPolicy, EveryGateOpenAllowsAnAutomaticFailover) {
  const auto p = Gates().evaluate();
  EXPECT_TRUE(p.allowed);
  std::vector<std::string> ids;
  for (const auto& g : p.gates) ids.push_back(g.id);
  EXPECT_THAT(ids, ElementsAre("auto_failover", "maintenance", "cooldown", "hourly_cap", "no_job_in_progress"));
}

// One gate closed, alone, with the sentence pivotd logs; and whether an
// operator's manual failover passes it (only a job holding the cluster
// stops that too).
struct ClosedGateCase {
  const char* scenario;
  std::function<void(Gates&)> change;
  std::string id;
  std::string detail;
  bool manual_passes = true;
};

TEST(FailoverPolicy, EachClosedGateSaysWhy) {
  const std::vector<ClosedGateCase> cases = {
      {"auto_failover off", [](Gates& g) { g.policy.auto_failover = false; }, "auto_failover",
       "policy.auto_failover is off: pivotd does not fail over by itself (an operator may, with pivotctl failover)."},
      {"in maintenance", [](Gates& g) { g.input.maintenance = Maintenance{kNow + 30 * kMinute, "kernel upgrade"}; },
       "maintenance", "The cluster is in maintenance for another 1800 s (kernel upgrade): no automatic failover."},
      {"within the cooldown",
       [](Gates& g) {
         g.policy.failover_cooldown_s = 3600;
         g.input.last_failover_ms = kNow - 10 * kMinute;
       },
       "cooldown",
       "The last failover of this cluster started 600 s ago, within the cooldown (failover_cooldown_s 3600 s): no "
       "automatic failover for another 3000 s unless an operator acknowledges it (pivotctl acknowledge)."},
      {"the fleet's hourly cap reached",
       [](Gates& g) {
         g.input.fleet_auto_failovers_ms = {kNow - 61 * kMinute, kNow - 50 * kMinute, kNow - 5 * kMinute,
                                            kNow - kMinute};
       },
       "hourly_cap",
       "3 automatic failovers across the fleet in the last hour (max_auto_failovers_per_hour 3): no automatic "
       "failover until one is an hour old."},
      {"a job holds the cluster", [](Gates& g) { g.input.job_in_progress = true; }, "no_job_in_progress",
       "A pivot or failover holds the cluster.", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.scenario);
    Gates g;
    c.change(g);
    const auto p = g.evaluate();
    EXPECT_FALSE(p.allowed);
    EXPECT_THAT(closed(p), ElementsAre(c.id));
    EXPECT_EQ(gate(p, c.id).detail, c.detail);
    g.input.kind = FailoverKind::manual;
    EXPECT_EQ(g.evaluate().allowed, c.manual_passes);
  }
}

TEST(FailoverPolicy, AManualFailoverRunsInMaintenanceAndSaysSo) {
  Gates g;
  g.input.kind = FailoverKind::manual;
  g.input.maintenance = Maintenance{kNow + 30 * kMinute, "kernel upgrade"};
  EXPECT_THAT(gate(g.evaluate(), "maintenance").detail, HasSubstr("an operator's manual failover still runs"));
}

TEST(FailoverPolicy, AMaintenanceWindowEndsAtItsTime) {
  Gates g;
  g.input.maintenance = Maintenance{kNow, "kernel upgrade"};
  EXPECT_TRUE(g.evaluate().allowed);
}

TEST(FailoverPolicy, AnAcknowledgedFailoverEndsTheCooldown) {
  Gates g;
  g.input.last_failover_ms = kNow - 10 * kMinute;
  g.input.acknowledged = true;
  const auto p = g.evaluate();
  EXPECT_TRUE(p.allowed);
  EXPECT_THAT(gate(p, "cooldown").detail, HasSubstr("an operator acknowledged it"));
}

TEST(FailoverPolicy, TheCooldownEndsWhenItHasPassed) {
  Gates g;
  g.policy.failover_cooldown_s = 3600;
  g.input.last_failover_ms = kNow - 60 * kMinute;
  EXPECT_TRUE(g.evaluate().allowed);
}

TEST(FailoverPolicy, TheHourlyCapCountsOnlyTheLastHour) {
  Gates g;
  g.input.fleet_auto_failovers_ms = {kNow - 61 * kMinute, kNow - 50 * kMinute, kNow - 5 * kMinute};
  const auto p = g.evaluate();
  EXPECT_TRUE(p.allowed);  // the one 61 minutes ago no longer counts
  EXPECT_EQ(gate(p, "hourly_cap").detail,
            "2 automatic failovers across the fleet in the last hour (max_auto_failovers_per_hour 3).");
}

FailoverDetection verdict(FailoverVerdict v) {
  FailoverDetection d;
  d.verdict = v;
  d.primary = "db1";
  d.reasons = {std::string("detection says ") + to_string(v)};
  return d;
}

TEST(FailoverDecision, ADeadPrimaryWithEveryGateOpenFailsOver) {
  const auto d = decide_failover(verdict(FailoverVerdict::dead), Gates().evaluate());
  EXPECT_TRUE(d.fail_over);
  EXPECT_THAT(d.reasons, ElementsAre("detection says dead"));
}

TEST(FailoverDecision, EveryClosedGateIsAReasonNotToFailOver) {
  Gates g;
  g.policy.auto_failover = false;
  g.input.job_in_progress = true;
  const auto d = decide_failover(verdict(FailoverVerdict::dead), g.evaluate());
  EXPECT_FALSE(d.fail_over);
  ASSERT_EQ(d.reasons.size(), 2u);
  EXPECT_THAT(d.reasons[0], HasSubstr("policy.auto_failover is off"));
  EXPECT_EQ(d.reasons[1], "A pivot or failover holds the cluster.");
}

TEST(FailoverDecision, AnAutomaticFailoverNeedsTheVerdictDead) {
  for (auto v : {FailoverVerdict::healthy, FailoverVerdict::degraded, FailoverVerdict::no_decision}) {
    const auto d = decide_failover(verdict(v), Gates().evaluate());
    EXPECT_FALSE(d.fail_over) << to_string(v);
    EXPECT_THAT(d.reasons, ElementsAre(std::string("detection says ") + to_string(v)));
  }
}

TEST(FailoverDecision, AManualFailoverIsRefusedWhileThePrimaryLives) {
  Gates g;
  g.input.kind = FailoverKind::manual;
  for (auto v : {FailoverVerdict::healthy, FailoverVerdict::degraded}) {
    const auto d = decide_failover(verdict(v), g.evaluate());
    EXPECT_FALSE(d.fail_over);
    EXPECT_THAT(d.reasons, ElementsAre("A manual failover is refused while the primary db1 lives: use pivot.",
                                       std::string("detection says ") + to_string(v)));
  }
  // When detection cannot decide, the operator has looked: it goes on.
  EXPECT_TRUE(decide_failover(verdict(FailoverVerdict::no_decision), g.evaluate()).fail_over);
  EXPECT_TRUE(decide_failover(verdict(FailoverVerdict::dead), g.evaluate()).fail_over);
}

}  // namespace
}  // namespace pivot::controller
