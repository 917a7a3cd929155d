#include "pivot/agent/action_sql.hpp"

#include <algorithm>

#include "pivot/protocol/errors.hpp"

namespace pivot::agent {
namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Shows a rejected value without letting it flood a message.
std::string shown(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return "'" + out + (text.size() > 64 ? "...'" : "'");
}

void add(std::string& options, const std::string& option) { options += ", " + option; }

}  // namespace

std::string ActionSql::super_read_only() const { return mariadb() ? "" : "SELECT @@global.super_read_only"; }

std::string ActionSql::lock_wait_timeout(int seconds) const {
  return "SET SESSION lock_wait_timeout = " + std::to_string(std::max(1, seconds));
}

std::vector<std::string> ActionSql::set_read_only(bool on) const {
  if (mariadb()) return {on ? "SET GLOBAL read_only = ON" : "SET GLOBAL read_only = OFF"};
  if (on) return {"SET GLOBAL read_only = ON", "SET GLOBAL super_read_only = ON"};
  return {"SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"};
}

std::string ActionSql::replica_status() const { return mariadb() ? "SHOW ALL SLAVES STATUS" : "SHOW REPLICA STATUS"; }
std::string ActionSql::stop_replica() const { return mariadb() ? "STOP SLAVE" : "STOP REPLICA"; }
std::string ActionSql::stop_io_thread() const { return stop_replica() + " IO_THREAD"; }
std::string ActionSql::start_replica() const { return mariadb() ? "START SLAVE" : "START REPLICA"; }
std::string ActionSql::start_replica_threads(bool io, bool sql) const {
  if (io == sql) return start_replica();
  return start_replica() + (io ? " IO_THREAD" : " SQL_THREAD");
}
std::string ActionSql::reset_replica_all() const { return mariadb() ? "RESET SLAVE ALL" : "RESET REPLICA ALL"; }

std::string ActionSql::seed_gtid_slave_pos() const {
  return mariadb() ? "SET GLOBAL gtid_slave_pos = @@global.gtid_binlog_pos" : "";
}

std::string ActionSql::change_source(const SourceRequest& request, const ReplicationSettings& replication,
                                     const std::string& password, const std::optional<SourceSettings>& keep) const {
  // MariaDB's MASTER_* options and MySQL's SOURCE_* ones differ only by prefix.
  const std::string p = mariadb() ? "MASTER_" : "SOURCE_";
  std::string options = p + "HOST = " + sql_string(request.host);
  add(options, p + "PORT = " + std::to_string(request.port));
  add(options, p + "USER = " + sql_string(replication.user));
  add(options, p + "PASSWORD = " + sql_string(password));
  add(options, mariadb() ? "MASTER_USE_GTID = " + request.use_gtid : "SOURCE_AUTO_POSITION = 1");
  // The node's own retry and heartbeat when it had a source; else the config's.
  const auto retry = keep && keep->connect_retry ? *keep->connect_retry : replication.connect_retry_s;
  add(options, p + "CONNECT_RETRY = " + std::to_string(retry));
  add(options, p + "HEARTBEAT_PERIOD = " +
                   (keep && keep->heartbeat_period ? *keep->heartbeat_period
                                                   : std::to_string(replication.heartbeat_period_s)));
  if (keep) {
    add(options, p + "DELAY = " + std::to_string(keep->sql_delay));
    add(options, p + "SSL = " + std::string(keep->ssl ? "1" : "0"));
    const std::pair<const char*, const std::string*> paths[] = {
        {"SSL_CA", &keep->ssl_ca},         {"SSL_CAPATH", &keep->ssl_capath}, {"SSL_CERT", &keep->ssl_cert},
        {"SSL_KEY", &keep->ssl_key},       {"SSL_CIPHER", &keep->ssl_cipher}, {"SSL_CRL", &keep->ssl_crl},
        {"SSL_CRLPATH", &keep->ssl_crlpath}};
    for (const auto& [name, value] : paths) {
      if (!value->empty()) add(options, p + name + " = " + sql_string(*value));
    }
    add(options, p + "SSL_VERIFY_SERVER_CERT = " + std::string(keep->ssl_verify_server_cert ? "1" : "0"));
    if (keep->get_public_key && !mariadb()) {
      add(options, "GET_SOURCE_PUBLIC_KEY = " + std::string(*keep->get_public_key ? "1" : "0"));
    }
  }
  return (mariadb() ? "CHANGE MASTER TO " : "CHANGE REPLICATION SOURCE TO ") + options;
}

std::string ActionSql::wait_for_position(const std::string& position, std::chrono::milliseconds timeout) const {
  const long long ms = std::max<long long>(0, timeout.count());
  std::string fraction = std::to_string(ms % 1000);
  fraction.insert(0, 3 - fraction.size(), '0');
  const std::string seconds = std::to_string(ms / 1000) + "." + fraction;
  return std::string(mariadb() ? "SELECT MASTER_GTID_WAIT(" : "SELECT WAIT_FOR_EXECUTED_GTID_SET(") +
         sql_string(position) + ", " + seconds + ")";
}

std::string ActionSql::applied_position() const {
  return mariadb() ? "SELECT @@global.gtid_current_pos" : "SELECT @@global.gtid_executed";
}

std::string ActionSql::replicated_position() const {
  return mariadb() ? gtid_slave_pos() : applied_position();
}

// One SELECT of the variables, read_only with them: SHOW GLOBAL VARIABLES
// scans every variable (0.5-1.7 ms of server time on MariaDB 10.11 here,
// against 0.2 for the SELECT), and the fence reads these inside the
// write-blocked window (issue 22).
std::string ActionSql::positions() const {
  return mariadb() ? "SELECT @@global.gtid_binlog_pos AS gtid_binlog_pos, @@global.gtid_current_pos AS "
                     "gtid_current_pos, @@global.gtid_slave_pos AS gtid_slave_pos, @@global.read_only AS read_only"
                   : "SELECT @@global.gtid_executed AS gtid_executed, @@global.read_only AS read_only";
}

std::string sql_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    if (c == '\0') {
      out += "\\0";
      continue;
    }
    out += c;
  }
  return out + "'";
}

Result<void> check_source_host(std::string_view host) {
  const bool fits = !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
    return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == ':';
  });
  if (fits) return ok();
  return make_error(protocol::errc::bad_arg_value,
                    "change_source: arg host is " + shown(host) +
                        ": allowed are letters, digits, '.', '-', '_' and ':' (IPv6), at most 255");
}

Result<void> check_use_gtid(protocol::Flavor flavor, std::string_view use_gtid) {
  const bool mariadb = flavor == protocol::Flavor::mariadb;
  if (mariadb ? (use_gtid == "slave_pos" || use_gtid == "current_pos") : use_gtid == "auto_position") return ok();
  return make_error(protocol::errc::bad_arg_value,
                    "change_source: arg use_gtid is " + shown(use_gtid) + ", this node (" +
                        std::string(mariadb ? "MariaDB" : "MySQL") + ") takes " +
                        std::string(mariadb ? "slave_pos or current_pos" : "auto_position"));
}

Result<void> check_gtid_position(protocol::Flavor flavor, std::string_view position) {
  const bool mariadb = flavor == protocol::Flavor::mariadb;
  auto allowed = [mariadb](char c) {
    if ((c >= '0' && c <= '9') || c == '-' || c == ',' || c == ' ' || c == '\n') return true;
    return !mariadb && (is_alnum(c) || c == ':' || c == '_');  // uuid:tag:1-5
  };
  if (std::all_of(position.begin(), position.end(), allowed)) return ok();
  return make_error(protocol::errc::bad_arg_value,
                    "wait_for_position: arg position is " + shown(position) + ", not a " +
                        std::string(mariadb ? "MariaDB GTID position (0-1-100,1-2-7)" : "MySQL GTID set"));
}

std::string redact_secret(std::string message, const std::string& secret) {
  if (!secret.empty()) {
    std::string escaped = sql_string(secret);
    escaped = escaped.substr(1, escaped.size() - 2);
    // The escaped form first (it contains the raw one's prefix); the raw one
    // only when it differs, else its pass would find the secret in the mask.
    std::vector<std::string> needles{escaped};
    if (secret != escaped) needles.push_back(secret);
    for (const std::string& needle : needles) {
      static const std::string mask = "<password>";
      for (size_t at = message.find(needle); at != std::string::npos; at = message.find(needle, at + mask.size())) {
        message.replace(at, needle.size(), mask);
      }
    }
  }
  if (size_t near = message.find(" near '"); near != std::string::npos) message.erase(near);
  return message;
}

}  // namespace pivot::agent
