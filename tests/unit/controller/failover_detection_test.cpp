// Failover detection as scenarios on the five-node layout: db1 the primary,
// db2 and db3 promotable replicas, db4 backup, db5 analytics.

#include "pivot/controller/failover_detection.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::Topology;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr const char* kRefused =
    "error reconnecting to master 'repl@10.0.1.11:3306' - retry-time: 1  maximum-retries: 86400  message: Can't "
    "connect to MySQL server on '10.0.1.11' (111 \"Connection refused\")";

// The replica's IO thread lost its source: Connecting, with the error it retries on.
void lose(Topology& t, const std::string& node) {
  auto& r = t.replica_of(node);
  r.io_running = protocol::IoThread::connecting;
  r.last_io_error = kRefused;
  r.seconds_behind = std::nullopt;
}

// db1's mysqld was killed: its agent says so, every replica lost it.
Topology primary_killed() {
  auto t = Topology::healthy();
  t.down("db1");
  for (const char* node : {"db2", "db3", "db4", "db5"}) lose(t, node);
  return t;
}

// pivotd has listened for a minute unless told otherwise; the spec's
// policy.agent_dead_ms as given.
FailoverDetection detect(const Topology& t, int agent_dead_ms = 3000, std::uint64_t listened_ms = 60'000) {
  auto spec = t.spec;
  spec.policy.agent_dead_ms = agent_dead_ms;
  return detect_failover({spec, t.observed, t.now_ms, "db1", t.now_ms - listened_ms});
}

std::string all(const FailoverDetection& d) { return ::testing::PrintToString(d.reasons); }

TEST(FailoverDetection, APrimaryWhoseAgentReportsMysqldUpIsHealthy) {
  const auto d = detect(Topology::healthy());
  EXPECT_EQ(d.verdict, FailoverVerdict::healthy);
  EXPECT_EQ(d.primary_agent, PrimaryAgent::up);
  EXPECT_THAT(d.reasons, ElementsAre("db1's agent reports its mysqld up: no failover."));
}

// Condition A: the agent reports mysqld unreachable and no replica is connected.
TEST(FailoverDetection, UnreachableMysqldConfirmedByTheReplicasIsDead) {
  const auto d = detect(primary_killed());
  EXPECT_EQ(d.verdict, FailoverVerdict::dead) << all(d);
  EXPECT_THAT(d.confirmed_by, ElementsAre("db2", "db3"));  // backup and analytics testify but do not confirm
  EXPECT_EQ(d.primary_agent, PrimaryAgent::unreachable) << "the failover's fence reads it";
  EXPECT_THAT(d.alive_by, IsEmpty());
  EXPECT_EQ(d.reasons.front(),
            "db1 is dead: db1's agent reports its mysqld unreachable (Can't connect to local server through socket) "
            "and no replica is connected to it; confirmed by db2, db3.");
  EXPECT_EQ(d.reasons[1], std::string("db2's IO thread is connecting (") + kRefused + "): it lost db1.");
  EXPECT_EQ(d.reasons.size(), 5u);
}

TEST(FailoverDetection, UnreachableMysqldWithAReplicaStillConnectedIsDegraded) {
  auto t = primary_killed();
  t.replica_of("db4").io_running = protocol::IoThread::yes;
  const auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::degraded);
  EXPECT_THAT(d.alive_by, ElementsAre("db4"));
  EXPECT_THAT(d.reasons.front(), HasSubstr("db1's agent reports its mysqld unreachable"));
  EXPECT_THAT(d.reasons.front(), HasSubstr("but db4 still receives from it: db1 lives"));
}

// Condition B: the agent silent for agent_dead_ms, every fresh replica lost it.
TEST(FailoverDetection, SilentAgentAndEveryFreshReplicaLostItIsDead) {
  auto t = Topology::healthy();
  for (const char* node : {"db2", "db3", "db4", "db5"}) lose(t, node);
  t.heard("db1", 5000);  // its last state still says mysqld up
  const auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::dead) << all(d);
  EXPECT_EQ(d.primary_agent, PrimaryAgent::silent) << "the failover's fence reads it";
  EXPECT_EQ(d.reasons.front(),
            "db1 is dead: db1's agent has been silent for 5000 ms (agent_dead_ms 3000 ms) and every replica whose "
            "agent is fresh lost it too; confirmed by db2, db3.");
}

// An agent never heard from is silent once pivotd has listened for
// agent_dead_ms, not before: a pivotd just started waits for it.
TEST(FailoverDetection, AnAgentNeverHeardFromIsSilentOncePivotdListenedForAgentDeadMs) {
  auto t = Topology::healthy();
  for (const char* node : {"db2", "db3", "db4", "db5"}) lose(t, node);
  t.forget("db1");
  auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::dead) << all(d);
  EXPECT_THAT(d.reasons.front(), HasSubstr("db1's agent has not reported since pivotd began to listen 60000 ms ago "
                                           "(agent_dead_ms 3000 ms)"));

  d = detect(t, 3000, 1000);
  EXPECT_EQ(d.verdict, FailoverVerdict::no_decision) << all(d);
  EXPECT_EQ(d.reasons.front(),
            "db1's agent has not reported since pivotd began to listen 1000 ms ago, less than agent_dead_ms (3000 "
            "ms): waiting for agent_dead_ms before deciding.");
}

// A silent agent whose replicas still receive events: a network problem
// between pivotd and db1's host.
TEST(FailoverDetection, SilentAgentWithReplicasStillReceivingIsDegraded) {
  auto t = Topology::healthy();
  t.heard("db1", 60'000);
  const auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::degraded);
  EXPECT_THAT(d.alive_by, ElementsAre("db2", "db3", "db4", "db5"));
  EXPECT_EQ(d.reasons.front(),
            "db1's agent has been silent for 60000 ms (agent_dead_ms 3000 ms), but db2, db3, db4, db5 still receive "
            "from it: db1 lives (a problem between pivotd and its host, not a dead primary); no failover.");
}

TEST(FailoverDetection, ARunningIoThreadWithItsSqlThreadStoppedSaysThePrimaryLives) {
  auto t = Topology::healthy();
  for (const char* node : {"db3", "db4", "db5"}) lose(t, node);
  auto& r = t.replica_of("db2");
  r.sql_running = false;
  r.last_sql_error = "Could not execute Write_rows_v1 event on table app.t; Duplicate entry '7'";
  t.heard("db1", 5000);
  const auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::degraded) << all(d);
  EXPECT_THAT(d.alive_by, ElementsAre("db2"));
  EXPECT_THAT(d.confirmed_by, ElementsAre("db3"));
  EXPECT_THAT(d.reasons, ::testing::Contains("db2's IO thread is connected to db1 (whatever its SQL thread does)."));
}

// A pivotd that hears no promotable replica decides nothing, whatever the
// backup and analytics nodes say.
TEST(FailoverDetection, StaleReplicaAgentsConfirmNothing) {
  auto t = primary_killed();
  t.heard("db2", 4000).heard("db3", 10'000);
  const auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::no_decision);
  EXPECT_THAT(d.confirmed_by, IsEmpty());
  EXPECT_THAT(d.reasons.front(), HasSubstr("but no fresh promotable replica's agent confirms that it lost db1: "
                                           "pivotd decides nothing without one."));
  EXPECT_EQ(d.reasons[1],
            "db2's agent has not reported for 4000 ms (limit 3000 ms): it cannot tell whether db1 lives.");
}

TEST(FailoverDetection, OneFreshPromotableReplicaIsEnoughToConfirm) {
  auto t = primary_killed();
  t.heard("db3", 10'000);
  const auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::dead) << all(d);
  EXPECT_THAT(d.confirmed_by, ElementsAre("db2"));
}

// A delayed replica's IO thread testifies like any other: its delay holds
// back only its SQL thread.
TEST(FailoverDetection, ADelayedReplicaTestifiesByItsIoThread) {
  auto t = primary_killed();
  t.replica_of("db3").sql_delay = 3600;
  t.heard("db2", 10'000);
  auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::dead) << all(d);
  EXPECT_THAT(d.confirmed_by, ElementsAre("db3"));

  t.replica_of("db3").io_running = protocol::IoThread::yes;
  d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::degraded) << all(d);
  EXPECT_THAT(d.alive_by, ElementsAre("db3"));
}

TEST(FailoverDetection, AnIoThreadStoppedWithoutAnErrorTestifiesNothing) {
  auto t = primary_killed();
  auto& r = t.replica_of("db2");
  r.io_running = protocol::IoThread::no;
  r.last_io_error.clear();
  auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::dead) << all(d);
  EXPECT_THAT(d.confirmed_by, ElementsAre("db3"));
  EXPECT_THAT(d.reasons, ::testing::Contains("db2's IO thread is not running without an error (stopped by "
                                             "someone): it cannot tell whether db1 lives."));

  t.heard("db3", 10'000);  // the only other promotable replica goes stale: nobody confirms
  d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::no_decision) << all(d);

  // An IO thread stopped by an error lost its source.
  t.replica_of("db2").last_io_error = "Fatal error: The slave I/O thread stops because of a network timeout";
  d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::dead) << all(d);
  EXPECT_THAT(d.confirmed_by, ElementsAre("db2"));
}

TEST(FailoverDetection, AReplicaOfAnotherSourceTestifiesNothing) {
  auto t = primary_killed();
  t.replica_of("db2").source_host = "10.0.9.9";
  t.replica_of("db2").io_running = protocol::IoThread::yes;  // connected, but not to db1
  const auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::dead) << all(d);
  EXPECT_THAT(d.confirmed_by, ElementsAre("db3"));
  EXPECT_THAT(d.reasons, ::testing::Contains("db2 replicates from 10.0.9.9:3306, not from the primary db1 "
                                             "(10.0.1.11:3306)."));
}

// A replica that names the primary by the address its state reported
// (report_host) testifies about it too.
TEST(FailoverDetection, AReplicaUsingThePrimarysReportedAddressTestifies) {
  auto t = Topology::healthy();
  t.state("db1").report_host = "db1.internal";
  t.replica_of("db2").source_host = "db1.internal";
  for (const char* node : {"db3", "db4", "db5"}) lose(t, node);
  t.heard("db1", 5000);
  const auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::degraded) << all(d);
  EXPECT_THAT(d.alive_by, ElementsAre("db2"));
}

TEST(FailoverDetection, ALateAgentIsWaitedForUntilAgentDeadMs) {
  auto t = Topology::healthy();
  for (const char* node : {"db2", "db3", "db4", "db5"}) lose(t, node);
  t.heard("db1", 5000);  // past agent_fresh_ms (3000), not yet agent_dead_ms (10000)
  const auto d = detect(t, 10'000);
  EXPECT_EQ(d.verdict, FailoverVerdict::no_decision);
  EXPECT_EQ(d.primary_agent, PrimaryAgent::late) << "a manual failover then awaits its fence";
  EXPECT_EQ(d.reasons.front(),
            "db1's agent has not reported for 5000 ms, less than agent_dead_ms (10000 ms), and its last state had "
            "mysqld up: waiting for agent_dead_ms before deciding.");
}

TEST(FailoverDetection, AnotherWritableNodeMeansNoFailover) {
  auto t = primary_killed();
  t.primary("db3", "0-3-1");
  const auto d = detect(t);
  EXPECT_EQ(d.verdict, FailoverVerdict::no_decision);
  EXPECT_THAT(d.reasons.front(), HasSubstr("but db3 is writable: the cluster has another primary; no failover."));
}

TEST(FailoverDetection, APrimaryMissingFromTheSpecDecidesNothing) {
  const auto t = primary_killed();
  const auto d = detect_failover({t.spec, t.observed, t.now_ms, "db9", 0});
  EXPECT_EQ(d.verdict, FailoverVerdict::no_decision);
  EXPECT_THAT(d.reasons, ElementsAre("The primary db9 is not in the cluster spec: no decision."));
}

TEST(FailoverDetection, VerdictsHaveNames) {
  EXPECT_STREQ(to_string(FailoverVerdict::healthy), "healthy");
  EXPECT_STREQ(to_string(FailoverVerdict::degraded), "degraded");
  EXPECT_STREQ(to_string(FailoverVerdict::dead), "dead");
  EXPECT_STREQ(to_string(FailoverVerdict::no_decision), "no_decision");
}

}  // namespace
}  // namespace pivot::controller
