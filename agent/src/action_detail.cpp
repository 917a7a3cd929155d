#include "pivot/agent/action_detail.hpp"

#include "pivot/gtid/mariadb_position.hpp"
#include "pivot/gtid/mysql_gtid_set.hpp"

namespace pivot::agent {

std::vector<Row> records_of(const mysql::Rows& rows) {
  std::vector<Row> out;
  for (size_t i = 0; i < rows.rows.size(); ++i) out.push_back(rows.record(i));
  return out;
}

std::optional<protocol::ReplicaStatus> replica_of(protocol::Flavor flavor, const mysql::Rows& rows) {
  const std::vector<Row> records = records_of(rows);
  const Row* row = default_connection(records);
  if (row == nullptr) return std::nullopt;
  std::vector<std::string> problems;  // a column that does not parse is left at its default
  protocol::ReplicaStatus replica = parse_replica_status(flavor, *row, problems);
  // RESET REPLICA (without ALL) on MySQL leaves a row with an empty host:
  // no source is configured then.
  if (replica.source_host.empty()) return std::nullopt;
  return replica;
}

std::optional<bool> flag_of(const std::optional<std::string>& value) {
  if (value == "1" || value == "ON") return true;
  if (value == "0" || value == "OFF") return false;
  return std::nullopt;
}

bool replication_running(const protocol::ReplicaStatus& replica) {
  return replica.io_running != protocol::IoThread::no || replica.sql_running;
}

namespace {

std::string errno_of(const Row& row, const char* column) {
  auto it = row.find(column);
  return it != row.end() && it->second && *it->second != "0" ? *it->second : "";
}

}  // namespace

std::string replication_state(const Row& row, const protocol::ReplicaStatus& replica) {
  std::string out = "IO thread " + std::string(protocol::to_string(replica.io_running)) + ", SQL thread " +
                    (replica.sql_running ? "yes" : "no");
  const std::pair<const char*, const std::string*> errors[] = {{"IO", &replica.last_io_error},
                                                               {"SQL", &replica.last_sql_error}};
  for (const auto& [thread, text] : errors) {
    const std::string code = errno_of(row, thread == std::string("IO") ? "Last_IO_Errno" : "Last_SQL_Errno");
    if (text->empty() && code.empty()) continue;
    out += "; " + std::string(thread) + " error" + (code.empty() ? "" : " " + code) + ": " + text->substr(0, 400);
  }
  return out;
}

bool received_covers(protocol::Flavor flavor, const protocol::ReplicaStatus& replica, std::string_view position) {
  if (flavor == protocol::Flavor::mariadb) {
    auto received = gtid::MariadbPosition::parse(replica.received_gtids);
    auto wanted = gtid::MariadbPosition::parse(position);
    return received && wanted && received->at_least(*wanted);
  }
  auto retrieved = gtid::MysqlGtidSet::parse(replica.received_gtids);
  auto executed = gtid::MysqlGtidSet::parse(replica.executed_gtids);
  auto wanted = gtid::MysqlGtidSet::parse(position);
  return retrieved && executed && wanted && retrieved->unite(*executed).contains(*wanted);
}

bool replication_stopped(protocol::Flavor flavor, const Row& row, const protocol::ReplicaStatus& replica,
                         std::string_view position) {
  if (!replica.sql_running) return true;
  if (replica.io_running != protocol::IoThread::no) return false;
  const bool io_error = !replica.last_io_error.empty() || !errno_of(row, "Last_IO_Errno").empty();
  return io_error && !received_covers(flavor, replica, position);
}

protocol::ValueMap previous_source_detail(const std::optional<protocol::ReplicaStatus>& replica) {
  protocol::ValueMap detail{{"previous_source_host", std::monostate{}}, {"previous_source_port", std::monostate{}}};
  if (replica) {
    detail["previous_source_host"] = replica->source_host;
    detail["previous_source_port"] = static_cast<std::int64_t>(replica->source_port);
  }
  return detail;
}

protocol::ValueMap io_stop_detail(bool was_running, const std::optional<protocol::ReplicaStatus>& after,
                                  const std::optional<std::string>& executed) {
  return {{"was_running", was_running},
          {"received", after ? after->received_gtids : std::string()},
          {"executed", executed.value_or("")},
          {"sql_running", after && after->sql_running}};
}

protocol::ValueMap read_only_detail(std::optional<bool> read_only, std::optional<bool> super_read_only, bool changed) {
  return {{"read_only", value_of(read_only)}, {"super_read_only", value_of(super_read_only)}, {"changed", changed}};
}

protocol::ValueMap position_detail(protocol::Flavor flavor, const mysql::Rows& positions) {
  const auto values =
      positions.rows.empty() ? std::map<std::string, std::optional<std::string>>{} : positions.record(0);
  auto get = [&values](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : it->second;
  };
  const bool mariadb = flavor == protocol::Flavor::mariadb;
  return {{"gtid_binlog_pos", mariadb ? value_of(get("gtid_binlog_pos")) : protocol::Value{}},
          {"gtid_current_pos", mariadb ? value_of(get("gtid_current_pos")) : protocol::Value{}},
          {"gtid_slave_pos", mariadb ? value_of(get("gtid_slave_pos")) : protocol::Value{}},
          {"gtid_executed", mariadb ? protocol::Value{} : value_of(get("gtid_executed"))},
          {"read_only", value_of(flag_of(get("read_only")))}};
}

}  // namespace pivot::agent
