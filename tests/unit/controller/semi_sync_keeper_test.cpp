// semi_sync_changes: which nodes pivotd's guard sends set_semi_sync, on the
// five-node layout (db1 primary, db2 and db3 promotable replicas, db4 backup,
// db5 analytics).
#include "pivot/controller/semi_sync_keeper.hpp"

#include <gtest/gtest.h>

#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::Topology;

std::vector<std::string> described(const std::vector<SemiSyncChange>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) {
    out.push_back(c.node + (c.source ? " source on" : " source off") + (c.replica ? ", replica on" : ", replica off") +
                  ": " + c.reason);
  }
  return out;
}

Topology semi_sync_cluster() {
  Topology t = Topology::healthy();
  t.spec.policy.durability = Durability::semi_sync;
  return t;
}

TEST(SemiSyncKeeper, AsyncLeavesEveryNodeAlone) {
  Topology t = Topology::healthy();
  t.state("db2").semi_sync->source = true;
  EXPECT_TRUE(semi_sync_changes(t.spec, t.observed, t.now_ms).empty());
}

TEST(SemiSyncKeeper, AFreshSemiSyncClusterIsSetUpNodeByNode) {
  Topology t = semi_sync_cluster();
  t.state("db4").semi_sync->replica = true;  // as the harness starts every server
  EXPECT_EQ(described(semi_sync_changes(t.spec, t.observed, t.now_ms)),
            (std::vector<std::string>{
                "db1 source on, replica on: db1 is the primary: its source side is off, its wait point is unknown, "
                "not AFTER_SYNC, its timeout is unknown, not 28000 ms, its replica side is off",
                "db2 source off, replica on: db2 is a promotable replica with the semi-sync replica side off",
                "db3 source off, replica on: db3 is a promotable replica with the semi-sync replica side off",
                "db4 source off, replica off: db4 is a backup node with a semi-sync side on: it must not acknowledge "
                "what no failover promotes"}));
}

// As the guard keeps it: the replica side on db1..db3, db1's source side on
// with AFTER_SYNC and the policy's timeout.
Topology kept_cluster(bool source_active, std::uint64_t kill_conn_timeout_s) {
  Topology t = semi_sync_cluster();
  for (const char* n : {"db1", "db2", "db3"}) t.state(n).semi_sync->replica = true;
  t.state("db1").semi_sync = {.source = true, .replica = true, .source_active = source_active,
                              .wait_point = "AFTER_SYNC", .timeout_ms = semi_sync_timeout_ms(t.spec.policy),
                              .kill_conn_timeout_s = kill_conn_timeout_s};
  return t;
}

TEST(SemiSyncKeeper, AKeptClusterNeedsNothing) {
  Topology t = kept_cluster(false, 1);
  EXPECT_TRUE(semi_sync_changes(t.spec, t.observed, t.now_ms).empty())
      << "an inactive source side comes back by itself once a replica caught up";
}

// After a pivot to db2: db1 (demoted) still has the source side on, db2
// (promoted with it on) is kept as it is.
TEST(SemiSyncKeeper, AfterAPivotTheDemotedNodeLosesItsSourceSide) {
  Topology t = semi_sync_cluster();
  const protocol::SemiSync primary{.source = true, .replica = true, .source_active = true, .wait_point = "AFTER_SYNC",
                                   .timeout_ms = semi_sync_timeout_ms(t.spec.policy), .kill_conn_timeout_s = 1};
  t.state("db1").semi_sync = primary;
  t.state("db1").read_only = true;
  t.state("db2").semi_sync = primary;
  t.state("db2").read_only = false;
  t.state("db2").replica.reset();
  t.state("db3").semi_sync->replica = true;
  EXPECT_EQ(described(semi_sync_changes(t.spec, t.observed, t.now_ms)),
            (std::vector<std::string>{
                "db1 source off, replica on: db1 is a promotable replica with the semi-sync source side on"}));
}

// The default 5 s made a failover's stop_io fail on every replica against a
// hung or silent primary: a node with the replica side on and a longer
// kill_conn_timeout drifts (set_semi_sync sets it to 1), and so does 0 (no
// limit); one whose agent does not report it (MySQL, older) or whose
// replica side is off does not.
TEST(SemiSyncKeeper, ALongKillConnTimeoutDrifts) {
  Topology t = kept_cluster(true, 5);
  t.state("db2").semi_sync->kill_conn_timeout_s = 5;
  t.state("db3").semi_sync->kill_conn_timeout_s = 1;
  t.state("db4").semi_sync->kill_conn_timeout_s = 5;  // backup, replica side off
  EXPECT_EQ(described(semi_sync_changes(t.spec, t.observed, t.now_ms)),
            (std::vector<std::string>{
                "db1 source on, replica on: db1 is the primary: its rpl_semi_sync_slave_kill_conn_timeout is 5 s, "
                "not 1 (a failover's stop_io would wait that long on a hung or silent primary)",
                "db2 source off, replica on: db2 is a promotable replica: its rpl_semi_sync_slave_kill_conn_timeout "
                "is 5 s, not 1 (a failover's stop_io would wait that long on a hung or silent primary)"}));
  t.state("db1").semi_sync->kill_conn_timeout_s = 1;
  t.state("db2").semi_sync->kill_conn_timeout_s = 0;
  EXPECT_EQ(described(semi_sync_changes(t.spec, t.observed, t.now_ms)),
            (std::vector<std::string>{
                "db2 source off, replica on: db2 is a promotable replica: its rpl_semi_sync_slave_kill_conn_timeout "
                "is 0 (no limit), not 1 (a failover's stop_io would wait that long on a hung or silent primary)"}));
  t.state("db2").semi_sync->kill_conn_timeout_s.reset();
  EXPECT_TRUE(semi_sync_changes(t.spec, t.observed, t.now_ms).empty()) << "unknown (MySQL, older) is left alone";
}

TEST(SemiSyncKeeper, NothingWithoutOneWritablePrimary) {
  Topology t = semi_sync_cluster();
  t.state("db1").read_only = true;
  EXPECT_TRUE(semi_sync_changes(t.spec, t.observed, t.now_ms).empty());
}

}  // namespace
}  // namespace pivot::controller
