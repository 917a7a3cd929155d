#include <gtest/gtest.h>

#include "pivot/controller/observed.hpp"
#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::Topology;

TEST(Topology, CurrentNamesAreTheRestSpelling) {
  EXPECT_STREQ(to_string(Current::primary), "primary");
  EXPECT_STREQ(to_string(Current::replica), "replica");
  EXPECT_STREQ(to_string(Current::down), "down");
  EXPECT_STREQ(to_string(Current::unknown), "unknown");
}

TEST(Topology, AgeIsMeasuredOnPivotdsClockAndNeverWraps) {
  ObservedNode node;
  node.received_at_ms = 1000;
  EXPECT_EQ(age_ms(node, 1000), 0u);
  EXPECT_EQ(age_ms(node, 4500), 3500u);
  EXPECT_EQ(age_ms(node, 999), 0u);  // stamped a moment after `now` was read
}

struct RoleCase {
  const char* scenario;
  void (*change)(Topology&);
  Current expected;
};

class CurrentRole : public ::testing::TestWithParam<RoleCase> {};

TEST_P(CurrentRole, OfDb2) {
  auto t = Topology::healthy();
  GetParam().change(t);
  EXPECT_EQ(current_role(t.observed.find("db2"), t.now_ms, t.spec.policy), GetParam().expected) << GetParam().scenario;
}

INSTANTIATE_TEST_SUITE_P(
    Topology, CurrentRole,
    ::testing::Values(
        RoleCase{"replica of db1", [](Topology&) {}, Current::replica},
        RoleCase{"replica with both threads stopped still has a source",
                 [](Topology& t) { t.replica_of("db2").io_running = protocol::IoThread::no; }, Current::replica},
        RoleCase{"writable without a source", [](Topology& t) { t.primary("db2", "0-2-5"); }, Current::primary},
        RoleCase{"read-only without a source (a fenced primary)",
                 [](Topology& t) {
                   t.primary("db2", "0-2-5");
                   t.state("db2").read_only = true;
                 },
                 Current::unknown},
        RoleCase{"read_only unknown without a source",
                 [](Topology& t) {
                   t.primary("db2", "0-2-5");
                   t.state("db2").read_only.reset();
                 },
                 Current::unknown},
        RoleCase{"mysqld unreachable", [](Topology& t) { t.down("db2"); }, Current::down},
        RoleCase{"heard exactly agent_fresh_ms ago", [](Topology& t) { t.heard("db2", 3000); }, Current::replica},
        RoleCase{"heard 1 ms too long ago", [](Topology& t) { t.heard("db2", 3001); }, Current::unknown},
        RoleCase{"stale and down is unknown, not down", [](Topology& t) { t.down("db2").heard("db2", 9000); },
                 Current::unknown},
        RoleCase{"never heard from", [](Topology& t) { t.forget("db2"); }, Current::unknown},
        RoleCase{"heard from but no state yet", [](Topology& t) { t.observed.nodes["db2"].state.reset(); },
                 Current::unknown}));

TEST(Topology, NullNodeIsUnknown) { EXPECT_EQ(current_role(nullptr, 0, Policy{}), Current::unknown); }

TEST(Topology, ObservedPrimaryIsTheOneWritableNodeWithoutSource) {
  auto t = Topology::healthy();
  EXPECT_EQ(observed_primary(t.spec, t.observed, t.now_ms), "db1");
}

TEST(Topology, TwoPrimariesMeanNone) {
  auto t = Topology::healthy();
  t.primary("db3", "0-3-7");
  EXPECT_EQ(observed_primary(t.spec, t.observed, t.now_ms), std::nullopt);
}

TEST(Topology, NoPrimaryWhenItIsFencedDownOrStale) {
  auto t = Topology::healthy();
  t.state("db1").read_only = true;
  EXPECT_EQ(observed_primary(t.spec, t.observed, t.now_ms), std::nullopt);
  t = Topology::healthy();
  t.down("db1");
  EXPECT_EQ(observed_primary(t.spec, t.observed, t.now_ms), std::nullopt);
  t = Topology::healthy();
  t.heard("db1", 3001);
  EXPECT_EQ(observed_primary(t.spec, t.observed, t.now_ms), std::nullopt);
}

TEST(Topology, NodesOutsideTheSpecAreIgnored) {
  auto t = Topology::healthy();
  t.primary("db9", "0-9-1");
  EXPECT_EQ(observed_primary(t.spec, t.observed, t.now_ms), "db1");
}

TEST(Topology, PivotStatusFindsAChecksById) {
  PivotStatus status;
  status.checks = {{"agents_fresh", true, "fine"}, {"az_spread", false, "1 AZ"}};
  ASSERT_NE(status.find("az_spread"), nullptr);
  EXPECT_EQ(status.find("az_spread")->detail, "1 AZ");
  EXPECT_EQ(status.find("candidate_lag"), nullptr);
}

}  // namespace
}  // namespace pivot::controller
