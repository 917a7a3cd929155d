#include "pivot/agent/semi_sync_settings.hpp"

#include <map>

#include "pivot/agent/action_detail.hpp"

namespace pivot::agent {
namespace {

// MariaDB (and MySQL before 8.0.26) say master/slave; MySQL's newer plugins
// say source/replica.
struct Names {
  const char* source;
  const char* replica;
  const char* wait_point;
  const char* timeout;
  const char* status;
};

constexpr Names kMaster{"rpl_semi_sync_master_enabled", "rpl_semi_sync_slave_enabled",
                        "rpl_semi_sync_master_wait_point", "rpl_semi_sync_master_timeout",
                        "Rpl_semi_sync_master_status"};
constexpr Names kSource{"rpl_semi_sync_source_enabled", "rpl_semi_sync_replica_enabled",
                        "rpl_semi_sync_source_wait_point", "rpl_semi_sync_source_timeout",
                        "Rpl_semi_sync_source_status"};

// MariaDB only (MySQL has no such variable): with the replica side on, STOP
// SLAVE IO_THREAD first tries to kill the source's dump thread for up to this
// many seconds (default 5), which a failover's stop_io waits against a hung
// or silent primary. Set with the replica side, to kKillConnTimeoutS.
constexpr const char* kKillConnTimeout = "rpl_semi_sync_slave_kill_conn_timeout";

std::string quoted(const char* name) { return std::string("'") + name + "'"; }

std::string in_list(protocol::Flavor flavor, std::initializer_list<const char* Names::*> fields) {
  std::string list;
  for (const Names* names : {&kMaster, &kSource}) {
    if (flavor == protocol::Flavor::mariadb && names == &kSource) continue;
    for (auto field : fields) list += (list.empty() ? "" : ",") + quoted(names->*field);
  }
  return list;
}

std::map<std::string, std::optional<std::string>> by_name(const mysql::Rows& rows) {
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& row : rows.rows) {
    if (row.size() >= 2 && row[0]) out[*row[0]] = row[1];
  }
  return out;
}

// The first of the two spellings the server has (nullopt: neither, or NULL).
std::optional<std::string> either(const std::map<std::string, std::optional<std::string>>& values,
                                  const char* Names::*field) {
  for (const Names* names : {&kMaster, &kSource}) {
    if (auto it = values.find(names->*field); it != values.end()) return it->second;
  }
  return std::nullopt;
}

// The spelling pivot sets: MariaDB's master/slave, MySQL 8.0.26's source/replica.
std::string name_of(protocol::Flavor flavor, const char* Names::*field) {
  return flavor == protocol::Flavor::mariadb ? kMaster.*field : kSource.*field;
}

}  // namespace

std::string semi_sync_variables_sql(protocol::Flavor flavor) {
  std::string list = in_list(flavor, {&Names::source, &Names::replica, &Names::wait_point, &Names::timeout});
  if (flavor == protocol::Flavor::mariadb) list += "," + quoted(kKillConnTimeout);
  return "SHOW GLOBAL VARIABLES WHERE Variable_name IN (" + list + ")";
}

std::string semi_sync_status_sql(protocol::Flavor flavor) {
  return "SHOW GLOBAL STATUS WHERE Variable_name IN (" + in_list(flavor, {&Names::status}) + ")";
}

protocol::SemiSync semi_sync_of(const mysql::Rows& variables, const mysql::Rows& status) {
  const auto v = by_name(variables);
  const auto s = by_name(status);
  protocol::SemiSync out;
  out.source = flag_of(either(v, &Names::source)).value_or(false);
  out.replica = flag_of(either(v, &Names::replica)).value_or(false);
  out.source_active = flag_of(either(s, &Names::status));
  if (auto point = either(v, &Names::wait_point)) out.wait_point = *point;
  if (auto timeout = either(v, &Names::timeout)) {
    try {
      out.timeout_ms = std::stoull(*timeout);
    } catch (const std::exception&) {
      // not a number: unknown, never guessed
    }
  }
  if (auto it = v.find(kKillConnTimeout); it != v.end() && it->second) {
    try {
      out.kill_conn_timeout_s = std::stoull(*it->second);
    } catch (const std::exception&) {
      // not a number: unknown
    }
  }
  return out;
}

SemiSyncPlan plan_semi_sync(protocol::Flavor flavor, const protocol::SemiSync& now, const SemiSyncWanted& wanted) {
  SemiSyncPlan plan;
  auto set = [&](const char* Names::*field, const std::string& value) {
    plan.statements.push_back("SET GLOBAL " + name_of(flavor, field) + " = " + value);
  };
  if (wanted.source == true) {
    // Wait point and timeout first: the side is never on with the old ones.
    if (now.wait_point != kLosslessWaitPoint) set(&Names::wait_point, kLosslessWaitPoint);
    if (wanted.timeout_ms && now.timeout_ms != static_cast<std::uint64_t>(*wanted.timeout_ms)) {
      set(&Names::timeout, std::to_string(*wanted.timeout_ms));
    }
    if (!now.source) {
      set(&Names::source, "ON");
    } else if (wanted.fresh && now.source_active != true) {
      set(&Names::source, "OFF");
      set(&Names::source, "ON");
    }
  } else if (wanted.source == false && now.source) {
    set(&Names::source, "OFF");
  }
  // Before the replica side goes on, and whenever it is kept on: the default
  // (5 s) made every failover of a hung or silent primary roll back at
  // stop_io (each STOP SLAVE IO_THREAD cut by the agent's read timeout).
  // Only where the server has it (nil: MySQL). 0 is no limit at all (the
  // stop still waited after 15 s on 10.11.19), not shorter: set too.
  if (wanted.replica == true && now.kill_conn_timeout_s &&
      *now.kill_conn_timeout_s != static_cast<std::uint64_t>(kKillConnTimeoutS)) {
    plan.statements.push_back(std::string("SET GLOBAL ") + kKillConnTimeout + " = " +
                              std::to_string(kKillConnTimeoutS));
  }
  if (wanted.replica && *wanted.replica != now.replica) {
    set(&Names::replica, *wanted.replica ? "ON" : "OFF");
    plan.replica_changed = true;
  }
  return plan;
}

protocol::ValueMap semi_sync_detail(const protocol::SemiSync& after, bool changed, bool io_restarted) {
  protocol::ValueMap d;
  d["source"] = after.source;
  d["replica"] = after.replica;
  d["source_active"] = value_of(after.source_active);
  d["wait_point"] = value_of(after.wait_point);
  d["timeout_ms"] = after.timeout_ms ? protocol::Value(static_cast<std::int64_t>(*after.timeout_ms))
                                     : protocol::Value(std::monostate{});
  d["kill_conn_timeout_s"] = after.kill_conn_timeout_s
                                 ? protocol::Value(static_cast<std::int64_t>(*after.kill_conn_timeout_s))
                                 : protocol::Value(std::monostate{});
  d["changed"] = changed;
  d["io_restarted"] = io_restarted;
  return d;
}

}  // namespace pivot::agent
