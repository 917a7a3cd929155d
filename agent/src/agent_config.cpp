#include "pivot/agent/agent_config.hpp"

#include <unistd.h>

#include "pivot/endpoint.hpp"
#include "pivot/log.hpp"
#include "pivot/protocol/names.hpp"
#include "pivot/yaml_reader.hpp"

namespace pivot::agent {
namespace {

using yaml::set_if;


// An account's password lives in its own file, never in the config (which is
// world-readable on many hosts and ends up in backups and tickets).
void refuse_inline_password(yaml::MapReader& m) {
  if (m.string("password")) {
    m.problems().add(m.mark(), m.key_path("password"),
                     "a password is never written in the config: use password_file");
  }
}

void read_mysql(yaml::MapReader m, MysqlSettings& out) {
  set_if(m.string("host"), out.host);
  set_if(m.integer("port", 1, 65535), out.port);
  set_if(m.string("socket"), out.socket);
  set_if(m.string("user"), out.user);
  set_if(m.string("password_file"), out.password_file);
  refuse_inline_password(m);
  m.reject_unknown_keys();
}

void read_replication(yaml::MapReader m, ReplicationSettings& out) {
  set_if(m.string("user"), out.user);
  set_if(m.string("password_file"), out.password_file);
  set_if(m.integer("connect_retry_s", 1, 3600), out.connect_retry_s);
  set_if(m.integer("heartbeat_period_s", 0, 4294967), out.heartbeat_period_s);
  set_if(m.boolean("ssl"), out.ssl);
  set_if(m.string("ssl_ca"), out.ssl_ca);
  set_if(m.string("ssl_cert"), out.ssl_cert);
  set_if(m.string("ssl_key"), out.ssl_key);
  set_if(m.boolean("ssl_verify_server_cert"), out.ssl_verify_server_cert);
  refuse_inline_password(m);
  m.reject_unknown_keys();
}

void read_controller(yaml::MapReader m, ControllerEndpoints& out) {
  set_if(m.string("events"), out.events);
  set_if(m.string("commands"), out.commands);
  set_if(m.string("public_key"), out.public_key);
  m.reject_unknown_keys();
}

void check_endpoint(const std::string& key, const std::string& value, bool insecure,
                    std::vector<std::string>& problems) {
  if (value.empty()) {
    problems.push_back(key + ": required (tcp://HOST:PORT of pivotd)");
    return;
  }
  auto endpoint = parse_tcp_endpoint(value);
  if (!endpoint) {
    problems.push_back(key + ": " + endpoint.error().message);
    return;
  }
  if (endpoint->host == "*") problems.push_back(key + ": '*' binds, an agent connects: name pivotd's host");
  if (insecure && !is_loopback_host(endpoint->host)) {
    problems.push_back(key + ": --insecure (no CURVE) only talks to loopback, not '" +
                       endpoint->host + "'");
  }
}

void check_readable(const std::string& key, const std::string& path, std::vector<std::string>& problems) {
  if (path.empty()) return;  // validate_agent_config reports it missing
  if (::access(path.c_str(), R_OK) != 0) {
    problems.push_back(key + ": cannot read '" + path + "'");
  }
}

}  // namespace

Result<AgentConfig> parse_agent_yaml(const std::string& text, const std::string& filename) {
  yaml::Problems problems(filename);
  AgentConfig config;
  config.source = filename;
  auto doc = yaml::load(text, problems);
  if (doc) {
    yaml::MapReader top(*doc, "", problems);
    set_if(top.string("node"), config.node);
    set_if(top.string("cluster"), config.cluster);
    if (auto m = top.map("mysql")) read_mysql(*m, config.mysql);
    if (auto m = top.map("replication")) read_replication(*m, config.replication);
    if (auto m = top.map("controller")) read_controller(*m, config.controller);
    set_if(top.string("key"), config.key);
    set_if(top.string("state_dir"), config.state_dir);
    set_if(top.integer("probe_interval_ms", 10, 60000), config.probe_interval_ms);
    set_if(top.integer("heartbeat_interval_ms", 100, 60000), config.heartbeat_interval_ms);
    set_if(top.integer("probe_timeout_ms", 1000, 60000), config.probe_timeout_ms);
    set_if(top.string("log_level"), config.log_level);
    set_if(top.boolean("insecure"), config.insecure);
    top.reject_unknown_keys();
  }
  if (!problems.empty()) return make_error("bad_config", problems.joined());
  return config;
}

AgentConfig apply_overrides(AgentConfig c, const AgentOverrides& o) {
  set_if(o.node, c.node);
  set_if(o.cluster, c.cluster);
  if (o.mysql_socket) {  // a socket given on the command line replaces a TCP address
    c.mysql.socket = *o.mysql_socket;
    c.mysql.host.clear();
  }
  if (o.mysql_host) {
    c.mysql.host = *o.mysql_host;
    if (!o.mysql_socket) c.mysql.socket.clear();
  }
  set_if(o.mysql_port, c.mysql.port);
  set_if(o.mysql_user, c.mysql.user);
  set_if(o.mysql_password_file, c.mysql.password_file);
  set_if(o.replication_user, c.replication.user);
  set_if(o.replication_password_file, c.replication.password_file);
  set_if(o.events, c.controller.events);
  set_if(o.commands, c.controller.commands);
  set_if(o.controller_key, c.controller.public_key);
  set_if(o.key, c.key);
  set_if(o.state_dir, c.state_dir);
  set_if(o.log_level, c.log_level);
  if (o.insecure) c.insecure = true;
  return c;
}

std::vector<std::string> validate_agent_config(const AgentConfig& c) {
  std::vector<std::string> problems;
  auto name = [&](const std::string& key, const std::string& value) {
    if (value.empty()) {
      problems.push_back(key + ": required");
    } else if (auto valid = protocol::validate_name(value, key); !valid) {
      problems.push_back(valid.error().message);
    }
  };
  name("node", c.node);
  name("cluster", c.cluster);

  const bool has_host = !c.mysql.host.empty();
  const bool has_socket = !c.mysql.socket.empty();
  if (has_host == has_socket) {
    problems.push_back("mysql: give either host and port or socket, not " +
                       std::string(has_host ? "both" : "neither"));
  }
  if (has_socket && c.mysql.socket.front() != '/') {
    problems.push_back("mysql.socket: must be an absolute path, got '" + c.mysql.socket + "'");
  }
  if (c.mysql.user.empty()) problems.push_back("mysql.user: required");
  if (c.mysql.password_file.empty()) problems.push_back("mysql.password_file: required");
  if (c.replication.user.empty())
    problems.push_back("replication.user: required (used by change_source; --replication-user)");
  if (c.replication.password_file.empty())
    problems.push_back("replication.password_file: required (--replication-password-file)");

  check_endpoint("controller.events", c.controller.events, c.insecure, problems);
  check_endpoint("controller.commands", c.controller.commands, c.insecure, problems);
  if (!c.insecure) {
    if (c.key.empty()) problems.push_back("key: required (this agent's CURVE secret key file) unless --insecure");
    if (c.controller.public_key.empty())
      problems.push_back("controller.public_key: required (pivotd's CURVE public key file) unless --insecure");
  }
  if (c.state_dir.empty() || c.state_dir.front() != '/')
    problems.push_back("state_dir: must be an absolute path, got '" + c.state_dir + "'");
  if (c.heartbeat_interval_ms < c.probe_interval_ms)
    problems.push_back("heartbeat_interval_ms: must not be shorter than probe_interval_ms");
  if (c.probe_timeout_ms % 1000 != 0)
    problems.push_back("probe_timeout_ms: must be whole seconds (Connector/C++ timeouts are seconds), got " +
                       std::to_string(c.probe_timeout_ms));
  if (!log::parse_level(c.log_level))
    problems.push_back("log_level: unknown level '" + c.log_level + "'");
  return problems;
}

Result<AgentConfig> load_agent_config(const std::optional<std::string>& path, const AgentOverrides& overrides) {
  AgentConfig config;
  if (path) {
    auto text = yaml::read_config_file(*path);
    if (!text) return text.error();
    auto parsed = parse_agent_yaml(*text, *path);
    if (!parsed) return parsed.error();
    config = std::move(parsed).value();
  }
  config = apply_overrides(std::move(config), overrides);
  auto problems = validate_agent_config(config);
  check_readable("mysql.password_file", config.mysql.password_file, problems);
  check_readable("replication.password_file", config.replication.password_file, problems);
  if (!config.insecure) {
    check_readable("key", config.key, problems);
    check_readable("controller.public_key", config.controller.public_key, problems);
  }
  if (problems.empty()) return config;
  return yaml::config_error(path, problems);
}

}  // namespace pivot::agent
