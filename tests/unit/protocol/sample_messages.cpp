#include "sample_messages.hpp"

namespace pivot::protocol::testing {

namespace {

Envelope agent_envelope(const char* node, std::uint64_t seq) {
  return Envelope{.cluster = "sms-1",
                  .node = node,
                  .boot_id = "7f3c2a90-5d1e-4b8e-9a41-0c6d2f18e377",
                  .seq = seq,
                  .ts_ms = 1795000000123};
}

}  // namespace

Message mariadb_replica_state() {
  NodeState s;
  s.cluster = "sms-1";
  s.node = "db2";
  s.flavor = Flavor::mariadb;
  s.version = "10.11.6-MariaDB-0+deb12u1-log";
  s.server_id = 2;
  s.gtid_domain_id = 0;
  s.read_only = true;
  s.gtid_binlog_pos = "0-1-1042,1-11-77";
  s.gtid_binlog_state = "0-1-1042,0-2-9,1-11-77";
  s.gtid_current_pos = "0-1-1042,1-11-77";
  s.gtid_slave_pos = "0-1-1042,1-11-77";
  s.gtid_strict_mode = true;
  s.log_bin = true;
  s.log_replica_updates = true;
  s.binlog_format = "ROW";
  s.report_host = "10.0.2.11";
  s.report_port = 3306;
  s.replica = ReplicaStatus{.source_host = "10.0.1.11",
                            .source_port = 3306,
                            .io_running = IoThread::yes,
                            .sql_running = true,
                            .seconds_behind = 0,
                            .sql_delay = 0,
                            .using_gtid = GtidMode::slave_pos,
                            .last_io_error = "",
                            .last_sql_error = "",
                            .received_gtids = "0-1-1042,1-11-77",
                            .executed_gtids = "0-1-1042,1-11-77"};
  s.semi_sync = SemiSync{.source = false, .replica = true, .source_active = false,
                         .wait_point = "AFTER_SYNC", .timeout_ms = 30000, .kill_conn_timeout_s = 1};
  s.mysql_reachable = true;
  s.probe_latency_ms = 0.84;
  s.agent_version = "0.1.0";
  s.uptime_s = 86400;
  s.slave_net_timeout = 4;
  return Message{agent_envelope("db2", 4711), s};
}

Message mysql_primary_state() {
  NodeState s;
  s.cluster = "sms-1";
  s.node = "db1";
  s.flavor = Flavor::mysql;
  s.version = "8.0.36";
  s.server_id = 1;
  s.server_uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  s.read_only = false;
  s.super_read_only = false;
  s.gtid_executed = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7-9,"
                    "8a94f357-aab4-11df-86ab-c80aa9429563:1-1042";
  s.log_bin = true;
  s.log_replica_updates = true;
  s.binlog_format = "ROW";
  s.semi_sync = SemiSync{.source = true, .replica = false, .source_active = true,
                         .wait_point = "AFTER_SYNC", .timeout_ms = 30000, .kill_conn_timeout_s = std::nullopt};
  s.mysql_reachable = true;
  s.probe_latency_ms = 1.5;
  s.agent_version = "0.1.0";
  s.uptime_s = 3600;
  s.slave_net_timeout = 60;
  return Message{agent_envelope("db1", 12), s};
}

Message unreachable_state() {
  NodeState s;
  s.cluster = "sms-1";
  s.node = "db3";
  s.mysql_reachable = false;
  s.probe_error = "Can't connect to MySQL server on '127.0.0.1' (111)";
  s.probe_latency_ms = 2000.25;
  s.agent_version = "0.1.0";
  return Message{agent_envelope("db3", 0), s};
}

Message mysql_down_event() {
  return Message{agent_envelope("db1", 13),
                 Event{.kind = EventKind::mysql_down,
                       .detail = "Lost connection to server during query (2013)"}};
}

Message change_source_command() {
  Command c{.id = "job-42/repoint/db3",
            .epoch = 7,
            .action = "change_source",
            .args = {{"host", std::string("10.0.2.11")},
                     {"port", std::int64_t{3306}},
                     {"use_gtid", std::string("slave_pos")},
                     {"seed_gtid_slave_pos", true}},
            .timeout_ms = 5000};
  return Message{Envelope{.cluster = "sms-1",
                          .node = "db3",
                          .boot_id = "c0ffee00-0000-4000-8000-000000000001",
                          .seq = 99,
                          .ts_ms = 1795000000456},
                 c};
}

Message change_source_result() {
  CommandResult r{.id = "job-42/repoint/db3",
                  .ok = true,
                  .error = "",
                  .detail = {{"previous_source_host", std::string("10.0.1.11")},
                             {"previous_source_port", std::int64_t{3306}},
                             {"gtid_slave_pos", std::string("0-1-1042,1-11-77")},
                             {"started", true}},
                  .duration_ms = 38};
  return Message{agent_envelope("db3", 101), r};
}

}  // namespace pivot::protocol::testing
