// MysqlProbe on a real harness cluster: what it reports must be what the
// server says, for a primary and a replica, and a dead server must be
// reported as such with its reason.
#include "pivot/agent/mysql_probe.hpp"

#include <signal.h>

#include <chrono>

#include <gtest/gtest.h>

#include "pivot/test/cluster_test.hpp"

namespace pivot::agent {
namespace {

using pivot::test::Account;
using pivot::test::ClusterTest;

class MysqlProbeTest : public ClusterTest {
 protected:
  static void SetUpTestSuite() {
    start_cluster({.nodes = 3, .name = "probe"});
    mysql::init_driver();
  }

  MysqlProbe probe_of(int node) {
    mysql::SessionOptions options;
    options.host = "127.0.0.1";
    options.port = cluster().port(node);
    options.user = "pivot";
    options.password = cluster().password(Account::pivot);
    options.connect_timeout_s = 1;
    options.read_timeout_s = 1;
    options.write_timeout_s = 1;
    return MysqlProbe(options, "probe", "db" + std::to_string(node), "test");
  }

  std::string var(int node, const std::string& name) { return cluster().value(node, "SELECT @@global." + name); }

  mysql::ThreadScope thread_scope_;
};

TEST_F(MysqlProbeTest, PrimaryMatchesTheServer) {
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (1, 'x', 1)");
  cluster().sync_replicas();
  auto s = probe_of(1).probe();
  ASSERT_TRUE(s.mysql_reachable) << s.probe_error;
  EXPECT_EQ(s.probe_error, "");
  EXPECT_EQ(s.cluster, "probe");
  EXPECT_EQ(s.node, "db1");
  EXPECT_EQ(s.flavor, protocol::Flavor::mariadb);
  EXPECT_EQ(s.version, var(1, "version"));
  EXPECT_EQ(s.server_id, std::stoul(var(1, "server_id")));
  EXPECT_EQ(s.read_only, false);
  EXPECT_EQ(s.gtid_binlog_pos, var(1, "gtid_binlog_pos"));
  EXPECT_EQ(s.gtid_binlog_state, var(1, "gtid_binlog_state"));
  EXPECT_EQ(s.gtid_current_pos, var(1, "gtid_current_pos"));
  EXPECT_EQ(s.gtid_strict_mode, true);
  EXPECT_EQ(s.log_bin, true);
  EXPECT_EQ(s.log_replica_updates, true);
  EXPECT_EQ(s.binlog_format, "ROW");
  EXPECT_EQ(s.report_port, cluster().port(1));
  EXPECT_FALSE(s.replica.has_value()) << "node 1 replicates from nobody";
  EXPECT_GT(s.probe_latency_ms, 0);
  ASSERT_TRUE(s.uptime_s.has_value());
}

TEST_F(MysqlProbeTest, ReplicaMatchesTheServer) {
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (2, 'x', 1)");
  cluster().sync_replicas();
  auto s = probe_of(2).probe();
  ASSERT_TRUE(s.mysql_reachable) << s.probe_error;
  EXPECT_EQ(s.read_only, true);
  EXPECT_EQ(s.gtid_current_pos, var(1, "gtid_binlog_pos")) << "synced replica is at the primary's position";
  EXPECT_EQ(s.gtid_slave_pos, var(2, "gtid_slave_pos"));
  ASSERT_TRUE(s.replica.has_value());
  EXPECT_EQ(s.replica->source_host, "127.0.0.1");
  EXPECT_EQ(s.replica->source_port, cluster().port(1));
  EXPECT_EQ(s.replica->io_running, protocol::IoThread::yes);
  EXPECT_TRUE(s.replica->sql_running);
  EXPECT_EQ(s.replica->seconds_behind, 0u);
  EXPECT_EQ(s.replica->using_gtid, protocol::GtidMode::slave_pos);
  EXPECT_EQ(s.replica->executed_gtids, var(2, "gtid_slave_pos"));
  EXPECT_EQ(s.slave_net_timeout, std::stoul(var(2, "slave_net_timeout")));
}

TEST_F(MysqlProbeTest, OverTheUnixSocket) {
  mysql::SessionOptions options;
  options.socket = cluster().socket(2).string();
  options.user = "pivot";
  options.password = cluster().password(Account::pivot);
  MysqlProbe probe(options, "probe", "db2", "test");
  auto s = probe.probe();
  ASSERT_TRUE(s.mysql_reachable) << s.probe_error;
  EXPECT_EQ(s.server_id, std::stoul(var(2, "server_id")));
}

TEST_F(MysqlProbeTest, WrongPasswordIsNamedAsSuch) {
  mysql::SessionOptions options;
  options.host = "127.0.0.1";
  options.port = cluster().port(1);
  options.user = "pivot";
  options.password = "not-the-password";
  auto s = MysqlProbe(options, "probe", "db1", "test").probe();
  EXPECT_FALSE(s.mysql_reachable);
  EXPECT_NE(s.probe_error.find("1045"), std::string::npos) << s.probe_error;
  EXPECT_EQ(s.probe_error.find("not-the-password"), std::string::npos) << "never a password";
}

TEST_F(MysqlProbeTest, StoppedSqlThreadAndItsLag) {
  cluster().execute(2, "STOP SLAVE SQL_THREAD");
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (3, 'x', 1)");
  auto probe = probe_of(2);
  ASSERT_TRUE(pivot::test::wait_until(
      [&] {
        auto s = probe.probe();
        return s.replica && !s.replica->sql_running && s.replica->io_running == protocol::IoThread::yes &&
               s.gtid_current_pos != var(1, "gtid_binlog_pos");
      },
      std::chrono::seconds(10)));
}

TEST_F(MysqlProbeTest, DeadServerIsUnreachableWithItsReasonThenComesBack) {
  auto probe = probe_of(3);
  ASSERT_TRUE(probe.probe().mysql_reachable);
  cluster().stop(3, pivot::test::StopMode::kill);
  auto down = probe.probe();
  EXPECT_FALSE(down.mysql_reachable);
  EXPECT_NE(down.probe_error, "");
  EXPECT_EQ(down.flavor, protocol::Flavor::mariadb) << "the flavor seen before is kept";
  EXPECT_FALSE(down.read_only.has_value()) << "unknown, never guessed";
  EXPECT_FALSE(down.replica.has_value());
  cluster().start_node(3);
  ASSERT_TRUE(pivot::test::wait_until([&] { return probe.probe().mysql_reachable; }, std::chrono::seconds(20)));
}

TEST_F(MysqlProbeTest, HungServerCostsAtMostTheTimeouts) {
  auto probe = probe_of(2);
  ASSERT_TRUE(probe.probe().mysql_reachable);
  const pid_t pid = cluster().pid(2);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0);
  const auto started = std::chrono::steady_clock::now();
  auto s = probe.probe();
  const auto took = std::chrono::steady_clock::now() - started;
  ::kill(pid, SIGCONT);
  EXPECT_FALSE(s.mysql_reachable);
  EXPECT_NE(s.probe_error, "");
  // The read timeout is 1 s; the client library may retry a read twice more.
  // The agent's event loop does not wait for this: it reports a hung probe
  // itself after probe_timeout_ms. This only bounds the worker.
  EXPECT_LT(took, std::chrono::seconds(10));
}

}  // namespace
}  // namespace pivot::agent
