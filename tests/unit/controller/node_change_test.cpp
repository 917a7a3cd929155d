// What the event stream counts as a node's change (node_change.hpp): the
// probe's timing is none, GTIDs and lag are positions, anything else is
// other; and the stamps the watcher compares each tick.
#include "pivot/controller/node_change.hpp"

#include <gtest/gtest.h>

#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::Topology;

struct Case {
  const char* what;
  void (*change)(protocol::NodeState&);
  NodeChange expected;
};

class AbsorbState : public ::testing::TestWithParam<Case> {};

TEST_P(AbsorbState, TellsTheChangeAndHoldsTheNewState) {
  auto topology = Topology::healthy();
  protocol::NodeState held = topology.state("db2");
  protocol::NodeState next = held;
  GetParam().change(next);
  EXPECT_EQ(absorb_state(held, next), GetParam().expected) << GetParam().what;
  EXPECT_EQ(held, next) << GetParam().what;  // whatever the kind, the model holds the new state
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, AbsorbState,
    ::testing::Values(
        Case{"the same snapshot", [](protocol::NodeState&) {}, NodeChange::none},
        Case{"the probe's timing and uptime",
             [](protocol::NodeState& s) {
               s.probe_latency_ms = 7.25;
               s.uptime_s = 4000;
             },
             NodeChange::none},
        Case{"a GTID step and lag",
             [](protocol::NodeState& s) {
               s.gtid_binlog_pos = s.gtid_binlog_state = s.gtid_current_pos = s.gtid_slave_pos = "0-1-101";
               s.replica->executed_gtids = s.replica->received_gtids = "0-1-101";
               s.replica->seconds_behind = 3;
               s.probe_latency_ms = 2;
             },
             NodeChange::positions},
        Case{"MySQL's executed set", [](protocol::NodeState& s) { s.gtid_executed = "uuid:1-7"; },
             NodeChange::positions},
        Case{"lag unknown (nil) is a position too", [](protocol::NodeState& s) { s.replica->seconds_behind.reset(); },
             NodeChange::positions},
        Case{"read_only with a GTID step",
             [](protocol::NodeState& s) {
               s.read_only = false;
               s.gtid_binlog_pos = "0-1-101";
             },
             NodeChange::other},
        Case{"the IO thread", [](protocol::NodeState& s) { s.replica->io_running = protocol::IoThread::connecting; },
             NodeChange::other},
        Case{"a replication error", [](protocol::NodeState& s) { s.replica->last_sql_error = "Error 1062"; },
             NodeChange::other},
        Case{"a new source", [](protocol::NodeState& s) { s.replica->source_host = "10.0.2.11"; }, NodeChange::other},
        Case{"no longer a replica", [](protocol::NodeState& s) { s.replica.reset(); }, NodeChange::other},
        Case{"mysqld unreachable",
             [](protocol::NodeState& s) {
               s.mysql_reachable = false;
               s.probe_error = "Can't connect";
             },
             NodeChange::other},
        Case{"slave_net_timeout (a field added to v1 later)", [](protocol::NodeState& s) { s.slave_net_timeout = 4; },
             NodeChange::other}));

TEST(AbsorbState, APositionAfterAnOtherChangeIsStillHeldExactly) {
  auto topology = Topology::healthy();
  protocol::NodeState held = topology.state("db2");
  auto next = held;
  next.read_only = false;
  ASSERT_EQ(absorb_state(held, next), NodeChange::other);
  next.gtid_current_pos = "0-1-150";
  next.replica->seconds_behind = 9;
  ASSERT_EQ(absorb_state(held, next), NodeChange::positions);
  EXPECT_EQ(held, next);
  EXPECT_EQ(absorb_state(held, next), NodeChange::none);
}

TEST(StampNode, CarriesTheRoleTheCountersAndTheLagAgainstThePolicy) {
  auto topology = Topology::healthy().replica("db2", "db1", "0-1-98", 6);  // max_lag_seconds 5
  auto& seen = topology.observed.nodes.at("db2");
  seen.revision = 3;
  seen.position_moves = 40;
  NodeStamp stamp;
  stamp.name = "a much longer name than db2's";
  stamp_node(stamp, *topology.spec.find("db2"), &seen, topology.now_ms, topology.spec.policy);
  EXPECT_EQ(stamp, (NodeStamp{"db2", Current::replica, 3, 40, true}));

  topology.replica("db2", "db1", "0-1-100", 5);  // at the limit: not above it
  stamp_node(stamp, *topology.spec.find("db2"), &seen, topology.now_ms, topology.spec.policy);
  EXPECT_FALSE(stamp.lagging);

  stamp_node(stamp, *topology.spec.find("db3"), nullptr, topology.now_ms, topology.spec.policy);
  EXPECT_EQ(stamp, (NodeStamp{"db3", Current::unknown, 0, 0, false}));
}

}  // namespace
}  // namespace pivot::controller
