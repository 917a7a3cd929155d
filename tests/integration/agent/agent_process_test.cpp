// pivot-agent as a process on a real cluster, a subscriber standing in for
// pivotd: its snapshots, its events, and that it is never silent, even while
// mysqld is dead or hung.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include <gtest/gtest.h>

#include "agent_fixture.hpp"
#include "pivot/test/notify_socket.hpp"

namespace pivot::test {
namespace {

TEST_F(AgentProcessTest, SnapshotsOfPrimaryAndReplicaMatchTheServers) {
  EventSink sink;
  AgentProcess primary(args(1, sink.endpoint()));
  AgentProcess replica(args(2, sink.endpoint()));
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (1, 'a', 1)");
  cluster().sync_replicas();
  const std::string pos = cluster().value(1, "SELECT @@gtid_binlog_pos");

  auto p = sink.wait_for([&](const Message& m) { return is_state(m, "db1") && state(m).gtid_binlog_pos == pos; }, 15s);
  ASSERT_TRUE(p) << primary.log();
  EXPECT_EQ(p->envelope.cluster, "agents");
  EXPECT_FALSE(p->envelope.boot_id.empty());
  EXPECT_TRUE(state(*p).mysql_reachable);
  EXPECT_EQ(state(*p).read_only, false);
  EXPECT_FALSE(state(*p).replica.has_value());

  auto r = sink.wait_for([&](const Message& m) { return is_state(m, "db2") && state(m).gtid_current_pos == pos; }, 15s);
  ASSERT_TRUE(r) << replica.log();
  EXPECT_EQ(state(*r).read_only, true);
  ASSERT_TRUE(state(*r).replica.has_value());
  EXPECT_EQ(state(*r).replica->source_port, cluster().port(1));
  EXPECT_EQ(state(*r).replica->io_running, protocol::IoThread::yes);
  EXPECT_TRUE(state(*r).replica->sql_running);
  EXPECT_EQ(state(*r).replica->seconds_behind, 0u);

  // seq grows within a boot
  auto again = sink.wait_for([&](const Message& m) { return is_state(m, "db2"); }, 5s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->envelope.boot_id, r->envelope.boot_id);
  EXPECT_GT(again->envelope.seq, r->envelope.seq);
}

// slave_net_timeout travels in NodeState as the server has it: a change by
// SET GLOBAL shows in the next published state (pivot status compares it
// with policy.agent_dead_ms).
TEST_F(AgentProcessTest, SlaveNetTimeoutIsTheServersAndFollowsAChange) {
  const std::string before = cluster().value(2, "SELECT @@global.slave_net_timeout");
  EventSink sink;
  AgentProcess agent(args(2, sink.endpoint()));
  auto first = sink.wait_for([&](const Message& m) { return is_state(m, "db2") && state(m).mysql_reachable; }, 15s);
  ASSERT_TRUE(first) << agent.log();
  EXPECT_EQ(state(*first).slave_net_timeout, std::stoul(before));

  const unsigned changed = std::stoul(before) == 47 ? 48 : 47;
  cluster().execute(2, "SET GLOBAL slave_net_timeout = " + std::to_string(changed));
  auto next = sink.wait_for([&](const Message& m) { return is_state(m, "db2") && state(m).slave_net_timeout == changed; },
                            10s);
  cluster().execute(2, "SET GLOBAL slave_net_timeout = " + before);
  ASSERT_TRUE(next) << "no state of db2 with slave_net_timeout " << changed << "\n" << agent.log();
  EXPECT_EQ(cluster().value(2, "SELECT @@global.slave_net_timeout"), before) << "restored for the other tests";
}

TEST_F(AgentProcessTest, ReadOnlyChangeIsAnEventAtOnce) {
  EventSink sink;
  AgentProcess agent(args(2, sink.endpoint()));
  ASSERT_TRUE(sink.wait_for([&](const Message& m) { return is_state(m, "db2"); }, 15s)) << agent.log();
  cluster().execute(2, "SET GLOBAL read_only = 0");
  auto e = sink.wait_for([&](const Message& m) { return is_event(m, EventKind::read_only_changed); }, 5s);
  ASSERT_TRUE(e) << agent.log();
  EXPECT_EQ(std::get<protocol::Event>(e->body).detail, "read_only ON -> OFF");
}

TEST_F(AgentProcessTest, StoppedMysqldIsReportedWhileHeartbeatsContinue) {
  EventSink sink;
  AgentProcess agent(args(3, sink.endpoint()));
  ASSERT_TRUE(sink.wait_for([&](const Message& m) { return is_state(m, "db3") && state(m).mysql_reachable; }, 15s))
      << agent.log();
  cluster().stop(3, StopMode::kill);
  auto down = sink.wait_for([&](const Message& m) { return is_event(m, EventKind::mysql_down); }, 5s);
  ASSERT_TRUE(down) << agent.log();
  // Heartbeats go on, saying why.
  for (int i = 0; i < 3; ++i) {
    auto beat = sink.wait_for([&](const Message& m) { return is_state(m, "db3"); }, 3s);
    ASSERT_TRUE(beat) << "heartbeat " << i << " missing\n" << agent.log();
    EXPECT_FALSE(state(*beat).mysql_reachable);
    EXPECT_NE(state(*beat).probe_error, "");
  }
  cluster().start_node(3);
  ASSERT_TRUE(sink.wait_for([&](const Message& m) { return is_event(m, EventKind::mysql_up); }, 30s)) << agent.log();
}

TEST_F(AgentProcessTest, HungMysqldIsReportedWithinTwoProbeTimeoutsAndSigtermStillExits) {
  EventSink sink;
  AgentProcess agent(args(2, sink.endpoint()));
  ASSERT_TRUE(sink.wait_for([&](const Message& m) { return is_state(m, "db2") && state(m).mysql_reachable; }, 15s))
      << agent.log();
  const pid_t mysqld = cluster().pid(2);
  ASSERT_GT(mysqld, 0);
  ASSERT_EQ(::kill(mysqld, SIGSTOP), 0);
  const auto stopped = Clock::now();
  auto hung = sink.wait_for([&](const Message& m) { return is_state(m, "db2") && !state(m).mysql_reachable; },
                            std::chrono::milliseconds(2 * kProbeTimeoutMs));
  const auto seen_after = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stopped);
  if (!hung) ::kill(mysqld, SIGCONT);
  ASSERT_TRUE(hung) << "not reported within 2 probe timeouts\n" << agent.log();
  std::cout << "hung mysqld reported after " << seen_after.count() << " ms (probe_timeout_ms " << kProbeTimeoutMs
            << ")\n";
  EXPECT_NE(state(*hung).probe_error, "");
  // Heartbeats continue while the probe is stuck.
  ASSERT_TRUE(sink.wait_for([&](const Message& m) { return is_state(m, "db2") && !state(m).mysql_reachable; }, 2s));

  // SIGTERM ends the agent within a second although a worker is stuck in mysqld.
  const auto term = Clock::now();
  agent.signal(SIGTERM);
  auto code = agent.wait_exit(3s);
  const auto exit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - term).count();
  ::kill(mysqld, SIGCONT);
  ASSERT_TRUE(code.has_value()) << "still running 3 s after SIGTERM\n" << agent.log();
  EXPECT_EQ(*code, 0) << agent.log();
  std::cout << "exited " << exit_ms << " ms after SIGTERM\n";
  EXPECT_LT(exit_ms, 1500) << "the bound is a second; 500 ms of margin for a loaded machine";

  // And the server, resumed, is seen again by a new agent.
  AgentProcess next(args(2, sink.endpoint()));
  ASSERT_TRUE(sink.wait_for([&](const Message& m) { return is_state(m, "db2") && state(m).mysql_reachable; }, 20s))
      << next.log();
}

TEST_F(AgentProcessTest, RestartChangesBootId) {
  EventSink sink;
  std::string first;
  {
    AgentProcess agent(args(1, sink.endpoint()));
    auto m = sink.wait_for([&](const Message& m) { return is_state(m, "db1"); }, 15s);
    ASSERT_TRUE(m) << agent.log();
    first = m->envelope.boot_id;
    agent.signal(SIGTERM);
    ASSERT_TRUE(agent.wait_exit(3s));
  }
  AgentProcess agent(args(1, sink.endpoint()));
  auto m = sink.wait_for([&](const Message& m) { return is_state(m, "db1") && m.envelope.boot_id != first; }, 15s);
  ASSERT_TRUE(m) << agent.log();
  // A new boot counts again from 1 (mysql_up is 1, the first state 2; PUB/SUB
  // may drop the very first messages while connecting).
  EXPECT_LE(m->envelope.seq, 5u) << "a new boot starts its sequence again";
}

// pivot-agent --help says flags override the file: every required setting has
// a flag, so an agent starts with no file at all (issue 11: the replication
// account had none, and such an agent refused to start).
TEST_F(AgentProcessTest, StartsFromFlagsAloneAndNamesTheFlagItLacks) {
  EventSink sink;
  auto a = args(2, sink.endpoint());
  a.resize(a.size() - 2);  // no --config
  AgentProcess lacking(a);
  auto code = lacking.wait_exit(5s);
  ASSERT_TRUE(code.has_value()) << lacking.log();
  EXPECT_EQ(*code, 2);
  EXPECT_NE(lacking.log().find("replication.user: required (used by change_source; --replication-user)"),
            std::string::npos)
      << lacking.log();
  EXPECT_NE(lacking.log().find("--replication-password-file"), std::string::npos) << lacking.log();

  a.insert(a.end(), {"--replication-user", "repl", "--replication-password-file",
                     cluster().password_file(Account::repl).string()});
  AgentProcess agent(a);
  auto m = sink.wait_for([&](const Message& msg) { return is_state(msg, "db2") && state(msg).mysql_reachable; }, 15s);
  ASSERT_TRUE(m) << agent.log();
  ASSERT_TRUE(state(*m).replica.has_value());
  EXPECT_EQ(state(*m).replica->source_port, cluster().port(1));
}

TEST_F(AgentProcessTest, BadConfigFailsNamingTheKeyBeforeConnecting) {
  auto path = cluster().dir() / "bad-agent.yaml";
  std::ofstream(path) << "node: db1\ncluster: agents\nprobe_intervall_ms: 100\n";
  AgentProcess agent({"--config", path.string(), "--insecure"});
  auto code = agent.wait_exit(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(agent.log().find("bad-agent.yaml:3: probe_intervall_ms: unknown key"), std::string::npos) << agent.log();
}

TEST_F(AgentProcessTest, InsecureRefusesANonLoopbackController) {
  EventSink sink;
  auto a = args(1, "tcp://192.0.2.10:7701");
  AgentProcess agent(a);
  auto code = agent.wait_exit(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  EXPECT_NE(agent.log().find("--insecure (no CURVE) only talks to loopback, not '192.0.2.10'"), std::string::npos)
      << agent.log();
}

TEST_F(AgentProcessTest, ReadyAfterTheFirstProbeEvenWithMysqldDownThenWatchdog) {
  EventSink sink;
  NotifySocket notify(cluster().dir() / "notify.sock");
  auto a = args(1, sink.endpoint());
  // A port where nothing listens: mysqld "down" from the start.
  for (size_t i = 0; i + 1 < a.size(); ++i) {
    if (a[i] == "--mysql-port") a[i + 1] = "1";
  }
  AgentProcess agent(a, {"NOTIFY_SOCKET=" + (cluster().dir() / "notify.sock").string(), "WATCHDOG_USEC=400000"});
  const std::string said = notify.read_for(3s);
  EXPECT_NE(said.find("READY=1"), std::string::npos) << said << agent.log();
  EXPECT_NE(said.find("STATUS=mysqld unreachable"), std::string::npos) << said;
  EXPECT_NE(said.find("WATCHDOG=1"), std::string::npos) << said;
  auto beat = sink.wait_for([&](const Message& m) { return is_state(m, "db1"); }, 3s);
  ASSERT_TRUE(beat);
  EXPECT_FALSE(state(*beat).mysql_reachable);
  agent.signal(SIGTERM);
  EXPECT_NE(notify.read_for(1s).find("STOPPING=1"), std::string::npos);
}

TEST_F(AgentProcessTest, SighupReloadsTheConfig) {
  EventSink sink;
  AgentProcess agent(args(1, sink.endpoint()));
  ASSERT_TRUE(sink.wait_for([&](const Message& m) { return is_state(m, "db1"); }, 15s)) << agent.log();
  agent.signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return agent.log().find("SIGHUP: reloaded") != std::string::npos; }, 5s))
      << agent.log();
  ASSERT_TRUE(sink.wait_for([&](const Message& m) { return is_state(m, "db1"); }, 3s)) << "still publishing";
}

}  // namespace
}  // namespace pivot::test
