// A cluster's health (GET /v1/clusters/{name}'s, the event stream's and the
// metrics'): a cluster a job left for the operator reads needs_attention until
// a writable primary is observed again; failover, rebuild marks, detection
// and maintenance in their precedence (cluster_health.hpp).
#include "pivot/controller/cluster_health.hpp"

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pivot::controller {
namespace {

ClusterDetail fenced() {
  ClusterDetail d;
  d.name = "sms-1";
  return d;  // no primary observed, no node
}

TEST(ClusterHealth, NoPrimaryIsDegraded) {
  const auto health = cluster_health(fenced());
  EXPECT_EQ(health.state, "degraded");
  ASSERT_FALSE(health.reasons.empty());
  EXPECT_EQ(health.reasons.front(), "no single writable primary is observed");
}

TEST(ClusterHealth, LeftForTheOperatorNeedsAttentionAndSaysWhyFirst) {
  auto d = fenced();
  d.attention = "job pv-3-1 left the cluster for the operator (needs_attention): db1 did not answer";
  const auto health = cluster_health(d);
  EXPECT_EQ(health.state, "needs_attention");
  ASSERT_GE(health.reasons.size(), 2u);
  EXPECT_EQ(health.reasons.front(), *d.attention);
}

TEST(ClusterHealth, AWritablePrimaryAgainEndsTheAttention) {
  auto d = fenced();
  d.attention = "job pv-3-1 left the cluster for the operator (candidate_written): ...";
  d.primary = "db1";  // the operator made one node writable
  EXPECT_EQ(cluster_health(d).state, "ok");
}

// db1 primary, db2 replicating from it: ok.
ClusterDetail healthy() {
  ClusterDetail d;
  d.name = "sms-1";
  d.primary = "db1";
  NodeView db1;
  db1.spec = {"db1", "10.0.1.11", 3306, "a", Role::primary, 0};
  db1.current = Current::primary;
  db1.state = protocol::NodeState{};
  NodeView db2;
  db2.spec = {"db2", "10.0.2.11", 3306, "b", Role::replica, 0};
  db2.current = Current::replica;
  protocol::NodeState s;
  protocol::ReplicaStatus r;
  r.io_running = protocol::IoThread::yes;
  r.sql_running = true;
  s.replica = r;
  db2.state = s;
  d.nodes = {db1, db2};
  return d;
}

// db1 is gone: no primary observed, db1 down.
ClusterDetail primary_lost() {
  auto d = healthy();
  d.primary.reset();
  d.nodes[0].current = Current::down;
  return d;
}

constexpr std::uint64_t kT0 = 1795551303123;  // 2026-11-24T20:15:03.123Z

TEST(ClusterHealth, AllWellIsOkWithNoReason) {
  const auto health = cluster_health(healthy());
  EXPECT_EQ(health.state, "ok");
  EXPECT_TRUE(health.reasons.empty());
}

TEST(ClusterHealth, FailoverReasonsAreAppendedAndNeverChangeTheStateAlone) {
  auto d = healthy();
  d.failover.reasons = {"automatic failover is off for sms-1 (policy.auto_failover)"};
  auto health = cluster_health(d);
  EXPECT_EQ(health.state, "ok");
  EXPECT_EQ(health.reasons, d.failover.reasons);

  // A silent primary agent whose replica still receives: degraded, the node
  // problem first, then why pivotd does not fail over.
  d.nodes[0].current = Current::unknown;
  d.primary.reset();
  d.failover.detection = "degraded";
  d.failover.reasons = {"degraded: db1's agent is silent but db2 still receives"};
  health = cluster_health(d);
  EXPECT_EQ(health.state, "degraded");
  ASSERT_EQ(health.reasons.size(), 3u);
  EXPECT_EQ(health.reasons[0], "no single writable primary is observed");
  EXPECT_EQ(health.reasons[1], "db1: no fresh state, or read-only without a source");
  EXPECT_EQ(health.reasons[2], "degraded: db1's agent is silent but db2 still receives");
}

TEST(ClusterHealth, ARunningFailoverOutranksEverything) {
  auto d = primary_lost();
  d.failover.detection = "dead";
  d.failover.failing_over = true;
  d.failover.last_failover = FailoverMemo{"fo-3-1", "db0", "db1", true, kT0, true, "bob", "ok", kT0, true};
  d.failover.needs_rebuild["db3"] = RebuildMark{"0-1-7", 1, "fo-3-1", kT0};
  d.failover.maintenance = MaintenanceWindow{kT0 + 60000, "upgrade", "bob", kT0};
  const auto health = cluster_health(d);
  EXPECT_EQ(health.state, "failing_over");
  ASSERT_FALSE(health.reasons.empty());
  EXPECT_EQ(health.reasons.front(), "a failover of sms-1 is running: its job is the cluster's last job");
}

TEST(ClusterHealth, ANodeMarkedNeedsRebuildNeedsAttentionAndIsNamedWithItsExtraGtids) {
  auto d = healthy();
  d.failover.needs_rebuild["db3"] = RebuildMark{"0-1-101,0-1-102", 2, "fo-4-2", kT0};
  d.failover.maintenance = MaintenanceWindow{kT0 + 60000, "upgrade", "bob", kT0};  // outranked
  const auto health = cluster_health(d);
  EXPECT_EQ(health.state, "needs_attention");
  ASSERT_EQ(health.reasons.size(), 1u);
  EXPECT_EQ(health.reasons[0],
            "db3 needs rebuild: it holds 2 transactions the new primary lacks (0-1-101,0-1-102) since failover fo-4-2; "
            "pivotd keeps it read-only and never a source until an operator acknowledges it rebuilt");
}

TEST(ClusterHealth, ADeadPrimaryNobodyReplacesNeedsAttentionWithPivotdsReasons) {
  for (const std::string detection : {"dead", "no_decision"}) {
    SCOPED_TRACE(detection);
    auto d = primary_lost();
    d.failover.detection = detection;
    d.failover.reasons = {"no automatic failover of sms-1: in cooldown until 2026-11-24T21:15:03.123Z"};
    const auto health = cluster_health(d);
    EXPECT_EQ(health.state, "needs_attention");
    ASSERT_EQ(health.reasons.size(), 4u);
    EXPECT_THAT(health.reasons[0], ::testing::HasSubstr(detection == "dead" ? "the primary is dead" : "cannot decide"));
    EXPECT_EQ(health.reasons[1], "no single writable primary is observed");
    EXPECT_EQ(health.reasons[2], "db1: mysqld is unreachable");
    EXPECT_EQ(health.reasons.back(), d.failover.reasons.front());
  }
}

TEST(ClusterHealth, InMaintenanceADeadPrimaryIsTheWindowsDoingAndSaidInTheReasons) {
  auto d = primary_lost();
  d.failover.detection = "dead";
  d.failover.maintenance = MaintenanceWindow{kT0 + 3600000, "kernel upgrade", "bob", kT0};
  d.failover.reasons = {"no automatic failover of sms-1: in maintenance until 2026-11-24T21:15:03.123Z (kernel upgrade)"};
  const auto health = cluster_health(d);
  EXPECT_EQ(health.state, "maintenance");
  EXPECT_EQ(health.reasons.back(), d.failover.reasons.front());
  d.failover.needs_rebuild["db3"] = RebuildMark{"0-1-7", 1, "fo-3-1", kT0};  // a mark still needs an operator
  EXPECT_EQ(cluster_health(d).state, "needs_attention");
}

TEST(ClusterHealth, DetectionAloneNeedsNoAttentionWhileAPrimaryIsWritable) {
  auto d = healthy();  // e.g. the verdict of a moment ago; a writable primary is observed now
  d.failover.detection = "dead";
  EXPECT_EQ(cluster_health(d).state, "ok");
  auto lost = primary_lost();
  lost.failover.detection = "healthy";  // not judged dead: degraded, as before
  EXPECT_EQ(cluster_health(lost).state, "degraded");
}

TEST(ClusterHealth, AMaintenanceWindowOutranksDegradedAndSaysUntilWhenAndWhy) {
  auto d = primary_lost();
  d.failover.maintenance = MaintenanceWindow{kT0 + 3600000, "kernel upgrade", "bob", kT0};
  const auto health = cluster_health(d);
  EXPECT_EQ(health.state, "maintenance");
  ASSERT_EQ(health.reasons.size(), 3u);
  EXPECT_EQ(health.reasons[0], "in maintenance until 2026-11-24T21:15:03.123Z: kernel upgrade (set by bob)");
  EXPECT_EQ(health.reasons[2], "db1: mysqld is unreachable");
}

TEST(ClusterHealth, EveryStateIsOneTheMetricsList) {
  std::vector<ClusterDetail> details{healthy(), primary_lost()};
  details.push_back(healthy());
  details.back().failover.failing_over = true;
  details.push_back(healthy());
  details.back().failover.maintenance = MaintenanceWindow{kT0, "x", "", kT0};
  details.push_back(fenced());
  details.back().attention = "left fenced";
  for (const auto& d : details) {
    const auto state = cluster_health(d).state;
    EXPECT_NE(std::find(kHealthStates.begin(), kHealthStates.end(), state), kHealthStates.end()) << state;
  }
}

}  // namespace
}  // namespace pivot::controller
