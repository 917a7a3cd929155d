// ActionExecutor on a real MariaDB cluster: each action changes the server as
// asked and says so in its detail, twice in a row changes nothing more, and
// the planned pivot of ARCHITECTURE.md, driven by hand through one executor
// per node (as the agents would), moves the primary under write_probe with
// nothing lost.
#include "pivot/agent/action_executor.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "../probe_process.hpp"
#include "command_text.hpp"
#include "pivot/test/cluster_test.hpp"

namespace pivot::agent {
namespace {

using namespace std::chrono_literals;
using protocol::CommandResult;
using protocol::Value;
using protocol::ValueMap;
using pivot::test::Account;
using pivot::test::ClusterTest;

class ActionsTest : public ClusterTest {
 protected:
  static void SetUpTestSuite() {
    start_cluster({.nodes = 3, .name = "actions"});
    mysql::init_driver();
  }

  mysql::SessionOptions options_for(int port, const std::string& user, const std::string& password) const {
    mysql::SessionOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.user = user;
    options.password = password;
    options.read_timeout_s = 2;
    options.write_timeout_s = 2;
    return options;
  }

  // The agent of one node: the pivot account, the repl credentials (or
  // another replication password), on the port given (a node's by default).
  ActionExecutor agent(int node, std::optional<std::string> repl_password = std::nullopt,
                       std::optional<int> port = std::nullopt) const {
    return ActionExecutor(options_for(port.value_or(cluster().port(node)), "pivot", cluster().password(Account::pivot)),
                          ReplicationSettings{.user = "repl", .password_file = "", .connect_retry_s = 1,
                                              .heartbeat_period_s = 1},
                          repl_password.value_or(cluster().password(Account::repl)));
  }

  CommandResult run(ActionExecutor& executor, const std::string& action, ValueMap args = {},
                    std::chrono::milliseconds timeout = 10s) {
    protocol::Command command{.id = action + "-" + std::to_string(++ids_), .epoch = 1, .action = action,
                              .args = std::move(args), .timeout_ms = static_cast<std::uint64_t>(timeout.count())};
    CommandResult result = executor.run(command, std::chrono::steady_clock::now() + timeout);
    std::cout << "  " << show(result) << "\n";
    return result;
  }

  ValueMap source_args(int node, const std::string& use_gtid = "slave_pos") const {
    return {{"host", cluster().host()}, {"port", std::int64_t{cluster().port(node)}}, {"use_gtid", use_gtid}};
  }

  std::string slave(int node, const std::string& column) const {
    auto record = cluster().record(node, "SHOW ALL SLAVES STATUS");
    return record.count(column) ? record.at(column) : "";
  }

  // A replica that applies 3 s behind its source (whole seconds of the
  // events' timestamps: 2 s at least): its relay log holds what it received
  // and has not applied yet. The fixture's reset keeps a delay: undo_lag.
  void lag_behind(int node) {
    cluster().execute(node, "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 3; START SLAVE");
  }
  void undo_lag(int node) { cluster().execute(node, "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE"); }

  mysql::ThreadScope thread_scope_;
  int ids_ = 0;
};

// A GTID position's elements, in order: MariaDB does not promise one order of
// domains between gtid_binlog_pos and Gtid_IO_Pos.
std::vector<std::string> gtids(const std::string& position) {
  std::vector<std::string> out;
  std::stringstream in(position);
  for (std::string gtid; std::getline(in, gtid, ',');) out.push_back(gtid);
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(ActionsTest, SetReadOnlyChangesItOnceAndSaysSo) {
  ActionExecutor db1 = agent(1);
  auto on = run(db1, "set_read_only", {{"read_only", true}});
  ASSERT_TRUE(on.ok) << show(on);
  EXPECT_EQ(on.error, "");
  EXPECT_EQ(on.detail.at("read_only"), Value(true));
  EXPECT_EQ(on.detail.at("super_read_only"), Value()) << "MariaDB has none";
  EXPECT_EQ(on.detail.at("changed"), Value(true));
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "1");

  auto again = run(db1, "set_read_only", {{"read_only", true}});
  ASSERT_TRUE(again.ok) << show(again);
  EXPECT_EQ(again.detail.at("changed"), Value(false));

  auto off = run(db1, "set_read_only", {{"read_only", false}});
  ASSERT_TRUE(off.ok) << show(off);
  EXPECT_EQ(off.detail.at("read_only"), Value(false));
  EXPECT_EQ(off.detail.at("changed"), Value(true));
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0");
}

TEST_F(ActionsTest, KillConnectionsStopsARootWriterAndSparesReplicationAndTheAgent) {
  ActionExecutor db1 = agent(1);
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", true}}).ok);
  // root holds READ_ONLY ADMIN: it writes through read_only (FIELD_NOTES).
  auto root = mysql::Session::open(options_for(cluster().port(1), "root", ""));
  ASSERT_TRUE(root.ok()) << root.error().message;
  ASSERT_TRUE(root->execute("INSERT INTO pivot_test.probe VALUES (1, 'root', 1)").ok());
  // The probe's connection: the same account as the actions, another session.
  auto probe = mysql::Session::open(options_for(cluster().port(1), "pivot", cluster().password(Account::pivot)));
  ASSERT_TRUE(probe.ok()) << probe.error().message;

  auto kill = run(db1, "kill_connections");
  ASSERT_TRUE(kill.ok) << show(kill);
  EXPECT_GE(std::get<std::int64_t>(kill.detail.at("killed")), 1);
  EXPECT_EQ(kill.detail.at("remaining"), Value(std::int64_t{0}));

  auto write = root->execute("INSERT INTO pivot_test.probe VALUES (2, 'root', 1)");
  ASSERT_FALSE(write.ok()) << "root's session outlived the fence";
  EXPECT_EQ(write.error().code, mysql::kErrConnection) << write.error().message;
  EXPECT_TRUE(probe->query_value("SELECT 1").ok()) << "the agent's probe session was killed";
  EXPECT_EQ(cluster().value(1, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Binlog Dump'"),
            "2")
      << "a replica's dump thread was killed";

  // On a replica: its IO and SQL threads live on.
  ActionExecutor db2 = agent(2);
  auto replica_kill = run(db2, "kill_connections");
  ASSERT_TRUE(replica_kill.ok) << show(replica_kill);
  EXPECT_EQ(slave(2, "Slave_IO_Running"), "Yes");
  EXPECT_EQ(slave(2, "Slave_SQL_Running"), "Yes");

  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", false}}).ok);
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (3, 'root', 1)");
  cluster().sync_replicas(1, 20s);  // replication still carries writes
}

TEST_F(ActionsTest, StopAndStartReplicationTwiceEach) {
  ActionExecutor db2 = agent(2);
  auto stop = run(db2, "stop_replication");
  ASSERT_TRUE(stop.ok) << show(stop);
  EXPECT_EQ(stop.detail.at("was_running"), Value(true));
  EXPECT_EQ(slave(2, "Slave_IO_Running"), "No");
  EXPECT_EQ(slave(2, "Slave_SQL_Running"), "No");
  auto stop_again = run(db2, "stop_replication");
  ASSERT_TRUE(stop_again.ok) << show(stop_again);
  EXPECT_EQ(stop_again.detail.at("was_running"), Value(false));

  auto start = run(db2, "start_replication");
  ASSERT_TRUE(start.ok) << show(start);
  EXPECT_EQ(start.detail.at("sql_running"), Value(true));
  const auto io = std::get<std::string>(start.detail.at("io_running"));
  EXPECT_TRUE(io == "yes" || io == "connecting") << io;
  ASSERT_TRUE(pivot::test::wait_until([&] { return slave(2, "Slave_IO_Running") == "Yes"; }, 10s));
  auto start_again = run(db2, "start_replication");
  ASSERT_TRUE(start_again.ok) << show(start_again);
  EXPECT_EQ(start_again.detail.at("io_running"), Value("yes"));

  ActionExecutor db1 = agent(1);
  auto primary = run(db1, "start_replication");
  EXPECT_FALSE(primary.ok);
  EXPECT_EQ(primary.error, "not_a_replica");
  EXPECT_FALSE(std::get<std::string>(primary.detail.at("message")).empty());
}

TEST_F(ActionsTest, ResetReplicationForgetsTheSourceOnceAndIsHarmlessOnAPrimary) {
  ActionExecutor db2 = agent(2);
  auto reset = run(db2, "reset_replication");
  ASSERT_TRUE(reset.ok) << show(reset);
  EXPECT_EQ(reset.detail.at("had_source"), Value(true));
  EXPECT_EQ(reset.detail.at("previous_source_host"), Value(cluster().host()));
  EXPECT_EQ(reset.detail.at("previous_source_port"), Value(std::int64_t{cluster().port(1)}));
  EXPECT_TRUE(cluster().record(2, "SHOW ALL SLAVES STATUS").empty());

  auto again = run(db2, "reset_replication");
  ASSERT_TRUE(again.ok) << show(again);
  EXPECT_EQ(again.detail.at("had_source"), Value(false));
  EXPECT_EQ(again.detail.at("previous_source_host"), Value());

  ActionExecutor db1 = agent(1);
  auto primary = run(db1, "reset_replication");
  ASSERT_TRUE(primary.ok) << show(primary);
  EXPECT_EQ(primary.detail.at("had_source"), Value(false));
}

// Issue 22: pivotd queues the reset behind the catch-up's wait; with applied
// it resets only a node that applied that position, else changes nothing.
TEST_F(ActionsTest, ResetReplicationWithAppliedResetsOnlyANodeThatAppliedIt) {
  cluster().execute(1, "REPLACE INTO pivot_test.probe VALUES (90, 'root', 1)");
  cluster().sync_replicas(1, 20s);
  const std::string at = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  ASSERT_FALSE(at.empty());
  ActionExecutor db2 = agent(2);
  auto early = run(db2, "reset_replication", {{"applied", std::string("0-1-999999999")}});
  EXPECT_FALSE(early.ok);
  EXPECT_EQ(early.error, "position_timeout") << show(early);
  EXPECT_EQ(slave(2, "Slave_SQL_Running"), "Yes") << "replication left as it was";
  EXPECT_EQ(slave(2, "Slave_IO_Running"), "Yes");

  auto reset = run(db2, "reset_replication", {{"applied", at}});
  ASSERT_TRUE(reset.ok) << show(reset);
  EXPECT_EQ(reset.detail.at("had_source"), Value(true));
  EXPECT_TRUE(cluster().record(2, "SHOW ALL SLAVES STATUS").empty());
}

// Issue 22: pivotd queues a promotion's writable switch behind its reset;
// with no_source it switches only a node the reset detached, else it
// changes nothing (still_replica).
TEST_F(ActionsTest, SetReadOnlyWithNoSourceSwitchesOnlyANodeWithoutASource) {
  ActionExecutor db2 = agent(2);
  auto early = run(db2, "set_read_only", {{"read_only", false}, {"no_source", true}});
  EXPECT_FALSE(early.ok);
  EXPECT_EQ(early.error, "still_replica") << show(early);
  EXPECT_EQ(early.detail.at("previous_source_port"), Value(std::int64_t{cluster().port(1)}));
  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "1") << "read_only left on";
  EXPECT_EQ(slave(2, "Slave_SQL_Running"), "Yes") << "replication left as it was";

  ASSERT_TRUE(run(db2, "reset_replication").ok);
  auto writable = run(db2, "set_read_only", {{"read_only", false}, {"no_source", true}});
  ASSERT_TRUE(writable.ok) << show(writable);
  EXPECT_EQ(writable.detail.at("read_only"), Value(false));
  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "0");

  auto fencing = run(db2, "set_read_only", {{"read_only", true}, {"no_source", true}});
  EXPECT_FALSE(fencing.ok);
  EXPECT_EQ(fencing.error, "bad_arg_value") << "no_source goes with a promotion only";
  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "0");
  ASSERT_TRUE(run(db2, "set_read_only", {{"read_only", true}}).ok);
}

TEST_F(ActionsTest, ChangeSourceRepointsAndKeepsTheDelay) {
  // A delayed node: its delay is its own, a repoint must keep it.
  cluster().execute(3, "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 7; START SLAVE");
  const std::string heartbeat = slave(3, "Slave_heartbeat_period");  // the node's own, kept too
  ActionExecutor db3 = agent(3);
  auto change = run(db3, "change_source", source_args(2));
  ASSERT_TRUE(change.ok) << show(change);
  EXPECT_EQ(change.detail.at("previous_source_host"), Value(cluster().host()));
  EXPECT_EQ(change.detail.at("previous_source_port"), Value(std::int64_t{cluster().port(1)}));
  EXPECT_EQ(change.detail.at("started"), Value(true));
  EXPECT_EQ(change.detail.at("gtid_slave_pos"), Value(cluster().value(3, "SELECT @@global.gtid_slave_pos")));
  EXPECT_EQ(slave(3, "Master_Port"), std::to_string(cluster().port(2)));
  EXPECT_EQ(slave(3, "SQL_Delay"), "7");
  EXPECT_EQ(slave(3, "Using_Gtid"), "Slave_Pos");
  EXPECT_EQ(slave(3, "Connect_Retry"), "1");
  EXPECT_EQ(slave(3, "Slave_heartbeat_period"), heartbeat);
  EXPECT_EQ(slave(3, "Master_User"), "repl");

  auto again = run(db3, "change_source", source_args(2));  // the same source re-applies
  ASSERT_TRUE(again.ok) << show(again);
  EXPECT_EQ(again.detail.at("previous_source_port"), Value(std::int64_t{cluster().port(2)}));
  EXPECT_EQ(slave(3, "SQL_Delay"), "7");
  EXPECT_TRUE(pivot::test::wait_until([&] { return slave(3, "Slave_IO_Running") == "Yes"; }, 10s));
  EXPECT_EQ(slave(3, "Slave_SQL_Running"), "Yes");

  // Unstarted on request.
  auto unstarted = run(db3, "change_source", {{"host", cluster().host()}, {"port", std::int64_t{cluster().port(1)}},
                                              {"use_gtid", "slave_pos"}, {"start", false}});
  ASSERT_TRUE(unstarted.ok) << show(unstarted);
  EXPECT_EQ(unstarted.detail.at("started"), Value(false));
  EXPECT_EQ(slave(3, "Slave_IO_Running"), "No");
  // The fixture's reset does not clear a delay: undo it here.
  cluster().execute(3, "CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE");
}

TEST_F(ActionsTest, ChangeSourceLeavesAnOperatorsStoppedThreadsStopped) {
  // A delayed backup its operator stopped (to recover a dropped table, say),
  // with a retry and heartbeat of its own.
  cluster().execute(3, "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 3600, MASTER_CONNECT_RETRY = 7, "
                       "MASTER_HEARTBEAT_PERIOD = 2.5");
  ActionExecutor db3 = agent(3);
  auto change = run(db3, "change_source", source_args(2));
  ASSERT_TRUE(change.ok) << show(change);
  EXPECT_EQ(change.detail.at("started"), Value(false));
  EXPECT_EQ(change.detail.at("sql_delay"), Value(std::int64_t{3600}));
  EXPECT_EQ(slave(3, "Master_Port"), std::to_string(cluster().port(2)));
  EXPECT_EQ(slave(3, "Slave_IO_Running"), "No");
  EXPECT_EQ(slave(3, "Slave_SQL_Running"), "No");
  EXPECT_EQ(slave(3, "SQL_Delay"), "3600");
  EXPECT_EQ(slave(3, "Connect_Retry"), "7");
  EXPECT_EQ(slave(3, "Slave_heartbeat_period"), "2.500");

  // Only the IO thread running (relay logs kept, nothing applied): only it restarts.
  cluster().execute(3, "START SLAVE IO_THREAD");
  ASSERT_TRUE(pivot::test::wait_until([&] { return slave(3, "Slave_IO_Running") == "Yes"; }, 10s));
  auto back = run(db3, "change_source", source_args(1));
  ASSERT_TRUE(back.ok) << show(back);
  EXPECT_EQ(back.detail.at("io_started"), Value(true));
  EXPECT_EQ(back.detail.at("sql_started"), Value(false));
  EXPECT_EQ(slave(3, "Slave_SQL_Running"), "No");
  EXPECT_TRUE(pivot::test::wait_until([&] { return slave(3, "Slave_IO_Running") == "Yes"; }, 10s));
  cluster().execute(3, "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0, MASTER_CONNECT_RETRY = 1, "
                       "MASTER_HEARTBEAT_PERIOD = 1; START SLAVE");
}

TEST_F(ActionsTest, AWaitOnABrokenReplicaNamesTheServersError) {
  // A row db2 has and db1 then writes: db2's SQL thread stops on error 1062.
  cluster().execute(2, "SET SESSION sql_log_bin = 0; INSERT INTO pivot_test.probe VALUES (40, 'x', 1)");
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (40, 'x', 1)");
  const std::string position = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  ActionExecutor db2 = agent(2);
  auto broken = run(db2, "wait_for_position", {{"position", position}, {"timeout_ms", std::int64_t{10000}}});
  EXPECT_EQ(broken.error, "replication_stopped") << show(broken);
  EXPECT_LT(broken.duration_ms, 2000u) << "said when seen, not at the 10 s timeout";
  const auto& message = std::get<std::string>(broken.detail.at("message"));
  EXPECT_NE(message.find("SQL thread no; SQL error 1062: "), std::string::npos) << message;
  cluster().execute(2, "SET SESSION sql_log_bin = 0; DELETE FROM pivot_test.probe WHERE seq = 40; START SLAVE");
}

TEST_F(ActionsTest, ChangeSourceRefusesBadArgsWithoutTouchingReplication) {
  ActionExecutor db2 = agent(2);
  for (const std::string host : {"127.0.0.1'; STOP SLAVE; --", "db 2", "a/b"}) {
    auto r = run(db2, "change_source", {{"host", host}, {"port", std::int64_t{3306}}, {"use_gtid", "slave_pos"}});
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "bad_arg_value") << host;
  }
  auto mysql_mode = run(db2, "change_source", source_args(1, "auto_position"));
  EXPECT_EQ(mysql_mode.error, "bad_arg_value") << show(mysql_mode);
  auto typo = run(db2, "change_source", {{"host", "x"}, {"port", std::int64_t{1}}, {"use_gtid", "slave_pos"},
                                         {"seed_gtid_slave_pos", std::int64_t{1}}});
  EXPECT_EQ(typo.error, "wrong_arg_type") << show(typo);
  EXPECT_EQ(slave(2, "Master_Port"), std::to_string(cluster().port(1)));
  EXPECT_EQ(slave(2, "Slave_IO_Running"), "Yes");
}

TEST_F(ActionsTest, WaitForPositionTimesOutCleanlyThenSucceeds) {
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (10, 'w', 1)");
  const std::string position = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  // A position db1 has not written yet: db2 replicates but cannot reach it.
  const std::string ahead = position.substr(0, position.rfind('-') + 1) + "999999";
  ActionExecutor db2 = agent(2);

  auto timeout = run(db2, "wait_for_position", {{"position", ahead}, {"timeout_ms", std::int64_t{300}}});
  EXPECT_FALSE(timeout.ok);
  EXPECT_EQ(timeout.error, "position_timeout") << show(timeout);
  EXPECT_EQ(timeout.detail.at("reached"), Value(false));
  EXPECT_GE(std::get<std::int64_t>(timeout.detail.at("waited_ms")), 250);
  EXPECT_LT(timeout.duration_ms, 2000u);
  EXPECT_EQ(timeout.detail.at("replication"), Value("IO thread yes, SQL thread yes"));

  // A deadline shorter than timeout_ms bounds the wait too.
  auto cut = run(db2, "wait_for_position", {{"position", ahead}, {"timeout_ms", std::int64_t{60000}}}, 800ms);
  EXPECT_EQ(cut.error, "position_timeout") << show(cut);
  EXPECT_LT(cut.duration_ms, 1500u);

  // A stopped SQL thread never gets there: said at once, not at the timeout.
  cluster().execute(2, "STOP SLAVE SQL_THREAD");
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (11, 'w', 1)");
  const std::string next = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  auto stopped = run(db2, "wait_for_position", {{"position", next}, {"timeout_ms", std::int64_t{10000}}});
  EXPECT_EQ(stopped.error, "replication_stopped") << show(stopped);
  EXPECT_LT(stopped.duration_ms, 1500u);
  EXPECT_NE(stopped.detail.at("position"), Value(next));

  cluster().execute(2, "START SLAVE SQL_THREAD");
  auto reached = run(db2, "wait_for_position", {{"position", next}, {"timeout_ms", std::int64_t{10000}}});
  ASSERT_TRUE(reached.ok) << show(reached);
  EXPECT_EQ(reached.detail.at("reached"), Value(true));
  EXPECT_EQ(reached.detail.at("position"), Value(cluster().value(2, "SELECT @@global.gtid_current_pos")));

  auto junk = run(db2, "wait_for_position", {{"position", "0-1-1') --"}, {"timeout_ms", std::int64_t{10}}});
  EXPECT_EQ(junk.error, "bad_arg_value") << show(junk);
}

TEST_F(ActionsTest, ReportPositionIsAFreshRead) {
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (20, 'r', 1)");
  ActionExecutor db1 = agent(1);
  auto report = run(db1, "report_position");
  ASSERT_TRUE(report.ok) << show(report);
  EXPECT_EQ(report.detail.at("gtid_binlog_pos"), Value(cluster().value(1, "SELECT @@global.gtid_binlog_pos")));
  EXPECT_EQ(report.detail.at("gtid_current_pos"), Value(cluster().value(1, "SELECT @@global.gtid_current_pos")));
  EXPECT_EQ(report.detail.at("gtid_executed"), Value());
  EXPECT_EQ(report.detail.at("read_only"), Value(false));
  EXPECT_TRUE(std::holds_alternative<std::string>(report.detail.at("gtid_slave_pos")));
}

TEST_F(ActionsTest, AnUnreachableServerIsSaidQuickly) {
  // Port 1 on loopback: nothing listens there, the connect is refused at once.
  ActionExecutor nobody = agent(1, std::nullopt, 1);
  auto r = run(nobody, "report_position");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "mysql_unreachable") << show(r);
  EXPECT_LT(r.duration_ms, 1500u);
}

TEST_F(ActionsTest, APassedDeadlineTouchesNothing) {
  ActionExecutor db1 = agent(1);
  protocol::Command command{.id = "late", .epoch = 1, .action = "set_read_only", .args = {{"read_only", true}},
                            .timeout_ms = 1};
  auto r = db1.run(command, std::chrono::steady_clock::now() - 1ms);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "deadline_exceeded") << show(r);
  EXPECT_NE(std::get<std::string>(r.detail.at("message")).find("nothing was run"), std::string::npos) << show(r);
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0");
}

TEST_F(ActionsTest, AWrongPasswordIsNeverEchoed) {
  // A refused replication login shows on the replica, never in a result.
  ActionExecutor db2 = agent(2, "wrong'pass\\word");
  auto r = run(db2, "change_source", source_args(1));
  ASSERT_TRUE(r.ok) << show(r);  // CHANGE MASTER takes any password; the IO thread fails later
  EXPECT_EQ(show(r).find("wrong"), std::string::npos);
  EXPECT_TRUE(pivot::test::wait_until([&] { return slave(2, "Last_IO_Errno") == "1045"; }, 10s));
  ActionExecutor fixed = agent(2);
  ASSERT_TRUE(run(fixed, "change_source", source_args(1)).ok);
}

// The planned pivot of ARCHITECTURE.md, node 1 -> node 2, one executor per
// node as the agents would run it, while write_probe writes to every node.
TEST_F(ActionsTest, PlannedPivotByHandLosesNothing) {
  std::string nodes;
  for (int i = 1; i <= cluster().nodes(); ++i) {
    nodes += (i > 1 ? "," : "") + cluster().host() + ":" + std::to_string(cluster().port(i));
  }
  pivot::test::ProbeProcess probe({"--nodes", nodes, "--user", "app", "--password-file",
                                   cluster().password_file(Account::app).string(), "--database",
                                   std::string(pivot::test::Cluster::kTestDatabase), "--settle-timeout-ms", "10000",
                                   "--duration-ms", "60000"});
  ASSERT_TRUE(probe.wait_ready(10s)) << probe.finish(1s).describe();
  std::this_thread::sleep_for(500ms);

  ActionExecutor db1 = agent(1), db2 = agent(2), db3 = agent(3);
  const auto fenced = std::chrono::steady_clock::now();
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", true}}).ok);
  ASSERT_TRUE(run(db1, "kill_connections").ok);
  auto final_position = run(db1, "report_position");
  ASSERT_TRUE(final_position.ok);
  const std::string position = std::get<std::string>(final_position.detail.at("gtid_binlog_pos"));
  ASSERT_TRUE(run(db2, "wait_for_position", {{"position", position}, {"timeout_ms", std::int64_t{5000}}}).ok);
  ASSERT_TRUE(run(db2, "reset_replication").ok);
  ASSERT_TRUE(run(db2, "set_read_only", {{"read_only", false}}).ok);
  const auto promoted = std::chrono::steady_clock::now();
  ASSERT_TRUE(run(db3, "change_source", source_args(2)).ok);
  ValueMap demote = source_args(2);
  demote["seed_gtid_slave_pos"] = true;
  auto demoted = run(db1, "change_source", demote);
  ASSERT_TRUE(demoted.ok);
  EXPECT_EQ(demoted.detail.at("gtid_slave_pos"), Value(position)) << "seeded from its own binlog position";
  std::cout << "fence to promotion: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(promoted - fenced).count() << " ms\n";
  std::this_thread::sleep_for(500ms);

  const auto outcome = probe.finish(30s);
  ASSERT_TRUE(outcome.report.has_value()) << outcome.describe();
  const auto& report = *outcome.report;
  std::cout << "write_probe: acked=" << report.value("acked", -1) << " lost=" << report.value("lost", -1)
            << " split_brain=" << report.value("split_brain", false)
            << " write_blocked_ms=" << report.value("write_blocked_ms", -1)
            << " checksums_equal=" << report.value("checksums_equal", false) << "\n";
  EXPECT_EQ(outcome.exit_code, 0) << outcome.describe();
  EXPECT_EQ(report.at("lost"), 0);
  EXPECT_EQ(report.at("split_brain"), false);
  EXPECT_EQ(report.at("checksums_equal"), true);
  EXPECT_EQ(report.at("final_primary"), cluster().host() + ":" + std::to_string(cluster().port(2)));

  // Every other node replicates from the new primary, the old one included,
  // under gtid_strict_mode without error 1950.
  EXPECT_EQ(cluster().value(1, "SELECT @@global.gtid_strict_mode"), "1");
  cluster().execute(2, "INSERT INTO pivot_test.probe VALUES (1000000, 'after', 1)");
  cluster().sync_replicas(2, 20s);
  for (int node : {1, 3}) {
    EXPECT_EQ(slave(node, "Master_Port"), std::to_string(cluster().port(2))) << node;
    EXPECT_EQ(slave(node, "Slave_IO_Running"), "Yes") << node;
    EXPECT_EQ(slave(node, "Slave_SQL_Running"), "Yes") << node;
    EXPECT_EQ(slave(node, "Last_SQL_Errno"), "0") << node;
    EXPECT_EQ(cluster().value(node, "SELECT @@global.read_only"), "1") << node;
  }
}

// A failover's first step on a survivor (ARCHITECTURE.md, "Failover"): the
// IO thread stops, `received` names the last transaction the source sent
// (over two GTID domains here), nothing more arrives, the SQL thread applies
// the relay log up to `received` through wait_for_position, and
// start_replication resumes. Last in the suite: it leaves a second domain.
TEST_F(ActionsTest, StopIoThreadKeepsWhatArrivedAndTheRelayLogIsAppliedUpToIt) {
  lag_behind(2);
  cluster().execute(1, "SET SESSION gtid_domain_id = 1; INSERT INTO pivot_test.probe VALUES (50, 'd1', 1)");
  for (int seq = 51; seq <= 53; ++seq) {
    cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (" + std::to_string(seq) + ", 'd0', 1)");
  }
  const std::string sent = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  ASSERT_EQ(gtids(sent).size(), 2u) << sent;
  ASSERT_TRUE(pivot::test::wait_until([&] { return gtids(slave(2, "Gtid_IO_Pos")) == gtids(sent); }, 10s))
      << slave(2, "Gtid_IO_Pos") << " vs " << sent;

  ActionExecutor db2 = agent(2);
  auto stop = run(db2, "stop_io_thread");
  ASSERT_TRUE(stop.ok) << show(stop);
  EXPECT_EQ(stop.detail.at("was_running"), Value(true));
  const std::string received = std::get<std::string>(stop.detail.at("received"));
  EXPECT_EQ(gtids(received), gtids(sent)) << "received names the source's last transaction of each domain";
  EXPECT_NE(gtids(std::get<std::string>(stop.detail.at("executed"))), gtids(sent))
      << "the delay: not applied yet, still in the relay log";
  EXPECT_EQ(stop.detail.at("sql_running"), Value(true));
  EXPECT_EQ(slave(2, "Slave_IO_Running"), "No");
  EXPECT_EQ(slave(2, "Slave_SQL_Running"), "Yes");

  // Written after the stop: never received.
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (54, 'after', 1)");
  auto again = run(db2, "stop_io_thread");
  ASSERT_TRUE(again.ok) << show(again);
  EXPECT_EQ(again.detail.at("was_running"), Value(false));
  EXPECT_EQ(gtids(std::get<std::string>(again.detail.at("received"))), gtids(sent));

  auto applied = run(db2, "wait_for_position", {{"position", received}, {"timeout_ms", std::int64_t{10000}}});
  ASSERT_TRUE(applied.ok) << show(applied);
  EXPECT_EQ(cluster().value(2, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq BETWEEN 50 AND 53"), "4");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(cluster().value(2, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq = 54"), "0")
      << "a row written after the stop reached the replica";
  EXPECT_EQ(gtids(slave(2, "Gtid_IO_Pos")), gtids(sent));

  auto start = run(db2, "start_replication");
  ASSERT_TRUE(start.ok) << show(start);
  cluster().sync_replicas(1, 20s);
  EXPECT_EQ(cluster().value(2, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq = 54"), "1");
  undo_lag(2);
}

// The same step when the primary is dead: the IO thread is reconnecting with
// an error, and the relay log is still applied up to `received` (an IO error
// from before the stop does not make the wait give up).
TEST_F(ActionsTest, StopIoThreadOfAReplicaWhosePrimaryDiedStillAppliesItsRelayLog) {
  lag_behind(2);
  for (int seq = 60; seq <= 62; ++seq) {
    cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (" + std::to_string(seq) + ", 'x', 1)");
  }
  const std::string sent = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  ASSERT_TRUE(pivot::test::wait_until([&] { return gtids(slave(2, "Gtid_IO_Pos")) == gtids(sent); }, 10s));
  cluster().stop(1, pivot::test::StopMode::kill);
  ASSERT_TRUE(pivot::test::wait_until([&] { return slave(2, "Last_IO_Errno") != "0"; }, 10s));

  ActionExecutor db2 = agent(2);
  auto stop = run(db2, "stop_io_thread");
  ASSERT_TRUE(stop.ok) << show(stop);
  EXPECT_EQ(stop.detail.at("was_running"), Value(true)) << "connecting counts as running";
  const std::string received = std::get<std::string>(stop.detail.at("received"));
  EXPECT_EQ(gtids(received), gtids(sent));
  EXPECT_NE(gtids(std::get<std::string>(stop.detail.at("executed"))), gtids(sent)) << "the wait below has to wait";
  auto applied = run(db2, "wait_for_position", {{"position", received}, {"timeout_ms", std::int64_t{10000}}});
  EXPECT_TRUE(applied.ok) << show(applied);
  EXPECT_EQ(cluster().value(2, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq BETWEEN 60 AND 62"), "3");

  cluster().start_node(1);
  undo_lag(2);
}

// set_semi_sync on real MariaDB (policy.durability semi_sync): the replica
// side takes effect only once the IO thread reconnects, so the agent
// restarts it; the source side with AFTER_SYNC and the timeout acknowledges
// through a replica; a promotion's set_read_only with semi_sync_timeout_ms
// turns a source side that fell back to asynchronous on again, fresh.
TEST_F(ActionsTest, SetSemiSyncRestartsTheIoThreadAndAPromotionTurnsTheSourceSideOnFresh) {
  auto slave_status = [&](int node) {
    return cluster().record(node, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_slave_status'")["Value"];
  };
  auto master_status = [&] { return cluster().record(1, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")["Value"]; };
  ActionExecutor db1 = agent(1), db2 = agent(2);
  auto off = run(db2, "set_semi_sync", {{"replica", false}});
  ASSERT_TRUE(off.ok) << show(off);
  EXPECT_EQ(off.detail.at("io_restarted"), Value(true));
  EXPECT_EQ(slave_status(2), "OFF");
  auto on = run(db2, "set_semi_sync", {{"replica", true}});
  ASSERT_TRUE(on.ok) << show(on);
  EXPECT_EQ(on.detail.at("replica"), Value(true));
  EXPECT_EQ(on.detail.at("io_restarted"), Value(true));
  EXPECT_TRUE(pivot::test::wait_until([&] { return slave_status(2) == "ON"; }, 10s)) << "the restarted IO thread acknowledges";

  auto source = run(db1, "set_semi_sync", {{"source", true}, {"replica", true}, {"timeout_ms", std::int64_t{3000}}});
  ASSERT_TRUE(source.ok) << show(source);
  EXPECT_EQ(source.detail.at("source_active"), Value(true));
  EXPECT_EQ(source.detail.at("wait_point"), Value(std::string("AFTER_SYNC")));
  EXPECT_EQ(source.detail.at("timeout_ms"), Value(std::int64_t{3000}));
  EXPECT_EQ(run(db1, "set_semi_sync", {{"source", true}, {"timeout_ms", std::int64_t{3000}}}).detail.at("changed"),
            Value(false));
  cluster().execute(1, "CREATE TABLE IF NOT EXISTS pivot_test.semi (id INT PRIMARY KEY)");
  cluster().execute(1, "INSERT INTO pivot_test.semi VALUES (1)");
  EXPECT_NE(cluster().record(1, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_yes_tx'")["Value"], "0");

  // No replica acknowledges: the commit waits the timeout, then the source
  // side is asynchronous (enabled, not active) and stays so...
  for (int node : {2, 3}) cluster().execute(node, "STOP SLAVE IO_THREAD");
  cluster().execute(1, "INSERT INTO pivot_test.semi VALUES (2)");
  EXPECT_EQ(master_status(), "OFF");
  auto kept = run(db1, "set_semi_sync", {{"source", true}, {"timeout_ms", std::int64_t{3000}}});
  EXPECT_EQ(kept.detail.at("source_active"), Value(false)) << "the guard's call leaves it to come back by itself";
  // ...until a promotion's set_read_only turns it off and on again.
  auto promoted = run(db1, "set_read_only", {{"read_only", false}, {"semi_sync_timeout_ms", std::int64_t{3000}}});
  ASSERT_TRUE(promoted.ok) << show(promoted);
  EXPECT_EQ(promoted.detail.at("semi_sync_source_active"), Value(true));
  EXPECT_EQ(master_status(), "ON");
  auto refused = run(db1, "set_read_only", {{"read_only", true}, {"semi_sync_timeout_ms", std::int64_t{3000}}});
  EXPECT_EQ(refused.error, "bad_arg_value") << show(refused);

  ASSERT_TRUE(run(db1, "set_semi_sync", {{"source", false}}).ok);
  for (int node : {2, 3}) cluster().execute(node, "START SLAVE IO_THREAD");
  cluster().execute(1, "DROP TABLE pivot_test.semi");
}

// With the replica side on, STOP SLAVE IO_THREAD first tries to kill its
// source's dump thread for up to rpl_semi_sync_slave_kill_conn_timeout
// (MariaDB's default 5 s): against a hung primary the agent's 2 s read
// timeout cut it and a failover's stop_io failed. set_semi_sync lowers it
// to 1 s whether it turns the replica side on or keeps it on (and raises 0,
// which is no limit at all, to 1), and the IO
// thread then stops within the read timeout with the primary SIGSTOPped.
TEST_F(ActionsTest, SetSemiSyncLowersTheKillConnTimeoutSoStopIoOutrunsAHungPrimary) {
  auto kill_conn_timeout = [&] { return cluster().value(2, "SELECT @@global.rpl_semi_sync_slave_kill_conn_timeout"); };
  ActionExecutor db2 = agent(2);
  ASSERT_TRUE(run(db2, "set_semi_sync", {{"replica", false}}).ok);
  cluster().execute(2, "SET GLOBAL rpl_semi_sync_slave_kill_conn_timeout = 5");  // a production server's default
  auto on = run(db2, "set_semi_sync", {{"replica", true}});
  ASSERT_TRUE(on.ok) << show(on);
  EXPECT_EQ(on.detail.at("kill_conn_timeout_s"), Value(std::int64_t{1}));
  EXPECT_EQ(kill_conn_timeout(), "1");

  cluster().execute(2, "SET GLOBAL rpl_semi_sync_slave_kill_conn_timeout = 0");  // no limit at all, not shorter
  auto kept = run(db2, "set_semi_sync", {{"replica", true}});
  ASSERT_TRUE(kept.ok) << show(kept);
  EXPECT_EQ(kept.detail.at("changed"), Value(true));
  EXPECT_EQ(kept.detail.at("io_restarted"), Value(false)) << "read when the IO thread stops: no reconnect needed";
  EXPECT_EQ(kill_conn_timeout(), "1");
  EXPECT_EQ(run(db2, "set_semi_sync", {{"replica", true}}).detail.at("changed"), Value(false));

  ASSERT_TRUE(pivot::test::wait_until(
      [&] { return cluster().record(2, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_slave_status'")["Value"] == "ON"; },
      10s));
  cluster().pause(1);
  const auto started = std::chrono::steady_clock::now();
  auto stop = run(db2, "stop_io_thread");
  const auto took = std::chrono::steady_clock::now() - started;
  cluster().resume(1);
  EXPECT_TRUE(stop.ok) << show(stop) << ": the 2 s read timeout cut STOP SLAVE IO_THREAD";
  EXPECT_LT(took, 1900ms) << "1 s to give up killing the hung primary's dump thread, then the stop";
  std::cout << "  stop_io_thread against the hung primary took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";

  cluster().execute(2, "START SLAVE IO_THREAD");
  ASSERT_TRUE(run(db2, "set_semi_sync", {{"replica", false}}).ok);
}

}  // namespace
}  // namespace pivot::agent
