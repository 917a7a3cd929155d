// The failover's choice as scenarios: db1 (AZ a) died at 0-1-100 with every
// survivor's IO thread stopped by the plan; db2 (b, priority 10) and db3 (c)
// are promotable, db4 a backup, db5 an analytics node.

#include "pivot/controller/failover_choice.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::Topology;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Failover {
  Topology t = Topology::healthy();
  std::optional<protocol::NodeState> last;  // db1's last state with mysqld up

  Failover() {
    last = t.state("db1");
    t.down("db1");
    for (const char* node : {"db2", "db3", "db4", "db5"}) {
      auto& r = t.replica_of(node);
      r.io_running = protocol::IoThread::no;  // the plan stopped it
      r.seconds_behind = std::nullopt;
    }
  }

  // What `node` logged and applied: its binlog state and positions.
  Failover& at(const std::string& node, const std::string& binlog_state, const std::string& pos) {
    auto& s = t.state(node);
    s.gtid_binlog_state = binlog_state;
    s.gtid_binlog_pos = s.gtid_current_pos = s.gtid_slave_pos = pos;
    return *this;
  }
  Failover& at(const std::string& node, const std::string& gtid) { return at(node, gtid, gtid); }

  FailoverChoice choose() const { return choose_failover_candidate({t.spec, t.observed, t.now_ms, "db1", last}); }
};

std::string reason_for(const FailoverChoice& c, const std::string& node) {
  for (const auto& r : c.rejected) {
    if (r.node == node) return r.reason;
  }
  return "(not rejected)";
}

std::string names(const FailoverChoice& c) {
  std::string out;
  for (const auto& r : c.rejected) out += r.node + " ";
  return out;
}

TEST(FailoverChoice, EqualSurvivorsGoByPriorityAndNoCatchUpIsNeeded) {
  const auto c = Failover().choose();
  EXPECT_EQ(c.stop, "");
  EXPECT_EQ(c.candidate, "db2");
  EXPECT_EQ(c.reason, "db2 is as advanced as db3 and has the higher priority (10 vs 0).");
  EXPECT_EQ(c.catch_up_from, "");
  EXPECT_EQ(names(c), "db1 db3 db4 db5 ");
  EXPECT_EQ(reason_for(c, "db1"), "db1 is the dead primary");
  EXPECT_EQ(reason_for(c, "db3"), "db2 is as advanced as db3 and has the higher priority (10 vs 0)");
  EXPECT_EQ(reason_for(c, "db4"), "db4 is a backup node: never promoted");
  EXPECT_EQ(reason_for(c, "db5"), "db5 is an analytics node: never promoted");
}

TEST(FailoverChoice, TheMostAdvancedPromotableSurvivorWinsOverPriority) {
  auto f = Failover();
  f.at("db3", "0-1-103").at("db4", "0-1-103").at("db5", "0-1-101");
  const auto c = f.choose();
  EXPECT_EQ(c.candidate, "db3");
  EXPECT_EQ(c.reason, "db3 holds every transaction any survivor holds, db2 lacks 3 transactions.");
  EXPECT_EQ(c.catch_up_from, "");  // db4 holds as much, nothing more
}

// The backup node holds more than any promotable survivor: the winner
// catches up from it before it becomes writable.
TEST(FailoverChoice, TheWinnerCatchesUpFromASurvivorThatHoldsMore) {
  auto f = Failover();
  f.at("db2", "0-1-101").at("db3", "0-1-101").at("db4", "0-1-105");
  const auto c = f.choose();
  EXPECT_EQ(c.stop, "");
  EXPECT_EQ(c.candidate, "db2");
  EXPECT_EQ(reason_for(c, "db3"), "db2 is as advanced as db3 and has the higher priority (10 vs 0)");
  EXPECT_EQ(c.catch_up_from, "db4");
  EXPECT_EQ(c.catch_up_reason,
            "db4 holds what db2 lacks (0-1-102 to 0-1-105): db2 replicates from it until it has all of it, before "
            "it becomes writable.");
}

// An asynchronous cluster's loss: what db1 last showed that no survivor has.
TEST(FailoverChoice, WhatTheDeadPrimaryLastHeldAndNoSurvivorHoldsIsNamed) {
  auto f = Failover();
  auto c = f.choose();
  EXPECT_EQ(c.primary_last_gtids, "0-1-100");
  EXPECT_EQ(c.lacking_from_primary, "");

  f.last->gtid_binlog_state = "0-1-108";
  f.at("db4", "0-1-104");
  c = f.choose();
  EXPECT_EQ(c.catch_up_from, "db4");
  EXPECT_EQ(c.primary_last_gtids, "0-1-108");
  EXPECT_EQ(c.lacking_from_primary, "0-1-105 to 0-1-108");  // after the catch-up from db4
}

TEST(FailoverChoice, AnErrantReplicaIsRejectedAndNotCaughtUpFrom) {
  auto f = Failover();
  f.at("db2", "0-1-100,0-2-101", "0-2-101");  // db2 wrote a transaction of its own
  f.at("db3", "0-1-100");
  const auto c = f.choose();
  EXPECT_EQ(c.stop, "");
  EXPECT_EQ(c.candidate, "db3");
  EXPECT_EQ(c.catch_up_from, "");
  EXPECT_THAT(reason_for(c, "db2"), HasSubstr("db2 has errant transactions: 0-2-101: "));
  EXPECT_THAT(reason_for(c, "db2"), HasSubstr(": neither promoted nor caught up from"));
}

// Transactions the primary wrote after pivotd's last look at it are not errant.
TEST(FailoverChoice, TransactionsThePrimaryWroteAfterItsLastStateAreNotErrant) {
  auto f = Failover();
  f.at("db3", "0-1-140");
  const auto c = f.choose();
  EXPECT_EQ(c.candidate, "db3");
  EXPECT_EQ(c.stop, "");
}

// db1 wrote in two domains; db2 applied one more of domain 0, db3 one more
// of domain 1 (parallel replication): neither holds all the other holds.
// db5 holds what db1 last showed, db4 as given.
Failover two_domains(const std::string& db4) {
  Failover f;
  f.last->gtid_binlog_state = "0-1-100,1-1-50";
  f.at("db2", "0-1-101,1-1-50").at("db3", "0-1-100,1-1-51").at("db4", db4).at("db5", "0-1-100,1-1-50");
  return f;
}

TEST(FailoverChoice, PositionsThatCannotBeOrderedStopForAnOperator) {
  const auto c = two_domains("0-1-100,1-1-50").choose();
  EXPECT_EQ(c.candidate, "");
  EXPECT_EQ(c.stop,
            "db2 and db3 hold positions that cannot be ordered: db2 has 0-1-101 that db3 lacks, db3 has 1-1-51 that "
            "db2 lacks. No survivor holds every transaction: split brain is an operator's decision, so the failover "
            "stops.");
  EXPECT_EQ(reason_for(c, "db2"), "db2 was not chosen: the survivors' positions cannot be ordered");
  EXPECT_EQ(reason_for(c, "db4"), "db4 is a backup node: never promoted");
}

// Two promotable survivors that cannot be ordered are no split brain when a
// third survivor holds both: the winner catches up from it.
TEST(FailoverChoice, ASurvivorHoldingBothSidesResolvesThem) {
  auto f = two_domains("0-1-101,1-1-51");
  const auto c = f.choose();
  EXPECT_EQ(c.stop, "");
  EXPECT_EQ(c.candidate, "db2");  // both lack one; priority
  f.at("db3", "0-1-101,1-1-51");
  EXPECT_EQ(f.choose().reason, "db3 holds every transaction any survivor holds, db2 lacks 1 transaction.");
  f.at("db3", "0-1-100,1-1-51").at("db2", "0-1-99,1-1-50");
  EXPECT_EQ(f.choose().reason, "db3 lacks fewer of the transactions db4 holds than db2 (1 vs 3).");
  EXPECT_EQ(c.catch_up_from, "db4");
  EXPECT_THAT(c.catch_up_reason, HasSubstr("db4 holds what db2 lacks (1-1-51)"));
}

// A delayed replica would stall the failover on its relay log: never chosen,
// but what its binary log holds still counts.
TEST(FailoverChoice, ADelayedReplicaIsNotWaitedFor) {
  auto f = Failover();
  f.t.replica_of("db2").sql_delay = 3600;
  f.at("db2", "0-1-90");
  auto c = f.choose();
  EXPECT_EQ(c.candidate, "db3");
  EXPECT_EQ(reason_for(c, "db2"),
            "db2 applies with a delay of 3600 s (MASTER_DELAY): a failover does not wait for its relay log");

  f.at("db2", "0-1-102");  // a delayed node holding more is still a catch-up source
  c = f.choose();
  EXPECT_EQ(c.candidate, "db3");
  EXPECT_EQ(c.catch_up_from, "db2");
}

// One survivor changed, the sentence it is rejected with; db3 wins instead.
struct RejectedCase {
  const char* scenario;
  std::function<void(Failover&)> change;
  std::string reason;
};

TEST(FailoverChoice, EachRejectedPromotableSurvivorHasItsSentence) {
  const std::vector<RejectedCase> cases = {
      {"broken: its SQL thread stopped by an error",
       [](Failover& f) {
         auto& r = f.t.replica_of("db2");
         r.sql_running = false;
         r.last_sql_error = "Could not execute Write_rows_v1 event on table app.t; Duplicate entry '7'";
       },
       "db2's SQL thread is stopped (Could not execute Write_rows_v1 event on table app.t; Duplicate entry '7'): "
       "its relay log is not applied"},
      {"its agent is stale", [](Failover& f) { f.t.heard("db2", 10'000); },
       "db2's agent has not reported for 10000 ms (limit 3000 ms): what it holds is not known and not counted"},
      {"it replicates from another source", [](Failover& f) { f.t.replica_of("db2").source_host = "10.0.9.9"; },
       "db2 replicates from 10.0.9.9:3306, not from the primary db1 (10.0.1.11:3306)"},
      {"it has no source", [](Failover& f) { f.t.state("db2").replica.reset(); },
       "db2 does not replicate (no source configured)"},
      {"its binary log lacks what it replicated", [](Failover& f) { f.t.state("db2").log_replica_updates = false; },
       "db2 has log_replica_updates off"},
      {"its GTIDs cannot be read", [](Failover& f) { f.t.state("db2").gtid_binlog_state = std::nullopt; },
       "Cannot look for errant transactions: db2's gtid_binlog_state is unknown: neither promoted nor caught up "
       "from"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.scenario);
    Failover f;
    c.change(f);
    const auto choice = f.choose();
    EXPECT_EQ(choice.candidate, "db3");
    EXPECT_EQ(reason_for(choice, "db2"), c.reason);
  }
}

TEST(FailoverChoice, OutsideTheDeadPrimarysAzBreaksATie) {
  auto f = Failover();
  f.t.spec.nodes[1].priority = 0;
  f.t.spec.nodes[1].az = "a";  // db2 shares db1's AZ
  const auto c = f.choose();
  EXPECT_EQ(c.candidate, "db3");
  EXPECT_EQ(c.reason, "db3 is as advanced as db2, has the same priority and is outside the dead primary's AZ (a).");
}

TEST(FailoverChoice, OnlyNeverPromotedSurvivorsStop) {
  auto f = Failover();
  f.t.heard("db2", 10'000).heard("db3", 10'000);
  const auto c = f.choose();
  EXPECT_EQ(c.candidate, "");
  EXPECT_EQ(c.stop, "No promotable survivor may be promoted: the failover stops.");
  EXPECT_EQ(names(c), "db1 db2 db3 db4 db5 ");
}

TEST(FailoverChoice, WithoutThePrimarysLastStateErrantTransactionsCannotBeToldSoItStops) {
  auto f = Failover();
  f.last.reset();
  const auto c = f.choose();
  EXPECT_EQ(c.candidate, "");
  EXPECT_THAT(c.stop, HasSubstr("pivotd has no state of db1 from when its mysqld was reachable"));
}

// MySQL: gtid_executed sets, where a gap makes two replicas unorderable.
TEST(FailoverChoice, MysqlSetsAreOrderedByContainment) {
  constexpr const char* kUuid1 = "00000000-0000-0000-0000-000000000001";
  auto f = Failover();
  f.t.primary("db1", "");  // a reachable state to convert, then down again
  for (auto& [name, node] : f.t.observed.nodes) {
    auto& s = *node.state;
    s.flavor = protocol::Flavor::mysql;
    s.server_uuid = "00000000-0000-0000-0000-00000000000" + name.substr(2);
    s.gtid_binlog_pos = s.gtid_binlog_state = s.gtid_current_pos = s.gtid_slave_pos = std::nullopt;
    s.gtid_executed = std::string(kUuid1) + ":1-100";
  }
  f.last = f.t.state("db1");
  f.t.down("db1");
  f.t.state("db3").gtid_executed = std::string(kUuid1) + ":1-102";
  auto c = f.choose();
  EXPECT_EQ(c.candidate, "db3");
  EXPECT_EQ(c.catch_up_from, "");

  f.t.state("db2").gtid_executed = std::string(kUuid1) + ":1-101";
  f.t.state("db3").gtid_executed = std::string(kUuid1) + ":1-100:102";
  c = f.choose();
  EXPECT_EQ(c.candidate, "");
  EXPECT_THAT(c.stop, HasSubstr(std::string("db2 has ") + kUuid1 + ":101 that db3 lacks, db3 has " + kUuid1 +
                                ":102 that db2 lacks"));
}

}  // namespace
}  // namespace pivot::controller
