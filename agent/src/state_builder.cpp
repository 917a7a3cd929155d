#include "pivot/agent/state_builder.hpp"

#include <charconv>
#include <initializer_list>

#include "pivot/agent/probe_sql.hpp"

namespace pivot::agent {
namespace {

using protocol::Flavor;
using protocol::GtidMode;
using protocol::IoThread;

// Reads typed values out of name->value maps, recording what does not parse.
class Reader {
 public:
  explicit Reader(std::vector<std::string>& problems) : problems_(problems) {}

  // The first of `names` present (servers renamed variables and columns:
  // log_slave_updates -> log_replica_updates, Master_Host -> Source_Host).
  template <typename Map>
  std::optional<std::string> text(const Map& map, std::initializer_list<const char*> names) const {
    for (const char* name : names) {
      auto it = map.find(name);
      if (it != map.end()) return it->second;  // a Row's nullopt is SQL NULL
    }
    return std::nullopt;
  }

  template <typename Map>
  std::optional<bool> flag(const Map& map, std::initializer_list<const char*> names) const {
    auto value = text(map, names);
    if (!value) return std::nullopt;
    if (*value == "ON" || *value == "1" || *value == "Yes") return true;
    if (*value == "OFF" || *value == "0" || *value == "No") return false;
    problems_.push_back(std::string(*names.begin()) + ": expected ON/OFF, got '" + *value + "'");
    return std::nullopt;
  }

  template <typename Number, typename Map>
  std::optional<Number> number(const Map& map, std::initializer_list<const char*> names) const {
    auto value = text(map, names);
    if (!value) return std::nullopt;
    Number n{};
    const char* end = value->data() + value->size();
    auto [ptr, ec] = std::from_chars(value->data(), end, n);
    if (value->empty() || ec != std::errc() || ptr != end) {
      problems_.push_back(std::string(*names.begin()) + ": expected a number, got '" + *value + "'");
      return std::nullopt;
    }
    return n;
  }

 private:
  std::vector<std::string>& problems_;
};

std::optional<std::string> non_empty(std::optional<std::string> value) {
  if (value && value->empty()) return std::nullopt;
  return value;
}

IoThread io_thread(const std::optional<std::string>& value) {
  if (value == "Yes") return IoThread::yes;
  // MariaDB shows "Preparing" while a just-started IO thread sets up, before it connects.
  if (value == "Connecting" || value == "Preparing") return IoThread::connecting;
  return IoThread::no;
}

protocol::ReplicaStatus replica_status(Flavor flavor, const Row& row, const Reader& r) {
  protocol::ReplicaStatus s;
  s.source_host = r.text(row, {"Source_Host", "Master_Host"}).value_or("");
  s.source_port = r.number<uint16_t>(row, {"Source_Port", "Master_Port"}).value_or(0);
  s.io_running = io_thread(r.text(row, {"Replica_IO_Running", "Slave_IO_Running"}));
  s.sql_running = r.text(row, {"Replica_SQL_Running", "Slave_SQL_Running"}) == "Yes";
  s.seconds_behind = r.number<uint64_t>(row, {"Seconds_Behind_Source", "Seconds_Behind_Master"});
  s.sql_delay = r.number<uint64_t>(row, {"SQL_Delay"}).value_or(0);
  s.last_io_error = r.text(row, {"Last_IO_Error"}).value_or("");
  s.last_sql_error = r.text(row, {"Last_SQL_Error"}).value_or("");
  if (flavor == Flavor::mariadb) {
    const std::string using_gtid = r.text(row, {"Using_Gtid"}).value_or("No");
    s.using_gtid = using_gtid == "Slave_Pos"     ? GtidMode::slave_pos
                   : using_gtid == "Current_Pos" ? GtidMode::current_pos
                                                 : GtidMode::no;
    s.received_gtids = r.text(row, {"Gtid_IO_Pos"}).value_or("");
    s.executed_gtids = r.text(row, {"Gtid_Slave_Pos"}).value_or("");
  } else {
    s.using_gtid = r.text(row, {"Auto_Position"}) == "1" ? GtidMode::auto_position : GtidMode::no;
    s.received_gtids = r.text(row, {"Retrieved_Gtid_Set"}).value_or("");
    s.executed_gtids = r.text(row, {"Executed_Gtid_Set"}).value_or("");
  }
  return s;
}

}  // namespace

// MariaDB may replicate from several sources; pivot manages the default
// (unnamed) connection only. MySQL's default channel is "" too.
const Row* default_connection(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    for (const char* key : {"Connection_name", "Channel_Name"}) {
      auto it = row.find(key);
      if (it != row.end() && it->second && it->second->empty()) return &row;
    }
  }
  return rows.size() == 1 ? &rows.front() : nullptr;
}

protocol::ReplicaStatus parse_replica_status(Flavor flavor, const Row& row, std::vector<std::string>& problems) {
  return replica_status(flavor, row, Reader(problems));
}

protocol::NodeState build_state(const ProbeRows& rows, std::vector<std::string>& problems) {
  const Reader r(problems);
  const auto& v = rows.variables;
  const Flavor flavor = flavor_of_version(rows.version);

  protocol::NodeState s;
  s.mysql_reachable = true;
  s.flavor = flavor;
  s.version = rows.version;
  s.server_id = r.number<uint32_t>(v, {"server_id"});
  s.log_bin = r.flag(v, {"log_bin"});
  s.log_replica_updates = r.flag(v, {"log_replica_updates", "log_slave_updates"});
  s.binlog_format = r.text(v, {"binlog_format"});
  s.report_host = non_empty(r.text(v, {"report_host"}));
  if (auto port = r.number<uint16_t>(v, {"report_port"}); port && *port != 0) s.report_port = port;
  if (rows.read_only) {
    s.read_only = r.flag(std::map<std::string, std::string>{{"read_only", *rows.read_only}}, {"read_only"});
  }
  s.semi_sync = protocol::SemiSync{
      .source = r.flag(v, {"rpl_semi_sync_master_enabled", "rpl_semi_sync_source_enabled"}).value_or(false),
      .replica = r.flag(v, {"rpl_semi_sync_slave_enabled", "rpl_semi_sync_replica_enabled"}).value_or(false),
      // Whether a commit acknowledged now is on a replica: the policy's
      // semi_sync is kept only while this is ON (the enabled flag stays ON
      // after a timeout made the source asynchronous).
      .source_active = r.flag(rows.status, {"Rpl_semi_sync_master_status", "Rpl_semi_sync_source_status"}),
      .wait_point = r.text(v, {"rpl_semi_sync_master_wait_point", "rpl_semi_sync_source_wait_point"}),
      .timeout_ms = r.number<std::uint64_t>(v, {"rpl_semi_sync_master_timeout", "rpl_semi_sync_source_timeout"}),
      // MariaDB only: how long a failover's stop_io can wait on a dead source.
      .kill_conn_timeout_s = r.number<std::uint64_t>(v, {"rpl_semi_sync_slave_kill_conn_timeout"})};
  if (flavor == Flavor::mariadb) {
    s.gtid_domain_id = r.number<uint32_t>(v, {"gtid_domain_id"});
    s.gtid_binlog_pos = r.text(v, {"gtid_binlog_pos"});
    s.gtid_binlog_state = r.text(v, {"gtid_binlog_state"});
    s.gtid_current_pos = r.text(v, {"gtid_current_pos"});
    s.gtid_slave_pos = r.text(v, {"gtid_slave_pos"});
    s.gtid_strict_mode = r.flag(v, {"gtid_strict_mode"});
  } else {
    s.server_uuid = r.text(v, {"server_uuid"});
    s.gtid_executed = r.text(v, {"gtid_executed"});
    s.super_read_only = r.flag(v, {"super_read_only"});
  }
  if (const Row* row = default_connection(rows.replica_status)) s.replica = replica_status(flavor, *row, r);
  s.uptime_s = r.number<uint64_t>(rows.status, {"Uptime"});
  // How late this node, as a replica, notices a hung source: pivot status
  // compares it with policy.agent_dead_ms (MySQL 8.0.26 renamed it).
  s.slave_net_timeout = r.number<uint32_t>(v, {"replica_net_timeout", "slave_net_timeout"});
  return s;
}

}  // namespace pivot::agent
