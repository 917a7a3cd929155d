// ActionExecutor's sequences over a fake SQL port that replays the expected
// statements with recorded answers: the MySQL 8 paths (no MySQL server is
// installable here), reconnects, error slugs and secrets. MariaDB's run on
// real servers in tests/integration/agent/actions_test.cpp.
#include "pivot/agent/action_executor.hpp"

#include <gtest/gtest.h>

#include <deque>

namespace pivot::agent {
namespace {

using namespace std::chrono_literals;
using protocol::Value;
using protocol::ValueMap;

struct Exchange {
  std::string sql;
  Result<mysql::Rows> answer;
};

// The statements every session must see, in order, across all sessions.
struct Script {
  std::deque<Exchange> expected;
  std::vector<int> opens;  // read_timeout_s asked by each open
  bool refuse_open = false;

  Result<mysql::Rows> answer(const std::string& sql) {
    if (expected.empty() || expected.front().sql != sql) {
      ADD_FAILURE() << "unexpected statement: " << sql
                    << (expected.empty() ? " (none expected)" : "\n   expected: " + expected.front().sql);
      return make_error(mysql::kErrSql, "unexpected statement");
    }
    Result<mysql::Rows> out = std::move(expected.front().answer);
    expected.pop_front();
    return out;
  }
};

class FakeSession : public SqlSession {
 public:
  explicit FakeSession(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  Result<void> execute(const std::string& sql) override {
    auto out = script_->answer(sql);
    if (!out) return out.error();
    return ok();
  }
  Result<mysql::Rows> query(const std::string& sql) override { return script_->answer(sql); }

 private:
  std::shared_ptr<Script> script_;
};

class FakeSql : public SqlConnector {
 public:
  explicit FakeSql(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  Result<std::unique_ptr<SqlSession>> open(int read_timeout_s) override {
    script_->opens.push_back(read_timeout_s);
    if (script_->refuse_open) return make_error(mysql::kErrConnection, "127.0.0.1:3306: error 2002: refused");
    return std::unique_ptr<SqlSession>(std::make_unique<FakeSession>(script_));
  }
  const std::string& user() const override { return user_; }
  int read_timeout_s() const override { return 2; }

 private:
  std::shared_ptr<Script> script_;
  std::string user_ = "pivot";
};

constexpr char kMysqlPositions[] = "SELECT @@global.gtid_executed AS gtid_executed, @@global.read_only AS read_only";

mysql::Rows one(const std::string& value) { return {{"v"}, {{value}}}; }
mysql::Rows none() { return {}; }
Error refused(const char* code, const std::string& message) { return make_error(code, message); }

class ActionExecutorTest : public ::testing::Test {
 protected:
  std::shared_ptr<Script> script = std::make_shared<Script>();  // before the executor that shares it
  ActionExecutor executor{std::make_unique<FakeSql>(script), ReplicationSettings{"repl", "/x", 1, 2}, "s3cret'pw"};

  void expect(const std::string& sql, Result<mysql::Rows> answer = none()) {
    script->expected.push_back({sql, std::move(answer)});
  }
  // What every first command on a new session runs.
  void connects(const std::string& version = "8.4.2") {
    expect("SET SESSION sql_mode = ''");
    expect("SELECT @@version AS version", one(version));
  }
  protocol::CommandResult run(const std::string& action, ValueMap args = {},
                              std::chrono::milliseconds timeout = 5s) {
    return executor.run({.id = "c1", .epoch = 1, .action = action, .args = std::move(args),
                         .timeout_ms = static_cast<std::uint64_t>(timeout.count())},
                        std::chrono::steady_clock::now() + timeout);
  }
  // stop_io_thread, expected to succeed with exactly `detail`.
  void stops_io_thread(const ValueMap& detail) {
    auto r = run("stop_io_thread");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.detail, detail);
  }
  void TearDown() override {
    for (const auto& left : script->expected) ADD_FAILURE() << "never run: " << left.sql;
  }
};

TEST_F(ActionExecutorTest, MysqlReadOnlyBringsSuperReadOnlyAlong) {
  connects();
  expect("SELECT @@global.read_only", one("1"));
  expect("SELECT @@global.super_read_only", one("0"));  // half fenced: still refused to finish
  expect("SET SESSION lock_wait_timeout = 2");
  expect("SET GLOBAL read_only = ON");
  expect("SET GLOBAL super_read_only = ON");  // not read again: the SETs succeeded
  auto r = run("set_read_only", {{"read_only", true}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.id, "c1");
  EXPECT_EQ(r.detail, (ValueMap{{"read_only", true}, {"super_read_only", true}, {"changed", true}}));
}

TEST_F(ActionExecutorTest, MysqlAlreadyReadOnlySetsNothing) {
  connects();
  expect("SELECT @@global.read_only", one("1"));
  expect("SELECT @@global.super_read_only", one("1"));
  auto r = run("set_read_only", {{"read_only", true}});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.detail.at("changed"), Value(false));
}

// Writable is promote's switch, the end of the write-blocked window: no lock
// to bound (OFF takes none) and no read after the SETs (issue 22).
TEST_F(ActionExecutorTest, MysqlWritableBoundsNoLockWaitAndReadsNothingAgain) {
  connects();
  expect("SELECT @@global.read_only", one("1"));
  expect("SELECT @@global.super_read_only", one("1"));
  expect("SET GLOBAL super_read_only = OFF");
  expect("SET GLOBAL read_only = OFF");
  auto r = run("set_read_only", {{"read_only", false}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.detail, (ValueMap{{"read_only", false}, {"super_read_only", false}, {"changed", true}}));
}

TEST_F(ActionExecutorTest, MysqlChangeSourceStopsRepointsWithAutoPositionAndKeepsSettings) {
  connects();
  expect("SHOW REPLICA STATUS",
         mysql::Rows{{"Channel_Name", "Source_Host", "Source_Port", "Replica_IO_Running", "Replica_SQL_Running",
                      "SQL_Delay", "Source_SSL_Allowed", "Source_SSL_CA_File", "Source_SSL_Verify_Server_Cert",
                      "Get_Source_public_key"},
                     {{"", "10.0.1.11", "3306", "Yes", "Yes", "1800", "Yes", "/ca.pem", "No", "1"}}});
  expect("STOP REPLICA");
  expect("CHANGE REPLICATION SOURCE TO SOURCE_HOST = '10.0.2.11', SOURCE_PORT = 3306, SOURCE_USER = 'repl', "
         "SOURCE_PASSWORD = 's3cret\\'pw', SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1, "
         "SOURCE_HEARTBEAT_PERIOD = 2, SOURCE_DELAY = 1800, SOURCE_SSL = 1, SOURCE_SSL_CA = '/ca.pem', "
         "SOURCE_SSL_VERIFY_SERVER_CERT = 0, GET_SOURCE_PUBLIC_KEY = 1");
  expect("START REPLICA");
  auto r = run("change_source", {{"host", "10.0.2.11"}, {"port", std::int64_t{3306}}, {"use_gtid", "auto_position"},
                                 {"seed_gtid_slave_pos", true}});  // no seeding on MySQL
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.detail, (ValueMap{{"previous_source_host", "10.0.1.11"},
                                {"previous_source_port", std::int64_t{3306}},
                                {"gtid_slave_pos", Value{}},
                                {"started", true},
                                {"io_started", true},
                                {"sql_started", true},
                                {"sql_delay", std::int64_t{1800}}}));
}

// A replica status row of the default channel, MySQL's columns.
mysql::Rows mysql_replica(const char* io, const char* sql, const char* io_errno = "0", const char* io_error = "") {
  return {{"Channel_Name", "Source_Host", "Source_Port", "Replica_IO_Running", "Replica_SQL_Running",
           "Last_IO_Errno", "Last_IO_Error"},
          {{"", "10.0.1.11", "3306", io, sql, io_errno, io_error}}};
}

TEST_F(ActionExecutorTest, ChangeSourceStartsOnlyTheThreadsThatRan) {
  connects();
  expect("SHOW REPLICA STATUS", mysql_replica("Yes", "No"));  // the operator stopped the SQL thread
  expect("STOP REPLICA");
  expect("CHANGE REPLICATION SOURCE TO SOURCE_HOST = '10.0.2.11', SOURCE_PORT = 3306, SOURCE_USER = 'repl', "
         "SOURCE_PASSWORD = 's3cret\\'pw', SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1, "
         "SOURCE_HEARTBEAT_PERIOD = 2, SOURCE_DELAY = 0, SOURCE_SSL = 0, SOURCE_SSL_VERIFY_SERVER_CERT = 0");
  expect("START REPLICA IO_THREAD");
  auto r = run("change_source", {{"host", "10.0.2.11"}, {"port", std::int64_t{3306}}, {"use_gtid", "auto_position"}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.detail.at("io_started"), Value(true));
  EXPECT_EQ(r.detail.at("sql_started"), Value(false));
}

TEST_F(ActionExecutorTest, ChangeSourceOfAStoppedReplicaStartsNothing) {
  connects();
  expect("SHOW REPLICA STATUS", mysql_replica("No", "No"));
  expect("CHANGE REPLICATION SOURCE TO SOURCE_HOST = '10.0.2.11', SOURCE_PORT = 3306, SOURCE_USER = 'repl', "
         "SOURCE_PASSWORD = 's3cret\\'pw', SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1, "
         "SOURCE_HEARTBEAT_PERIOD = 2, SOURCE_DELAY = 0, SOURCE_SSL = 0, SOURCE_SSL_VERIFY_SERVER_CERT = 0");
  auto r = run("change_source", {{"host", "10.0.2.11"}, {"port", std::int64_t{3306}}, {"use_gtid", "auto_position"}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.detail.at("started"), Value(false));
}

// A failover stopped the IO thread itself (stop_io_thread): start_io starts
// it again towards the new primary; the SQL thread is still the operator's.
TEST_F(ActionExecutorTest, ChangeSourceWithStartIoStartsTheIoThreadAFailoverStopped) {
  connects();
  expect("SHOW REPLICA STATUS", mysql_replica("No", "Yes"));
  expect("STOP REPLICA");
  expect("CHANGE REPLICATION SOURCE TO SOURCE_HOST = '10.0.2.11', SOURCE_PORT = 3306, SOURCE_USER = 'repl', "
         "SOURCE_PASSWORD = 's3cret\\'pw', SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1, "
         "SOURCE_HEARTBEAT_PERIOD = 2, SOURCE_DELAY = 0, SOURCE_SSL = 0, SOURCE_SSL_VERIFY_SERVER_CERT = 0");
  expect("START REPLICA");
  auto r = run("change_source", {{"host", "10.0.2.11"},
                                 {"port", std::int64_t{3306}},
                                 {"use_gtid", "auto_position"},
                                 {"start_io", true}});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.detail.at("io_started"), Value(true));
  EXPECT_EQ(r.detail.at("sql_started"), Value(true));
}

TEST_F(ActionExecutorTest, ANodeWithoutASourceGetsTheConfiguredTls) {
  executor.set_replication({.user = "repl", .password_file = "/x", .connect_retry_s = 1, .heartbeat_period_s = 2,
                            .ssl = false, .ssl_ca = "/etc/pivot/ca.pem"},
                           "pw");
  connects();
  expect("SHOW REPLICA STATUS", none());  // a primary being demoted
  expect("CHANGE REPLICATION SOURCE TO SOURCE_HOST = '10.0.2.11', SOURCE_PORT = 3306, SOURCE_USER = 'repl', "
         "SOURCE_PASSWORD = 'pw', SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1, SOURCE_HEARTBEAT_PERIOD = 2, "
         "SOURCE_DELAY = 0, SOURCE_SSL = 1, SOURCE_SSL_CA = '/etc/pivot/ca.pem', SOURCE_SSL_VERIFY_SERVER_CERT = 0");
  expect("START REPLICA");
  auto r = run("change_source", {{"host", "10.0.2.11"}, {"port", std::int64_t{3306}}, {"use_gtid", "auto_position"}});
  ASSERT_TRUE(r.ok) << r.error;
}

TEST_F(ActionExecutorTest, MysqlWaitTimesOutOnTheActionSessionInSlices) {
  connects();
  const std::string wait = "SELECT WAIT_FOR_EXECUTED_GTID_SET('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', ";
  expect(wait + "0.500)", one("1"));
  expect("SHOW REPLICA STATUS", mysql_replica("Yes", "Yes"));
  expect(wait + "0.500)", one("1"));
  expect("SHOW REPLICA STATUS", mysql_replica("Connecting", "Yes", "2003", "error connecting to source"));
  expect(wait + "0.200)", one("1"));
  expect("SHOW REPLICA STATUS", mysql_replica("Connecting", "Yes", "2003", "error connecting to source"));
  expect("SELECT @@global.gtid_executed", one("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-3"));
  auto r = run("wait_for_position",
               {{"position", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"}, {"timeout_ms", std::int64_t{1200}}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "position_timeout") << "an IO thread still connecting may yet get there";
  EXPECT_EQ(r.detail.at("reached"), Value(false));
  EXPECT_EQ(r.detail.at("position"), Value("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-3"));
  EXPECT_EQ(r.detail.at("replication"),
            Value("IO thread connecting, SQL thread yes; IO error 2003: error connecting to source"));
  EXPECT_NE(std::get<std::string>(r.detail.at("message")).find("IO error 2003"), std::string::npos);
  EXPECT_EQ(script->opens, (std::vector<int>{0})) << "the wait runs on the action session: no connect in the window";
}

TEST_F(ActionExecutorTest, WaitEndsAtOnceWithTheServersErrorWhenReplicationBroke) {
  connects();
  expect("SELECT WAIT_FOR_EXECUTED_GTID_SET('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', 0.500)", one("1"));
  expect("SHOW REPLICA STATUS",
         mysql_replica("No", "Yes", "13114",
                       "Got fatal error 1236 from source when reading data from binary log: 'Cannot replicate'"));
  expect("SELECT @@global.gtid_executed", one("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-3"));
  auto r = run("wait_for_position",
               {{"position", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"}, {"timeout_ms", std::int64_t{10000}}},
               12s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "replication_stopped");
  const auto& message = std::get<std::string>(r.detail.at("message"));
  EXPECT_NE(message.find("IO thread no, SQL thread yes; IO error 13114: Got fatal error 1236"), std::string::npos)
      << message;
}

// The default connection's row of SHOW ALL SLAVES STATUS, MariaDB's columns.
mysql::Rows mariadb_replica(const char* io, const char* sql, const char* io_pos) {
  return {{"Connection_name", "Master_Host", "Master_Port", "Slave_IO_Running", "Slave_SQL_Running", "Gtid_IO_Pos"},
          {{"", "10.0.1.11", "3306", io, sql, io_pos}}};
}

TEST_F(ActionExecutorTest, StopIoThreadLeavesTheSqlThreadAndSaysWhatWasReceivedAfterTheStop) {
  connects("10.11.6-MariaDB-log");
  expect("SHOW ALL SLAVES STATUS", mariadb_replica("Yes", "Yes", "0-1-41"));
  expect("STOP SLAVE IO_THREAD");
  // Events that came between the first read and the stop count: read again.
  expect("SHOW ALL SLAVES STATUS", mariadb_replica("No", "Yes", "0-1-42,1-1-7"));
  expect("SELECT @@global.gtid_slave_pos", one("0-1-40"));
  stops_io_thread(
      {{"was_running", true}, {"received", "0-1-42,1-1-7"}, {"executed", "0-1-40"}, {"sql_running", true}});
}

TEST_F(ActionExecutorTest, StopIoThreadStopsNothingWhenTheIoThreadIsStoppedOrThereIsNoSource) {
  connects("10.11.6-MariaDB-log");
  expect("SHOW ALL SLAVES STATUS", mariadb_replica("No", "Yes", "0-1-42"));
  expect("SELECT @@global.gtid_slave_pos", one("0-1-42"));
  stops_io_thread({{"was_running", false}, {"received", "0-1-42"}, {"executed", "0-1-42"}, {"sql_running", true}});

  // The same session again, not checked first: its first read checks it.
  expect("SHOW ALL SLAVES STATUS", mysql::Rows{{"Connection_name"}, {}});  // a primary
  expect("SELECT @@global.gtid_slave_pos", one(""));
  stops_io_thread({{"was_running", false}, {"received", ""}, {"executed", ""}, {"sql_running", false}});
}

TEST_F(ActionExecutorTest, StopIoThreadSaysWhenTheSqlThreadWillNotApplyTheRelayLog) {
  connects("10.11.6-MariaDB-log");
  expect("SHOW ALL SLAVES STATUS", mariadb_replica("Yes", "No", "0-1-50"));  // stopped on an error, say
  expect("STOP SLAVE IO_THREAD");
  expect("SHOW ALL SLAVES STATUS", mariadb_replica("No", "No", "0-1-50"));
  expect("SELECT @@global.gtid_slave_pos", one("0-1-44"));
  auto r = run("stop_io_thread");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.detail.at("was_running"), Value(true));
  EXPECT_EQ(r.detail.at("sql_running"), Value(false));
  EXPECT_EQ(r.detail.at("executed"), Value("0-1-44"));
}

TEST_F(ActionExecutorTest, MysqlStopIoThreadStopsAConnectingThreadAndReadsTheGtidSets) {
  const char* uuid_set = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9";
  auto received = [uuid_set](const char* io) {
    mysql::Rows rows = mysql_replica(io, "Yes", "2003", "error connecting to source");  // the primary is down
    rows.columns.push_back("Retrieved_Gtid_Set");
    rows.rows.front().push_back(std::string(uuid_set));
    return rows;
  };
  connects();
  expect("SHOW REPLICA STATUS", received("Connecting"));
  expect("STOP REPLICA IO_THREAD");
  expect("SHOW REPLICA STATUS", received("No"));
  expect("SELECT @@global.gtid_executed", one("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-7"));
  stops_io_thread({{"was_running", true},
                   {"received", uuid_set},
                   {"executed", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-7"},
                   {"sql_running", true}});
}

TEST_F(ActionExecutorTest, StopIoThreadRefusedKeepsWhatWasRead) {
  connects("10.11.6-MariaDB-log");
  expect("SHOW ALL SLAVES STATUS", mariadb_replica("Yes", "Yes", "0-1-41"));
  expect("STOP SLAVE IO_THREAD",
         refused(mysql::kErrAccessDenied, "error 1227: you need (at least one of) the REPLICATION SLAVE ADMIN "
                                          "privilege(s)"));
  auto r = run("stop_io_thread");
  EXPECT_EQ(r.error, "access_denied");
  EXPECT_EQ(r.detail.at("was_running"), Value(true));
}

TEST_F(ActionExecutorTest, MysqlReportPosition) {
  connects();
  expect(kMysqlPositions, mysql::Rows{{"gtid_executed", "read_only"}, {{"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9", "1"}}});
  expect("SELECT @@global.super_read_only", one("1"));
  auto r = run("report_position");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.detail.at("gtid_executed"), Value("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9"));
  EXPECT_EQ(r.detail.at("gtid_binlog_pos"), Value());
  EXPECT_EQ(r.detail.at("fence"), Value("held")) << "super_read_only is MySQL's fence";
}

// ping (issue 22): one read on the action session, opened first when it is
// not open; a session that cannot read fails it; nothing is written.
TEST_F(ActionExecutorTest, APingReadsReadOnlyOnTheActionSession) {
  connects();
  expect("SELECT @@global.read_only", one("1"));
  auto r = run("ping");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.detail, (ValueMap{{"read_only", true}}));
  expect("SELECT @@global.read_only", refused(mysql::kErrAccessDenied, "error 1227: Access denied"));
  auto refused_read = run("ping");
  EXPECT_FALSE(refused_read.ok);
  EXPECT_EQ(refused_read.error, "access_denied");
}

TEST_F(ActionExecutorTest, MysqlFenceIsSuperReadOnly) {
  connects();
  expect("SELECT @@global.super_read_only", one("1"));
  expect(kMysqlPositions, mysql::Rows{{"gtid_executed", "read_only"}, {{"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9", "1"}}});
  auto held = run("fence_writes", {{"lease_ms", std::int64_t{30000}}});
  ASSERT_TRUE(held.ok) << held.error;
  EXPECT_EQ(held.detail.at("lock"), Value("super_read_only"));
  EXPECT_EQ(held.detail.at("held"), Value(true));
  EXPECT_EQ(held.detail.at("gtid_executed"), Value("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9"))
      << "the final position, read with the fence held";

  expect("SELECT @@global.super_read_only", one("0"));  // the same session again, its first read
  auto off = run("fence_writes", {{"lease_ms", std::int64_t{30000}}});
  EXPECT_FALSE(off.ok);
  EXPECT_EQ(off.error, "fence_not_held");
  EXPECT_EQ(off.detail.at("held"), Value(false));

  auto released = run("release_fence");  // on MySQL no statement at all
  ASSERT_TRUE(released.ok) << released.error;
  EXPECT_EQ(released.detail.at("was"), Value("none")) << "super_read_only stays on a demoted MySQL primary";
}

TEST_F(ActionExecutorTest, ASessionGoneSinceTheLastCommandIsReopenedOnce) {
  connects();
  expect(kMysqlPositions, mysql::Rows{{"gtid_executed", "read_only"}, {{"", "0"}}});
  expect("SELECT @@global.super_read_only", one("0"));
  ASSERT_TRUE(run("report_position").ok);
  // Not checked ahead (issue 22): the command's first read finds it gone,
  // and runs again on a new session.
  expect("SELECT CONNECTION_ID()", refused(mysql::kErrConnection, "error 2013: Lost connection"));
  connects();
  expect("SELECT CONNECTION_ID()", one("5"));
  // Nothing to kill: one list, no wait for anything to end.
  expect("SHOW PROCESSLIST", mysql::Rows{{"Id", "User", "Command"}, {{"5", "pivot", "Query"}}});
  auto r = run("kill_connections");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.detail, (ValueMap{{"killed", std::int64_t{0}}, {"remaining", std::int64_t{0}}}));
  EXPECT_EQ(script->opens.size(), 2u);
}

TEST_F(ActionExecutorTest, AReadRunsAgainOnceOnlyAndOnlyWhenTheSessionWasGone) {
  connects("10.11.6-MariaDB-log");
  expect("SHOW ALL SLAVES STATUS", mysql::Rows{{"Connection_name"}, {}});
  expect("SELECT @@global.gtid_slave_pos", one("0-1-5"));
  ASSERT_TRUE(run("stop_io_thread").ok);
  // A server error is not a lost session: no reconnect, no second try.
  expect("SHOW ALL SLAVES STATUS", refused(mysql::kErrSql, "error 1146: no such table"));
  auto refused_read = run("stop_io_thread");
  EXPECT_EQ(refused_read.error, "mysql_error");
  EXPECT_EQ(script->opens.size(), 1u);
  // Gone, and no new session to be had: said, once.
  expect("SHOW ALL SLAVES STATUS", refused(mysql::kErrConnection, "error 2013: Lost connection"));
  script->refuse_open = true;
  auto gone = run("stop_io_thread");
  EXPECT_EQ(gone.error, "mysql_unreachable");
  EXPECT_EQ(script->opens.size(), 2u);
}

TEST_F(ActionExecutorTest, KillOfASessionGoneMeanwhileIsNoFailureButARefusalThatStaysIs) {
  const mysql::Rows before{{"Id", "User", "Command"}, {{"5", "pivot", "Query"}, {"8", "root", "Query"}, {"9", "app", "Sleep"}}};
  const mysql::Rows after{{"Id", "User", "Command"}, {{"5", "pivot", "Query"}, {"9", "app", "Sleep"}}};
  connects();
  expect("SELECT CONNECTION_ID()", one("5"));
  expect("SHOW PROCESSLIST", before);
  expect("KILL CONNECTION 8", refused(mysql::kErrSql, "error 1094: Unknown thread id: 8"));
  expect("KILL CONNECTION 9", refused(mysql::kErrSql, "error 1095: You are not owner of thread 9"));
  for (int i = 0; i < 200 && script->expected.size() < 250; ++i) expect("SHOW PROCESSLIST", after);
  // A short deadline also ends the wait for session 9 to go (else 1 s).
  auto r = run("kill_connections", {}, 100ms);
  script->expected.clear();  // how many polls fit in the settle time is not the point
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "mysql_error");
  EXPECT_NE(std::get<std::string>(r.detail.at("message")).find("1095"), std::string::npos);
  EXPECT_EQ(r.detail.at("killed"), Value(std::int64_t{0}));
  EXPECT_EQ(r.detail.at("remaining"), Value(std::int64_t{1}));
}

TEST_F(ActionExecutorTest, AMissingGrantIsAccessDenied) {
  connects("10.11.6-MariaDB");
  expect("SELECT @@global.read_only", one("0"));
  expect("SET SESSION lock_wait_timeout = 2");
  expect("SET GLOBAL read_only = ON",
         refused(mysql::kErrAccessDenied, "error 1227: you need (at least one of) the READ_ONLY ADMIN privilege(s)"));
  auto r = run("set_read_only", {{"read_only", true}});
  EXPECT_EQ(r.error, "access_denied");
  EXPECT_EQ(r.detail.at("read_only"), Value(false)) << "what was read before the failure is kept";
}

TEST_F(ActionExecutorTest, TheReplicationPasswordNeverReachesAResult) {
  connects("10.11.6-MariaDB");
  expect("SHOW ALL SLAVES STATUS", mysql::Rows{{"Connection_name"}, {}});
  expect("CHANGE MASTER TO MASTER_HOST = 'db2', MASTER_PORT = 3306, MASTER_USER = 'repl', MASTER_PASSWORD = "
         "'s3cret\\'pw', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1, MASTER_HEARTBEAT_PERIOD = 2",
         refused(mysql::kErrSql, "error 1064: syntax error near 's3cret\\'pw', MASTER_USE_GTID' at line 1 (s3cret'pw)"));
  auto r = run("change_source", {{"host", "db2"}, {"port", std::int64_t{3306}}, {"use_gtid", "slave_pos"}});
  EXPECT_EQ(r.error, "mysql_error");
  const std::string message = std::get<std::string>(r.detail.at("message"));
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
  EXPECT_NE(message.find("1064"), std::string::npos) << message;
}

TEST_F(ActionExecutorTest, AnUnreachableServerAndAPassedDeadline) {
  script->refuse_open = true;
  auto r = run("report_position");
  EXPECT_EQ(r.error, "mysql_unreachable");
  EXPECT_NE(std::get<std::string>(r.detail.at("message")).find("2002"), std::string::npos);

  auto late = executor.run({.id = "c2", .epoch = 1, .action = "report_position", .args = {}, .timeout_ms = 1},
                           std::chrono::steady_clock::now() - 1ms);
  EXPECT_EQ(late.error, "deadline_exceeded");
  EXPECT_EQ(script->opens.size(), 1u) << "a passed deadline opens nothing";
}

TEST_F(ActionExecutorTest, UnvalidatedArgsAreRefusedBeforeAnySql) {
  auto r = run("set_read_only", {{"read_only", std::int64_t{1}}});
  EXPECT_EQ(r.error, "wrong_arg_type");
  auto unknown = run("drop_database");
  EXPECT_EQ(unknown.error, "unknown_action");
  EXPECT_TRUE(script->opens.empty());
}

// The action session opened ahead of the first command (issue 22: a
// candidate's first command in a pivot runs inside the write-blocked window),
// then only checked while it answers, and opened again once it is gone.
TEST_F(ActionExecutorTest, KeepSessionOpensItAheadAndReopensItWhenGone) {
  connects();
  expect("SELECT 1", one("1"));
  ASSERT_TRUE(executor.keep_session().ok());
  EXPECT_EQ(script->opens.size(), 1u);
  expect("SELECT 1", one("1"));
  ASSERT_TRUE(executor.keep_session().ok());
  EXPECT_EQ(script->opens.size(), 1u) << "a session that answers is kept";
  expect("SELECT 1", refused(mysql::kErrConnection, "127.0.0.1:3306: error 2006: server has gone away"));
  connects();
  expect("SELECT 1", one("1"));
  ASSERT_TRUE(executor.keep_session().ok());
  EXPECT_EQ(script->opens.size(), 2u) << "a session the server closed is opened again";

  // The next command runs on it with no connect of its own.
  expect("SELECT @@global.read_only", one("1"));
  expect("SELECT @@global.super_read_only", one("1"));
  auto r = run("set_read_only", {{"read_only", true}});
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(script->opens.size(), 2u);
}

TEST_F(ActionExecutorTest, KeepSessionSaysWhyItCouldNotOpenOne) {
  script->refuse_open = true;
  auto kept = executor.keep_session();
  ASSERT_FALSE(kept.ok());
  EXPECT_NE(kept.error().message.find("refused"), std::string::npos) << kept.error().message;
}

// WriteFence's two halves (issue 22): begin() before read_only (the stage
// through FLUSH), take() after it (BLOCK_COMMIT), over the same fake SQL port.
class WriteFenceHalves : public ::testing::Test {
 protected:
  std::shared_ptr<Script> script = std::make_shared<Script>();
  FakeSql sql{script};
  WriteFence fence{sql};

  void expect(std::vector<std::string> statements) {
    for (auto& statement : statements) {
      script->expected.push_back({statement, statement == "SELECT 1" ? one("1") : none()});
    }
  }
  void TearDown() override {
    for (const auto& left : script->expected) ADD_FAILURE() << "never run: " << left.sql;
  }
};

// A take() whose time left has dropped below the lock wait begin() set bounds
// it again before BLOCK_COMMIT; one in the same second adds nothing.
TEST_F(WriteFenceHalves, BlockCommitWaitsNoLongerThanTheTimeLeftAtTake) {
  expect({"SET SESSION lock_wait_timeout = 7", "BACKUP STAGE START", "BACKUP STAGE FLUSH"});
  ASSERT_TRUE(fence.begin(7).ok());
  EXPECT_EQ(script->opens, (std::vector<int>{9})) << "a new session whose read timeout outlasts the wait";
  expect({"SET SESSION lock_wait_timeout = 5", "BACKUP STAGE BLOCK_COMMIT"});
  auto taken = fence.take(5, std::chrono::steady_clock::now() + 60s);  // read_only took 2 s
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  EXPECT_FALSE(taken->already);

  expect({"SELECT 1", "BACKUP STAGE END"});
  ASSERT_TRUE(fence.release().ok());
  expect({"SELECT 1", "SET SESSION lock_wait_timeout = 7", "BACKUP STAGE START", "BACKUP STAGE FLUSH",
          "BACKUP STAGE BLOCK_COMMIT"});
  ASSERT_TRUE(fence.begin(7).ok());
  ASSERT_TRUE(fence.take(7, std::chrono::steady_clock::now() + 60s).ok()) << "the same second: no statement more";
}

TEST_F(WriteFenceHalves, AnAbandonedBeginEndsTheStage) {
  expect({"SET SESSION lock_wait_timeout = 3", "BACKUP STAGE START", "BACKUP STAGE FLUSH", "BACKUP STAGE END"});
  ASSERT_TRUE(fence.begin(3).ok());
  fence.abandon();
  fence.abandon();  // nothing begun: nothing sent
  EXPECT_EQ(fence.state(), WriteFence::State::none);
}

}  // namespace
}  // namespace pivot::agent
