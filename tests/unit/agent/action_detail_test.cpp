// Action details and decisions from recorded rows: MariaDB 10.11 as the
// harness prints them, MySQL 8.0/8.4 as those servers do.
#include "pivot/agent/action_detail.hpp"

#include <gtest/gtest.h>

#include "pivot/agent/client_sessions.hpp"
#include "pivot/agent/source_settings.hpp"

namespace pivot::agent {
namespace {

using protocol::Flavor;
using protocol::Value;
using protocol::ValueMap;

mysql::Rows rows(std::vector<std::string> columns, std::vector<mysql::Row> data) {
  mysql::Rows out;
  out.columns = std::move(columns);
  out.rows = std::move(data);
  return out;
}

// SHOW ALL SLAVES STATUS of a delayed MariaDB backup node with SSL (abridged).
mysql::Rows mariadb_delayed_ssl_replica() {
  return rows({"Connection_name", "Master_Host", "Master_Port", "Slave_IO_Running", "Slave_SQL_Running", "SQL_Delay",
               "Master_SSL_Allowed", "Master_SSL_CA_File", "Master_SSL_CA_Path", "Master_SSL_Cert", "Master_SSL_Cipher",
               "Master_SSL_Key", "Master_SSL_Verify_Server_Cert", "Master_SSL_Crl", "Master_SSL_Crlpath", "Using_Gtid"},
              {{"", "127.0.0.1", "23000", "Yes", "Yes", "3600", "Yes", "/ca.pem", "", "/cert.pem", "", "/key.pem", "Yes",
                "", "", "Slave_Pos"}});
}

// SHOW REPLICA STATUS of MySQL 8.4 (abridged): IO thread reconnecting.
mysql::Rows mysql_replica() {
  return rows({"Channel_Name", "Source_Host", "Source_Port", "Replica_IO_Running", "Replica_SQL_Running", "SQL_Delay",
               "Source_SSL_Allowed", "Source_SSL_CA_File", "Source_SSL_Verify_Server_Cert", "Get_Source_public_key",
               "Auto_Position"},
              {{"", "10.0.1.11", "3306", "Connecting", "Yes", "0", "No", "", "No", "1", "1"}});
}

TEST(ActionDetail, ReplicaOfTheDefaultConnection) {
  auto replica = replica_of(Flavor::mariadb, mariadb_delayed_ssl_replica());
  ASSERT_TRUE(replica.has_value());
  EXPECT_EQ(replica->source_host, "127.0.0.1");
  EXPECT_EQ(replica->source_port, 23000);
  EXPECT_TRUE(replication_running(*replica));
  EXPECT_EQ(previous_source_detail(replica),
            (ValueMap{{"previous_source_host", "127.0.0.1"}, {"previous_source_port", std::int64_t{23000}}}));

  auto mysql = replica_of(Flavor::mysql, mysql_replica());
  ASSERT_TRUE(mysql.has_value());
  EXPECT_EQ(mysql->io_running, protocol::IoThread::connecting);
  EXPECT_TRUE(replication_running(*mysql)) << "an IO thread that reconnects is running";
}

TEST(ActionDetail, AnIoThreadPreparingRightAfterStartIsConnecting) {
  auto starting = rows({"Connection_name", "Master_Host", "Master_Port", "Slave_IO_Running", "Slave_SQL_Running"},
                       {{"", "127.0.0.1", "23000", "Preparing", "Yes"}});
  EXPECT_EQ(replica_of(Flavor::mariadb, starting)->io_running, protocol::IoThread::connecting);
}

TEST(ActionDetail, NoSourceWhenNoRowOrAnEmptyHost) {
  EXPECT_FALSE(replica_of(Flavor::mariadb, rows({"Connection_name"}, {})).has_value());
  // MySQL after RESET REPLICA (without ALL): a row, no host.
  EXPECT_FALSE(replica_of(Flavor::mysql, rows({"Channel_Name", "Source_Host", "Replica_IO_Running"},
                                              {{"", "", "No"}}))
                   .has_value());
  EXPECT_EQ(previous_source_detail(std::nullopt),
            (ValueMap{{"previous_source_host", Value{}}, {"previous_source_port", Value{}}}));
}

TEST(ActionDetail, NamedMariadbConnectionsAreNotOurs) {
  auto both = rows({"Connection_name", "Master_Host", "Master_Port", "Slave_IO_Running", "Slave_SQL_Running"},
                   {{"analytics", "10.9.9.9", "3306", "Yes", "Yes"}, {"", "10.0.1.11", "3306", "No", "No"}});
  auto replica = replica_of(Flavor::mariadb, both);
  ASSERT_TRUE(replica.has_value());
  EXPECT_EQ(replica->source_host, "10.0.1.11");
  EXPECT_FALSE(replication_running(*replica));
}

TEST(ActionDetail, KeptSettingsOfBothFlavors) {
  const SourceSettings maria = source_settings_of(records_of(mariadb_delayed_ssl_replica()).at(0));
  EXPECT_EQ(maria.sql_delay, 3600);
  EXPECT_TRUE(maria.ssl);
  EXPECT_EQ(maria.ssl_ca, "/ca.pem");
  EXPECT_EQ(maria.ssl_cert, "/cert.pem");
  EXPECT_EQ(maria.ssl_key, "/key.pem");
  EXPECT_EQ(maria.ssl_capath, "");
  EXPECT_TRUE(maria.ssl_verify_server_cert);
  EXPECT_FALSE(maria.get_public_key.has_value());

  const SourceSettings my = source_settings_of(records_of(mysql_replica()).at(0));
  EXPECT_EQ(my.sql_delay, 0);
  EXPECT_FALSE(my.ssl);
  EXPECT_EQ(my.get_public_key, true);
}

TEST(ActionDetail, RetryAndHeartbeatAreKeptOnlyAsNumbers) {
  const SourceSettings kept = source_settings_of({{"Connect_Retry", "30"}, {"Slave_heartbeat_period", "2.500"}});
  EXPECT_EQ(kept.connect_retry, 30);
  EXPECT_EQ(kept.heartbeat_period, "2.500");
  const SourceSettings junk = source_settings_of({{"Connect_Retry", "1.5"}, {"Slave_heartbeat_period", "1; STOP"}});
  EXPECT_FALSE(junk.connect_retry.has_value());
  EXPECT_FALSE(junk.heartbeat_period.has_value());
  EXPECT_FALSE(source_settings_of({}).connect_retry.has_value()) << "MySQL's row: the config's values then";
}

TEST(ActionDetail, ReadOnlyDetail) {
  EXPECT_EQ(flag_of("1"), true);
  EXPECT_EQ(flag_of("OFF"), false);
  EXPECT_EQ(flag_of(std::nullopt), std::nullopt);
  EXPECT_EQ(read_only_detail(true, std::nullopt, false),
            (ValueMap{{"read_only", true}, {"super_read_only", Value{}}, {"changed", false}}));
  EXPECT_EQ(read_only_detail(false, false, true),
            (ValueMap{{"read_only", false}, {"super_read_only", false}, {"changed", true}}));
}

// A wait gives up (replication_stopped) only when the replica cannot get
// there: SQL thread stopped, or IO thread stopped on an error before it
// received the position. A failover stops the IO thread of a replica that
// was retrying a dead primary: its error stays shown, and the relay log still
// holds the position.
TEST(ActionDetail, ReplicationStoppedOnlyWhenThePositionCannotBeReached) {
  const Row row{{"Last_IO_Errno", "2013"}};
  protocol::ReplicaStatus maria;
  maria.sql_running = true;
  maria.io_running = protocol::IoThread::no;
  maria.last_io_error = "error reconnecting to master 'repl@127.0.0.1:31839'";
  maria.received_gtids = "1-1-1,0-1-17";
  EXPECT_FALSE(replication_stopped(Flavor::mariadb, row, maria, "0-1-17,1-1-1")) << "all in the relay log";
  EXPECT_FALSE(replication_stopped(Flavor::mariadb, row, maria, "0-1-12"));
  EXPECT_TRUE(replication_stopped(Flavor::mariadb, row, maria, "0-1-18")) << "never received";
  EXPECT_TRUE(replication_stopped(Flavor::mariadb, row, maria, "0-1-17,2-1-1")) << "a domain never received";
  EXPECT_TRUE(replication_stopped(Flavor::mariadb, row, maria, "junk"));
  protocol::ReplicaStatus clean;
  clean.sql_running = true;
  EXPECT_FALSE(replication_stopped(Flavor::mariadb, {{"Last_IO_Errno", "0"}}, clean, "0-1-18"))
      << "an IO thread stopped cleanly: someone may start it";
  maria.io_running = protocol::IoThread::connecting;
  EXPECT_FALSE(replication_stopped(Flavor::mariadb, row, maria, "0-1-18")) << "still trying";
  maria.sql_running = false;
  EXPECT_TRUE(replication_stopped(Flavor::mariadb, row, maria, "0-1-12")) << "nothing applies the relay log";

  protocol::ReplicaStatus my;
  my.sql_running = true;
  my.last_io_error = "error connecting to source";
  my.received_gtids = "3e11fa47-71ca-11e1-9e33-c80aa9429562:8-9";
  my.executed_gtids = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-7";
  EXPECT_FALSE(replication_stopped(Flavor::mysql, row, my, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9"))
      << "retrieved and executed together cover it";
  EXPECT_TRUE(replication_stopped(Flavor::mysql, row, my, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10"));
}

TEST(ActionDetail, IoStopDetail) {
  protocol::ReplicaStatus after;
  after.source_host = "db1";
  after.sql_running = true;
  after.received_gtids = "0-1-42,1-1-7";
  EXPECT_EQ(io_stop_detail(true, after, "0-1-40"),
            (ValueMap{{"was_running", true}, {"received", "0-1-42,1-1-7"}, {"executed", "0-1-40"},
                      {"sql_running", true}}));
  EXPECT_EQ(io_stop_detail(false, std::nullopt, std::nullopt),
            (ValueMap{{"was_running", false}, {"received", ""}, {"executed", ""}, {"sql_running", false}}))
      << "no source: strings stay strings";
}

TEST(ActionDetail, PositionsPerFlavor) {
  auto maria = rows({"gtid_binlog_pos", "gtid_current_pos", "gtid_slave_pos", "read_only"},
                    {{"0-1-100", "0-1-100", "", "0"}});
  EXPECT_EQ(position_detail(Flavor::mariadb, maria),
            (ValueMap{{"gtid_binlog_pos", "0-1-100"}, {"gtid_current_pos", "0-1-100"}, {"gtid_slave_pos", ""},
                      {"gtid_executed", Value{}}, {"read_only", false}}));
  auto my = rows({"gtid_executed", "read_only"}, {{"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", "1"}});
  EXPECT_EQ(position_detail(Flavor::mysql, my),
            (ValueMap{{"gtid_binlog_pos", Value{}}, {"gtid_current_pos", Value{}}, {"gtid_slave_pos", Value{}},
                      {"gtid_executed", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"}, {"read_only", true}}));
  EXPECT_EQ(position_detail(Flavor::mysql, rows({"gtid_executed", "read_only"}, {})),
            (ValueMap{{"gtid_binlog_pos", Value{}}, {"gtid_current_pos", Value{}}, {"gtid_slave_pos", Value{}},
                      {"gtid_executed", Value{}}, {"read_only", Value{}}}))
      << "no row: every key nil, nothing made up";
}

// SHOW PROCESSLIST of a MariaDB primary with a replica attached, and of a
// MySQL 8 replica; the agent's user is "pivot" and its action session id 7.
TEST(ClientSessions, KillsClientsOnlyNeverReplicationNorTheAgent) {
  const std::vector<std::string> columns{"Id", "User", "Host", "db", "Command", "Time", "State", "Info"};
  auto maria = rows(columns, {{"1", "system user", "", std::nullopt, "Daemon", "0", "InnoDB purge worker", std::nullopt},
                              {"5", "repl", "127.0.0.1:40112", std::nullopt, "Binlog Dump", "90",
                               "Master has sent all binlog to slave", std::nullopt},
                              {"6", "pivot", "127.0.0.1:40114", std::nullopt, "Sleep", "0", "", std::nullopt},
                              {"7", "pivot", "127.0.0.1:40116", std::nullopt, "Query", "0", "starting", "SHOW PROCESSLIST"},
                              {"8", "root", "localhost", "pivot_test", "Query", "0", "Update", "INSERT ..."},
                              {"9", "app", "127.0.0.1:40120", "pivot_test", "Sleep", "2", "", std::nullopt},
                              {"10", "event_scheduler", "localhost", std::nullopt, "Daemon", "5", "Waiting", std::nullopt}});
  auto kill = client_sessions(maria, 7, "pivot");
  ASSERT_EQ(kill.size(), 2u);
  EXPECT_EQ(kill[0].id, 8);
  EXPECT_EQ(kill[0].user, "root");
  EXPECT_EQ(kill[1].id, 9);

  auto mysql = rows(columns, {{"12", "system user", "", std::nullopt, "Connect", "30", "Waiting for source to send event",
                               std::nullopt},
                              {"13", "system user", "", std::nullopt, "Query", "0", "Replica has read all relay log",
                               std::nullopt},
                              {"14", "admin", "10.0.0.5:5000", std::nullopt, "Sleep", "1", "", std::nullopt},
                              {"15", "pivot", "localhost", std::nullopt, "Query", "0", "init", "SHOW PROCESSLIST"}});
  kill = client_sessions(mysql, 15, "pivot");
  ASSERT_EQ(kill.size(), 1u);
  EXPECT_EQ(kill[0].id, 14);
}

TEST(ClientSessions, OwnSessionSparedWhateverItsUser) {
  auto list = rows({"Id", "User", "Command"}, {{"3", "root", "Query"}, {"4", "root", "Sleep"}});
  auto kill = client_sessions(list, 3, "pivot");
  ASSERT_EQ(kill.size(), 1u);
  EXPECT_EQ(kill[0].id, 4);
}

}  // namespace
}  // namespace pivot::agent
