// The failover guard's decision about one cluster, as scenarios on the
// five-node layout: db1 the primary pivotd last saw writable.

#include "pivot/controller/cluster_guard.hpp"

#include <gtest/gtest.h>

#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::Topology;

constexpr std::uint64_t kWall = 1'800'000'000'000;  // ms since the epoch

std::string joined(const std::vector<std::string>& reasons) {
  std::string out;
  for (const auto& r : reasons) out += r + "\n";
  return out;
}

struct Guard {
  Topology t = Topology::healthy();
  ClusterMarks marks;
  std::string last_primary = "db1";
  std::optional<protocol::NodeState> last_primary_state;
  bool job = false;
  std::vector<std::uint64_t> fleet;

  Guard() {
    t.spec.policy.auto_failover = true;
    last_primary_state = t.state("db1");
  }

  // db1's mysqld killed: its agent says so, every replica's IO thread lost it.
  Guard& primary_died() {
    t.primary_lost("db1");
    return *this;
  }

  // A failover promoted db2: db3..db5 follow it, db1 is `old` (absent by default).
  Guard& failed_over_to_db2() {
    t.primary("db2", "0-1-100");
    for (const char* node : {"db3", "db4", "db5"}) t.replica(node, "db2", "0-1-100", 0);
    t.forget("db1");
    last_primary = "db2";
    last_primary_state = t.state("db2");
    marks.last_failover = FailoverMemo{.job_id = "fo-1-1", .old_primary = "db1", .new_primary = "db2",
                                       .automatic = true, .started_ms = kWall - 60'000};
    return *this;
  }

  GuardDecision decide() const {
    return guard_cluster({.spec = t.spec,
                          .observed = t.observed,
                          .now_ms = t.now_ms,
                          .observing_since_ms = 0,
                          .last_primary = last_primary,
                          .last_primary_state = last_primary_state,
                          .marks = marks,
                          .wall_ms = kWall,
                          .job_holds = job,
                          .fleet_auto_failovers_ms = fleet,
                          .max_auto_failovers_per_hour = 3});
  }
};

TEST(ClusterGuard, AHealthyClusterNeedsNothingAndSaysNothing) {
  const auto d = Guard().decide();
  EXPECT_EQ(d.action, GuardAction::none);
  EXPECT_EQ(d.verdict, FailoverVerdict::healthy);
  EXPECT_TRUE(d.reasons.empty()) << joined(d.reasons);
  EXPECT_FALSE(d.cooldown_until_ms);
  EXPECT_FALSE(d.in_maintenance);
}

TEST(ClusterGuard, ADeadPrimaryWithAutoFailoverIsFailedOver) {
  Guard g;
  g.primary_died();
  const auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::failover) << joined(d.reasons);
  EXPECT_EQ(d.verdict, FailoverVerdict::dead);
}

TEST(ClusterGuard, ADeadPrimaryWithoutAutoFailoverIsLeftToTheOperatorWithTheReason) {
  Guard g;
  g.primary_died();
  g.t.spec.policy.auto_failover = false;
  const auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::none);
  EXPECT_NE(joined(d.reasons).find("auto_failover"), std::string::npos) << joined(d.reasons);
}

TEST(ClusterGuard, AClusterWhosePrimaryWasNeverSeenIsLeftAloneQuietly) {
  Guard g;
  g.primary_died();
  g.last_primary.clear();
  const auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::none);
  EXPECT_EQ(d.verdict, FailoverVerdict::no_decision);
  EXPECT_TRUE(d.reasons.empty()) << joined(d.reasons);
}

TEST(ClusterGuard, NothingIsDecidedWhileAJobHoldsTheCluster) {
  Guard g;
  g.primary_died();
  g.job = true;
  const auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::none);
  EXPECT_TRUE(d.reasons.empty()) << joined(d.reasons);
}

TEST(ClusterGuard, ASilentAgentWhoseReplicasStillReceiveIsDegradedNotDead) {
  Guard g;
  g.t.heard("db1", 60'000);  // silent for a minute, past agent_dead_ms
  const auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::none);
  EXPECT_EQ(d.verdict, FailoverVerdict::degraded);
  EXPECT_FALSE(d.reasons.empty());
}

TEST(ClusterGuard, TheCooldownHoldsBackASecondFailoverUntilAcknowledged) {
  Guard g;
  g.primary_died();
  g.marks.last_failover = FailoverMemo{.job_id = "fo-1-1", .old_primary = "db0", .new_primary = "db1",
                                       .automatic = true, .started_ms = kWall - 600'000, .old_primary_settled = true};
  auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::none);
  ASSERT_TRUE(d.cooldown_until_ms);
  EXPECT_EQ(*d.cooldown_until_ms, kWall - 600'000 + 3600'000);
  EXPECT_NE(joined(d.reasons).find("cooldown"), std::string::npos) << joined(d.reasons);

  g.marks.last_failover->acknowledged = true;
  d = g.decide();
  EXPECT_EQ(d.action, GuardAction::failover) << joined(d.reasons);
  EXPECT_FALSE(d.cooldown_until_ms);
}

TEST(ClusterGuard, MaintenanceHoldsBackAnAutomaticFailover) {
  Guard g;
  g.primary_died();
  g.marks.maintenance = MaintenanceWindow{.until_ms = kWall + 60'000, .reason = "kernel upgrade"};
  auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::none);
  EXPECT_TRUE(d.in_maintenance);
  EXPECT_NE(joined(d.reasons).find("kernel upgrade"), std::string::npos) << joined(d.reasons);

  g.marks.maintenance->until_ms = kWall;  // ended
  d = g.decide();
  EXPECT_EQ(d.action, GuardAction::failover);
  EXPECT_FALSE(d.in_maintenance);
}

TEST(ClusterGuard, TheFleetsHourlyCapHoldsBackAnAutomaticFailover) {
  Guard g;
  g.primary_died();
  g.fleet = {kWall - 10'000, kWall - 20'000, kWall - 30'000};
  const auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::none);
  EXPECT_NE(joined(d.reasons).find("hour"), std::string::npos) << joined(d.reasons);
}

TEST(ClusterGuard, AnOldPrimaryBackWritableIsFencedAtOnce) {
  Guard g;
  g.failed_over_to_db2();
  g.t.primary("db1", "0-1-100");  // restarted writable
  const auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::rejoin);
  EXPECT_TRUE(d.urgent);
}

TEST(ClusterGuard, AnOldPrimaryBackReadOnlyWithASubsetIsRejoined) {
  Guard g;
  g.failed_over_to_db2();
  g.t.primary("db1", "0-1-90");
  g.t.state("db1").read_only = true;
  const auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::rejoin) << joined(d.reasons);
  EXPECT_FALSE(d.urgent);
}

TEST(ClusterGuard, AnOldPrimaryWithExtraTransactionsIsJudgedByTheJobThenSettled) {
  Guard g;
  g.failed_over_to_db2();
  g.t.primary("db1", "0-1-101");  // one transaction db2 never got
  g.t.state("db1").read_only = true;
  auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::rejoin) << "the job judges on fresh states and marks it";

  g.marks.needs_rebuild["db1"] = RebuildMark{.extra_gtids = "0-1-101", .extra_count = 1};
  d = g.decide();
  EXPECT_EQ(d.action, GuardAction::settle) << joined(d.reasons);
}

TEST(ClusterGuard, AnOldPrimaryThatReplicatesFromTheNewOneIsSettled) {
  Guard g;
  g.failed_over_to_db2();
  g.t.replica("db1", "db2", "0-1-100", 0);
  EXPECT_EQ(g.decide().action, GuardAction::settle);
}

TEST(ClusterGuard, AnOldPrimaryNotBackYetSaysNothing) {
  Guard g;
  g.failed_over_to_db2();
  const auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::none);
  EXPECT_TRUE(d.reasons.empty()) << joined(d.reasons);
}

TEST(ClusterGuard, APrimaryThatRestartedReadOnlyIsReopenedWithAutoFailoverElseExplained) {
  Guard g;
  g.t.state("db1").read_only = true;
  g.t.state("db1").uptime_s = 5;  // restarted since it was writable (3600 s then)
  auto d = g.decide();
  EXPECT_EQ(d.action, GuardAction::reopen) << joined(d.reasons);

  g.t.spec.policy.auto_failover = false;
  d = g.decide();
  EXPECT_EQ(d.action, GuardAction::none);
  EXPECT_NE(joined(d.reasons).find("pivotctl reopen sms-1"), std::string::npos) << joined(d.reasons);
}

TEST(ClusterGuard, AReplicaWithItsIoThreadRunningIsEvidenceThePrimaryLives) {
  Guard g;
  g.primary_died();
  // db2's SQL thread stopped, its IO thread still connected: db1 lives.
  auto& r = g.t.replica_of("db2");
  r.io_running = protocol::IoThread::yes;
  r.last_io_error.clear();
  r.sql_running = false;
  const auto d = g.decide();
  EXPECT_NE(d.action, GuardAction::failover) << joined(d.reasons);
  EXPECT_NE(d.verdict, FailoverVerdict::dead);
}

// A failed job pauses only its own action: a rejoin whose fence keeps failing
// (a woken old primary held in a semi-sync commit) must not hold back the
// failover of a new primary that dies meanwhile; fencing a writable old
// primary is never paused.
GuardDecision deciding(GuardAction action) {
  GuardDecision d;
  d.action = action;
  return d;
}

TEST(ClusterGuard, AFailedJobPausesOnlyItsOwnAction) {
  const GuardPause rejoin_failed{GuardAction::rejoin, 30000};
  GuardDecision failover = deciding(GuardAction::failover);
  EXPECT_FALSE(guard_paused(rejoin_failed, failover, 1000)) << "a failed rejoin does not delay a failover";
  GuardDecision rejoin = deciding(GuardAction::rejoin);
  EXPECT_TRUE(guard_paused(rejoin_failed, rejoin, 1000));
  EXPECT_FALSE(guard_paused(rejoin_failed, rejoin, 30000)) << "the pause ends";
  rejoin.urgent = true;
  EXPECT_FALSE(guard_paused(rejoin_failed, rejoin, 1000)) << "a writable old primary is fenced at once";
  const GuardPause failover_failed{GuardAction::failover, 30000};
  EXPECT_TRUE(guard_paused(failover_failed, failover, 1000)) << "a failing failover is not retried every tick";
  EXPECT_FALSE(guard_paused(failover_failed, deciding(GuardAction::settle), 1000));
  EXPECT_FALSE(guard_paused(GuardPause{}, failover, 1000)) << "nothing failed";
}

}  // namespace
}  // namespace pivot::controller
