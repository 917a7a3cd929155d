// The SQL each action runs, per flavor: MariaDB as the harness runs it, MySQL
// 8.0.23+/8.4 on the text alone (no MySQL server is installable here).
#include "pivot/agent/action_sql.hpp"

#include <gtest/gtest.h>

#include "pivot/protocol/errors.hpp"

namespace pivot::agent {
namespace {

using namespace std::chrono_literals;
using protocol::Flavor;

const ActionSql kMariadb(Flavor::mariadb);
const ActionSql kMysql(Flavor::mysql);

ReplicationSettings repl() { return {.user = "repl", .password_file = "/x", .connect_retry_s = 1, .heartbeat_period_s = 2}; }

TEST(ActionSql, ReadOnlyOnMariadbIsOneVariable) {
  EXPECT_EQ(kMariadb.set_read_only(true), std::vector<std::string>{"SET GLOBAL read_only = ON"});
  EXPECT_EQ(kMariadb.set_read_only(false), std::vector<std::string>{"SET GLOBAL read_only = OFF"});
  EXPECT_EQ(kMariadb.super_read_only(), "") << "MariaDB has no super_read_only";
}

TEST(ActionSql, MysqlSuperReadOnlyFollowsReadOnly) {
  // super_read_only=ON implies read_only; read_only=OFF implies super_read_only=OFF:
  // on after read_only, off before it, so no step is refused.
  EXPECT_EQ(kMysql.set_read_only(true),
            (std::vector<std::string>{"SET GLOBAL read_only = ON", "SET GLOBAL super_read_only = ON"}));
  EXPECT_EQ(kMysql.set_read_only(false),
            (std::vector<std::string>{"SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"}));
  EXPECT_EQ(kMysql.super_read_only(), "SELECT @@global.super_read_only");
  EXPECT_EQ(kMysql.lock_wait_timeout(0), "SET SESSION lock_wait_timeout = 1") << "0 would mean no wait at all";
}

TEST(ActionSql, ReplicationStatementsPerFlavor) {
  EXPECT_EQ(kMariadb.replica_status(), "SHOW ALL SLAVES STATUS");
  EXPECT_EQ(kMariadb.stop_replica(), "STOP SLAVE");
  EXPECT_EQ(kMariadb.stop_io_thread(), "STOP SLAVE IO_THREAD");
  EXPECT_EQ(kMariadb.replicated_position(), "SELECT @@global.gtid_slave_pos");
  EXPECT_EQ(kMariadb.start_replica(), "START SLAVE");
  EXPECT_EQ(kMariadb.start_replica_threads(true, true), "START SLAVE");
  EXPECT_EQ(kMariadb.start_replica_threads(false, true), "START SLAVE SQL_THREAD");
  EXPECT_EQ(kMariadb.reset_replica_all(), "RESET SLAVE ALL");
  EXPECT_EQ(kMariadb.seed_gtid_slave_pos(), "SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos");
  EXPECT_EQ(kMysql.replica_status(), "SHOW REPLICA STATUS");
  EXPECT_EQ(kMysql.stop_replica(), "STOP REPLICA");
  EXPECT_EQ(kMysql.stop_io_thread(), "STOP REPLICA IO_THREAD");
  EXPECT_EQ(kMysql.replicated_position(), "SELECT @@global.gtid_executed");
  EXPECT_EQ(kMysql.start_replica(), "START REPLICA");
  EXPECT_EQ(kMysql.start_replica_threads(true, false), "START REPLICA IO_THREAD");
  EXPECT_EQ(kMysql.reset_replica_all(), "RESET REPLICA ALL");
  EXPECT_EQ(kMysql.seed_gtid_slave_pos(), "") << "gtid_executed already holds a demoted primary's writes";
  EXPECT_EQ(kMysql.kill(42), "KILL CONNECTION 42");
  // One SELECT with read_only beside the positions (issue 22: SHOW GLOBAL
  // VARIABLES scans every variable, inside the fence's window).
  EXPECT_EQ(kMariadb.positions(),
            "SELECT @@global.gtid_binlog_pos AS gtid_binlog_pos, @@global.gtid_current_pos AS gtid_current_pos, "
            "@@global.gtid_slave_pos AS gtid_slave_pos, @@global.read_only AS read_only");
  EXPECT_EQ(kMysql.positions(), "SELECT @@global.gtid_executed AS gtid_executed, @@global.read_only AS read_only");
}

TEST(ActionSql, MariadbChangeMasterFromAFreshNode) {
  EXPECT_EQ(kMariadb.change_source({"db2.example", 3307, "slave_pos"}, repl(), "s3cret", std::nullopt),
            "CHANGE MASTER TO MASTER_HOST = 'db2.example', MASTER_PORT = 3307, MASTER_USER = 'repl', "
            "MASTER_PASSWORD = 's3cret', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1, "
            "MASTER_HEARTBEAT_PERIOD = 2");
}

TEST(ActionSql, MariadbChangeMasterKeepsDelayAndSsl) {
  SourceSettings keep;
  keep.sql_delay = 3600;
  keep.ssl = true;
  keep.ssl_ca = "/etc/mysql/ca.pem";
  keep.ssl_verify_server_cert = true;
  EXPECT_EQ(kMariadb.change_source({"10.0.2.11", 3306, "current_pos"}, repl(), "pw", keep),
            "CHANGE MASTER TO MASTER_HOST = '10.0.2.11', MASTER_PORT = 3306, MASTER_USER = 'repl', "
            "MASTER_PASSWORD = 'pw', MASTER_USE_GTID = current_pos, MASTER_CONNECT_RETRY = 1, "
            "MASTER_HEARTBEAT_PERIOD = 2, MASTER_DELAY = 3600, MASTER_SSL = 1, "
            "MASTER_SSL_CA = '/etc/mysql/ca.pem', MASTER_SSL_VERIFY_SERVER_CERT = 1");
}

TEST(ActionSql, TheNodesOwnRetryAndHeartbeatBeatTheConfigs) {
  SourceSettings keep;
  keep.connect_retry = 30;
  keep.heartbeat_period = "2.500";
  EXPECT_EQ(kMariadb.change_source({"10.0.2.11", 3306, "slave_pos"}, repl(), "pw", keep),
            "CHANGE MASTER TO MASTER_HOST = '10.0.2.11', MASTER_PORT = 3306, MASTER_USER = 'repl', "
            "MASTER_PASSWORD = 'pw', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 30, "
            "MASTER_HEARTBEAT_PERIOD = 2.500, MASTER_DELAY = 0, MASTER_SSL = 0, MASTER_SSL_VERIFY_SERVER_CERT = 0");
}

TEST(ActionSql, MysqlChangeReplicationSourceWithAutoPosition) {
  SourceSettings keep;
  keep.sql_delay = 0;
  keep.get_public_key = true;  // caching_sha2_password without SSL needs it
  EXPECT_EQ(kMysql.change_source({"fd00::11", 3306, "auto_position"}, repl(), "it's", keep),
            "CHANGE REPLICATION SOURCE TO SOURCE_HOST = 'fd00::11', SOURCE_PORT = 3306, SOURCE_USER = 'repl', "
            "SOURCE_PASSWORD = 'it\\'s', SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1, "
            "SOURCE_HEARTBEAT_PERIOD = 2, SOURCE_DELAY = 0, SOURCE_SSL = 0, SOURCE_SSL_VERIFY_SERVER_CERT = 0, "
            "GET_SOURCE_PUBLIC_KEY = 1");
}

TEST(ActionSql, WaitForPositionTakesDecimalSeconds) {
  EXPECT_EQ(kMariadb.wait_for_position("0-1-1042,1-11-77", 1250ms), "SELECT MASTER_GTID_WAIT('0-1-1042,1-11-77', 1.250)");
  EXPECT_EQ(kMariadb.wait_for_position("0-1-5", 0ms), "SELECT MASTER_GTID_WAIT('0-1-5', 0.000)");
  EXPECT_EQ(kMysql.wait_for_position("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", 40ms),
            "SELECT WAIT_FOR_EXECUTED_GTID_SET('3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', 0.040)");
  EXPECT_EQ(kMariadb.applied_position(), "SELECT @@global.gtid_current_pos");
  EXPECT_EQ(kMysql.applied_position(), "SELECT @@global.gtid_executed");
}

TEST(ActionSql, StringsAreEscaped) {
  EXPECT_EQ(sql_string("plain"), "'plain'");
  EXPECT_EQ(sql_string("a'b\\c"), "'a\\'b\\\\c'");
  EXPECT_EQ(sql_string(std::string("a\0b", 3)), "'a\\0b'");
  EXPECT_EQ(sql_string("x'; DROP TABLE t; --"), "'x\\'; DROP TABLE t; --'");
}

TEST(ActionSql, SourceHostIsANameOrAnAddress) {
  for (const char* good : {"db2", "db2.example.com", "10.0.2.11", "fd00::11", "::1", "host-1", "my_host"}) {
    EXPECT_TRUE(check_source_host(good).ok()) << good;
  }
  for (const char* bad : {"", "db2'", "db2 --", "a;b", "db2\\", "[::1]", "host\n", "h/x"}) {
    auto checked = check_source_host(bad);
    ASSERT_FALSE(checked.ok()) << bad;
    EXPECT_EQ(checked.error().code, protocol::errc::bad_arg_value);
  }
  EXPECT_FALSE(check_source_host(std::string(256, 'a')).ok());
}

TEST(ActionSql, UseGtidMustSuitTheFlavor) {
  EXPECT_TRUE(check_use_gtid(Flavor::mariadb, "slave_pos").ok());
  EXPECT_TRUE(check_use_gtid(Flavor::mariadb, "current_pos").ok());
  EXPECT_TRUE(check_use_gtid(Flavor::mysql, "auto_position").ok());
  EXPECT_EQ(check_use_gtid(Flavor::mariadb, "auto_position").error().code, protocol::errc::bad_arg_value);
  EXPECT_EQ(check_use_gtid(Flavor::mysql, "slave_pos").error().code, protocol::errc::bad_arg_value);
}

TEST(ActionSql, GtidPositionCharacters) {
  EXPECT_TRUE(check_gtid_position(Flavor::mariadb, "0-1-1042,1-11-77").ok());
  EXPECT_TRUE(check_gtid_position(Flavor::mariadb, "").ok()) << "an empty position is reached at once";
  EXPECT_FALSE(check_gtid_position(Flavor::mariadb, "0-1-5') OR 1=1 --").ok());
  EXPECT_FALSE(check_gtid_position(Flavor::mariadb, "3e11fa47:1-5").ok());
  EXPECT_TRUE(check_gtid_position(Flavor::mysql, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n"
                                                 "4e11fa47-71ca-11e1-9e33-c80aa9429562:tag_1:7").ok());
  EXPECT_FALSE(check_gtid_position(Flavor::mysql, "uuid:1-5'").ok());
}

TEST(ActionSql, SecretsAreRedactedFromServerMessages) {
  EXPECT_EQ(redact_secret("error 1064: You have an error in your SQL syntax; check the manual near 'pw'' at line 1",
                          "pw'"),
            "error 1064: You have an error in your SQL syntax; check the manual");
  EXPECT_EQ(redact_secret("failed for s3cret and s3cret", "s3cret"), "failed for <password> and <password>");
  EXPECT_EQ(redact_secret("a\\'b here", "a'b"), "<password> here") << "the escaped form too";
  EXPECT_EQ(redact_secret("pass: <pass>", "pass"), "<password>: <<password>>") << "ends although the mask holds the secret";
  EXPECT_EQ(redact_secret("nothing secret", ""), "nothing secret");
}

}  // namespace
}  // namespace pivot::agent
