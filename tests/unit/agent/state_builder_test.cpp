// NodeState from recorded probe rows: MariaDB as seen on the harness, MySQL
// 8.0/8.4 as those servers print it (no MySQL server is installable here).
#include "pivot/agent/state_builder.hpp"

#include <gtest/gtest.h>

#include "pivot/agent/probe_sql.hpp"

namespace pivot::agent {
namespace {

using protocol::Flavor;
using protocol::GtidMode;
using protocol::IoThread;

ProbeRows mariadb_replica() {
  ProbeRows rows;
  rows.version = "10.11.6-MariaDB-0+deb12u1-log";
  rows.variables = {{"server_id", "2"},
                    {"gtid_domain_id", "0"},
                    {"gtid_binlog_pos", "0-1-1042"},
                    {"gtid_binlog_state", "0-1-1042"},
                    {"gtid_current_pos", "0-1-1042,1-5-77"},
                    {"gtid_slave_pos", "0-1-1042,1-5-77"},
                    {"gtid_strict_mode", "ON"},
                    {"log_bin", "ON"},
                    {"log_slave_updates", "ON"},
                    {"binlog_format", "ROW"},
                    {"report_host", "127.0.0.1"},
                    {"report_port", "23001"},
                    {"version", "10.11.6-MariaDB-0+deb12u1-log"},
                    {"rpl_semi_sync_master_enabled", "OFF"},
                    {"rpl_semi_sync_slave_enabled", "OFF"},
                    {"slave_net_timeout", "60"}};
  rows.read_only = "1";
  rows.replica_status = {Row{{"Connection_name", ""},
                             {"Master_Host", "127.0.0.1"},
                             {"Master_Port", "23000"},
                             {"Slave_IO_Running", "Yes"},
                             {"Slave_SQL_Running", "Yes"},
                             {"Seconds_Behind_Master", "0"},
                             {"SQL_Delay", "0"},
                             {"Using_Gtid", "Slave_Pos"},
                             {"Last_IO_Error", ""},
                             {"Last_SQL_Error", ""},
                             {"Gtid_IO_Pos", "0-1-1042"},
                             {"Gtid_Slave_Pos", "0-1-1042,1-5-77"}}};
  rows.status = {{"Uptime", "3600"}};
  return rows;
}

TEST(StateBuilder, MariadbReplica) {
  std::vector<std::string> problems;
  auto s = build_state(mariadb_replica(), problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_TRUE(s.mysql_reachable);
  EXPECT_EQ(s.flavor, Flavor::mariadb);
  EXPECT_EQ(s.server_id, 2u);
  EXPECT_EQ(s.gtid_domain_id, 0u);
  EXPECT_EQ(s.read_only, true);
  EXPECT_FALSE(s.super_read_only.has_value()) << "MariaDB has no super_read_only";
  EXPECT_FALSE(s.gtid_executed.has_value());
  EXPECT_EQ(s.gtid_current_pos, "0-1-1042,1-5-77");
  EXPECT_EQ(s.gtid_strict_mode, true);
  EXPECT_EQ(s.log_replica_updates, true);
  EXPECT_EQ(s.report_port, 23001);
  EXPECT_EQ(s.uptime_s, 3600u);
  EXPECT_EQ(s.slave_net_timeout, 60u);
  ASSERT_TRUE(s.replica.has_value());
  EXPECT_EQ(s.replica->source_host, "127.0.0.1");
  EXPECT_EQ(s.replica->source_port, 23000);
  EXPECT_EQ(s.replica->io_running, IoThread::yes);
  EXPECT_TRUE(s.replica->sql_running);
  EXPECT_EQ(s.replica->seconds_behind, 0u);
  EXPECT_EQ(s.replica->using_gtid, GtidMode::slave_pos);
  EXPECT_EQ(s.replica->executed_gtids, "0-1-1042,1-5-77");
  ASSERT_TRUE(s.semi_sync.has_value());
  EXPECT_FALSE(s.semi_sync->source);
  EXPECT_FALSE(s.semi_sync->source_active.has_value()) << "no status row: unknown";
  EXPECT_FALSE(s.semi_sync->wait_point.has_value());
}

// A semi-sync primary: enabled, and whether it waits for acknowledgements now
// (the status), its wait point and timeout. Enabled but fallen back to
// asynchronous after a timeout shows source true, source_active false.
TEST(StateBuilder, MariadbSemiSyncSourceSide) {
  ProbeRows rows = mariadb_replica();
  rows.variables["rpl_semi_sync_master_enabled"] = "ON";
  rows.variables["rpl_semi_sync_slave_enabled"] = "ON";
  rows.variables["rpl_semi_sync_master_wait_point"] = "AFTER_SYNC";
  rows.variables["rpl_semi_sync_master_timeout"] = "30000";
  rows.status["Rpl_semi_sync_master_status"] = "ON";
  std::vector<std::string> problems;
  auto s = build_state(rows, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(s.semi_sync, (protocol::SemiSync{.source = true, .replica = true, .source_active = true,
                                             .wait_point = "AFTER_SYNC", .timeout_ms = 30000,
                                             .kill_conn_timeout_s = std::nullopt}));
  rows.status["Rpl_semi_sync_master_status"] = "OFF";
  s = build_state(rows, problems);
  EXPECT_TRUE(s.semi_sync->source);
  EXPECT_EQ(s.semi_sync->source_active, false);
}

// How long a failover's stop_io may wait on this replica (MariaDB only).
TEST(StateBuilder, MariadbSemiSyncKillConnTimeout) {
  ProbeRows rows = mariadb_replica();
  std::vector<std::string> problems;
  EXPECT_FALSE(build_state(rows, problems).semi_sync->kill_conn_timeout_s.has_value()) << "no row: unknown";
  rows.variables["rpl_semi_sync_slave_kill_conn_timeout"] = "5";
  EXPECT_EQ(build_state(rows, problems).semi_sync->kill_conn_timeout_s, 5u);
  EXPECT_TRUE(problems.empty());
  EXPECT_NE(probe_sql(protocol::Flavor::mariadb).variables.find("'rpl_semi_sync_slave_kill_conn_timeout'"),
            std::string::npos);
}

TEST(StateBuilder, MariadbReplicaWhoseSourceDied) {
  ProbeRows rows = mariadb_replica();
  Row& r = rows.replica_status.front();
  r["Slave_IO_Running"] = "Connecting";
  r["Seconds_Behind_Master"] = std::nullopt;  // NULL while the IO thread is down
  r["Last_IO_Error"] = "error reconnecting to master 'repl@127.0.0.1:23000' - retry-time: 1";
  std::vector<std::string> problems;
  auto s = build_state(rows, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(s.replica->io_running, IoThread::connecting);
  EXPECT_FALSE(s.replica->seconds_behind.has_value());
  EXPECT_NE(s.replica->last_io_error.find("reconnecting"), std::string::npos);
}

TEST(StateBuilder, MariadbPrimaryHasNoReplicaAndEmptyReportHostIsUnknown) {
  ProbeRows rows = mariadb_replica();
  rows.replica_status.clear();
  rows.read_only = "0";
  rows.variables["report_host"] = "";
  rows.variables["report_port"] = "0";
  std::vector<std::string> problems;
  auto s = build_state(rows, problems);
  EXPECT_FALSE(s.replica.has_value());
  EXPECT_EQ(s.read_only, false);
  EXPECT_FALSE(s.report_host.has_value());
  EXPECT_FALSE(s.report_port.has_value());
}

TEST(StateBuilder, OnlyTheDefaultConnectionOfAMultiSourceReplica) {
  ProbeRows rows = mariadb_replica();
  Row named = rows.replica_status.front();
  named["Connection_name"] = "analytics_feed";
  named["Master_Port"] = "3999";
  rows.replica_status.insert(rows.replica_status.begin(), named);
  std::vector<std::string> problems;
  auto s = build_state(rows, problems);
  ASSERT_TRUE(s.replica.has_value());
  EXPECT_EQ(s.replica->source_port, 23000);
}

TEST(StateBuilder, Mysql84ReplicaFromShowReplicaStatus) {
  ProbeRows rows;
  rows.version = "8.4.3";
  rows.variables = {{"server_id", "102"},
                    {"server_uuid", "3e11fa47-71ca-11e1-9e33-c80aa9429562"},
                    {"gtid_executed", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n"
                                      "9b1f0e2a-1c2d-11ef-8a3b-0242ac120002:1-1042"},
                    {"gtid_mode", "ON"},
                    {"super_read_only", "ON"},
                    {"log_bin", "ON"},
                    {"log_replica_updates", "ON"},
                    {"binlog_format", "ROW"},
                    {"report_host", ""},
                    {"report_port", "3306"},
                    {"version", "8.4.3"},
                    {"rpl_semi_sync_source_enabled", "OFF"},
                    {"rpl_semi_sync_replica_enabled", "ON"},
                    {"replica_net_timeout", "5"},
                    {"slave_net_timeout", "5"}};
  rows.read_only = "1";
  rows.replica_status = {Row{{"Channel_Name", ""},
                             {"Source_Host", "10.0.1.11"},
                             {"Source_Port", "3306"},
                             {"Replica_IO_Running", "Yes"},
                             {"Replica_SQL_Running", "No"},
                             {"Seconds_Behind_Source", std::nullopt},
                             {"SQL_Delay", "3600"},
                             {"Auto_Position", "1"},
                             {"Last_IO_Error", ""},
                             {"Last_SQL_Error", "Error 'Duplicate entry' on query."},
                             {"Retrieved_Gtid_Set", "9b1f0e2a-1c2d-11ef-8a3b-0242ac120002:1-1050"},
                             {"Executed_Gtid_Set", "9b1f0e2a-1c2d-11ef-8a3b-0242ac120002:1-1042"}}};
  rows.status = {{"Uptime", "12"}};
  std::vector<std::string> problems;
  auto s = build_state(rows, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(s.flavor, Flavor::mysql);
  EXPECT_EQ(s.server_uuid, "3e11fa47-71ca-11e1-9e33-c80aa9429562");
  EXPECT_EQ(s.super_read_only, true);
  EXPECT_FALSE(s.gtid_binlog_pos.has_value());
  EXPECT_FALSE(s.gtid_domain_id.has_value());
  EXPECT_NE(s.gtid_executed->find("1-1042"), std::string::npos);
  EXPECT_EQ(s.log_replica_updates, true);
  EXPECT_TRUE(s.semi_sync->replica);
  EXPECT_EQ(s.slave_net_timeout, 5u);
  ASSERT_TRUE(s.replica.has_value());
  EXPECT_EQ(s.replica->source_host, "10.0.1.11");
  EXPECT_FALSE(s.replica->sql_running);
  EXPECT_EQ(s.replica->sql_delay, 3600u);
  EXPECT_EQ(s.replica->using_gtid, GtidMode::auto_position);
  EXPECT_EQ(s.replica->received_gtids, "9b1f0e2a-1c2d-11ef-8a3b-0242ac120002:1-1050");
}

TEST(StateBuilder, Mysql80OldVariableAndColumnNames) {
  ProbeRows rows;
  rows.version = "8.0.36";
  rows.variables = {{"server_id", "7"}, {"log_slave_updates", "OFF"}, {"rpl_semi_sync_master_enabled", "ON"}};
  rows.read_only = "0";
  rows.replica_status = {Row{{"Master_Host", "db1"}, {"Master_Port", "3306"}, {"Slave_IO_Running", "No"},
                             {"Slave_SQL_Running", "Yes"}, {"Auto_Position", "0"}}};
  std::vector<std::string> problems;
  auto s = build_state(rows, problems);
  EXPECT_EQ(s.log_replica_updates, false);
  EXPECT_TRUE(s.semi_sync->source);
  EXPECT_EQ(s.replica->source_host, "db1");
  EXPECT_EQ(s.replica->io_running, IoThread::no);
  EXPECT_EQ(s.replica->using_gtid, GtidMode::no);
  EXPECT_FALSE(s.slave_net_timeout.has_value()) << "not in the rows: unknown, never a made-up value";
}

TEST(StateBuilder, UnparsableValuesAreUnknownAndNamed) {
  ProbeRows rows = mariadb_replica();
  rows.variables["server_id"] = "two";
  rows.variables["gtid_strict_mode"] = "MAYBE";
  rows.variables["slave_net_timeout"] = "1m";
  rows.read_only = "yes please";
  std::vector<std::string> problems;
  auto s = build_state(rows, problems);
  EXPECT_FALSE(s.server_id.has_value());
  EXPECT_FALSE(s.gtid_strict_mode.has_value());
  EXPECT_FALSE(s.read_only.has_value()) << "never guess read_only";
  EXPECT_FALSE(s.slave_net_timeout.has_value());
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0], "server_id: expected a number, got 'two'");
}

TEST(ProbeSql, FlavorFromVersion) {
  EXPECT_EQ(flavor_of_version("10.11.6-MariaDB-0+deb12u1-log"), Flavor::mariadb);
  EXPECT_EQ(flavor_of_version("11.4.2-MariaDB"), Flavor::mariadb);
  EXPECT_EQ(flavor_of_version("8.0.36-0ubuntu0.22.04.1"), Flavor::mysql);
  EXPECT_NE(probe_sql(Flavor::mariadb).replica_status, probe_sql(Flavor::mysql).replica_status);
  EXPECT_NE(probe_sql(Flavor::mariadb).variables.find("gtid_binlog_state"), std::string::npos);
  EXPECT_NE(probe_sql(Flavor::mysql).variables.find("gtid_executed"), std::string::npos);
}

}  // namespace
}  // namespace pivot::agent
