#include "pivot/controller/pivotd_config.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>

#include "pivot/endpoint.hpp"
#include "pivot/log.hpp"
#include "pivot/yaml_reader.hpp"

namespace pivot::controller {
namespace {

using yaml::set_if;

void check_bind(const std::string& key, const std::string& value, bool insecure, std::vector<std::string>& problems) {
  // "tcp://HOST:*" binds a free port (the bus logs which): tests and a second
  // pivotd on one host use it. The host is checked like any other.
  const bool any_port = value.size() > 2 && value.compare(value.size() - 2, 2, ":*") == 0;
  auto endpoint = parse_tcp_endpoint(any_port ? value.substr(0, value.size() - 1) + "1" : value);
  if (!endpoint) {
    problems.push_back(key + ": " + endpoint.error().message);
    return;
  }
  if (insecure && !is_loopback_host(endpoint->host)) {
    problems.push_back(key + ": --insecure (no CURVE) only binds loopback, not '" + endpoint->host + "'");
  }
}

void check_path(const std::string& key, const std::string& path, bool want_dir, std::vector<std::string>& problems) {
  std::error_code ec;
  const bool exists = want_dir ? std::filesystem::is_directory(path, ec) : std::filesystem::is_regular_file(path, ec);
  if (!exists) {
    problems.push_back(key + ": no such " + (want_dir ? "directory" : "file") + " '" + path + "'");
  } else if (::access(path.c_str(), R_OK) != 0) {
    problems.push_back(key + ": cannot read '" + path + "'");
  }
}

}  // namespace

Result<HttpAddress> parse_http_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return make_error("bad_config", "expected HOST:PORT, got '" + text + "'");
  }
  HttpAddress out;
  out.host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return make_error("bad_config", "bad port '" + port + "' in '" + text + "' (0..65535)");
  }
  out.port = static_cast<unsigned short>(value);
  return out;
}

Result<PivotdConfig> parse_pivotd_yaml(const std::string& text, const std::string& filename) {
  yaml::Problems problems(filename);
  PivotdConfig config;
  config.source = filename;
  if (auto doc = yaml::load(text, problems)) {
    yaml::MapReader top(*doc, "", problems);
    set_if(top.string("clusters_dir"), config.clusters_dir);
    set_if(top.string("state_dir"), config.state_dir);
    if (auto days = top.integer("journal_retention_days", 1, 36500)) config.journal_retention_days = static_cast<int>(*days);
    if (auto stop = top.integer("stop_timeout_s", 1, 3600)) config.stop_timeout_s = static_cast<int>(*stop);
    set_if(top.string("http"), config.http);
    set_if(top.string("events_bind"), config.events_bind);
    set_if(top.string("commands_bind"), config.commands_bind);
    set_if(top.string("key"), config.key);
    set_if(top.string("agent_keys"), config.agent_keys);
    set_if(top.string("tokens_file"), config.tokens_file);
    set_if(top.string("log_level"), config.log_level);
    set_if(top.boolean("insecure"), config.insecure);
    if (auto ms = top.integer("event_keepalive_ms", 100, 600000)) config.event_keepalive_ms = static_cast<int>(*ms);
    if (auto kib = top.integer("event_client_buffer_kib", 16, 1048576)) config.event_client_buffer_kib = static_cast<int>(*kib);
    if (auto kib = top.integer("event_history_kib", 64, 1048576)) config.event_history_kib = static_cast<int>(*kib);
    if (auto cap = top.integer("max_auto_failovers_per_hour", 0, 10000)) {
      config.max_auto_failovers_per_hour = static_cast<int>(*cap);
    }
    if (auto ms = top.integer("failover_guard_tick_ms", 10, 10000)) config.failover_guard_tick_ms = static_cast<int>(*ms);
    top.reject_unknown_keys();
  }
  if (!problems.empty()) return make_error("bad_config", problems.joined());
  return config;
}

PivotdConfig apply_overrides(PivotdConfig c, const PivotdOverrides& o) {
  set_if(o.clusters_dir, c.clusters_dir);
  set_if(o.state_dir, c.state_dir);
  set_if(o.http, c.http);
  set_if(o.events_bind, c.events_bind);
  set_if(o.commands_bind, c.commands_bind);
  set_if(o.key, c.key);
  set_if(o.agent_keys, c.agent_keys);
  set_if(o.tokens_file, c.tokens_file);
  set_if(o.log_level, c.log_level);
  if (o.insecure) c.insecure = true;
  return c;
}

std::vector<std::string> validate_pivotd_config(const PivotdConfig& c) {
  std::vector<std::string> problems;
  check_bind("events_bind", c.events_bind, c.insecure, problems);
  check_bind("commands_bind", c.commands_bind, c.insecure, problems);
  if (c.events_bind == c.commands_bind && c.events_bind.back() != '*') {
    problems.push_back("commands_bind: must differ from events_bind");
  }
  if (auto http = parse_http_address(c.http); !http) {
    problems.push_back("http: " + http.error().message);
  } else if (c.insecure && !is_loopback_host(http->host)) {
    // No tokens under --insecure: the API must not be reachable from elsewhere.
    problems.push_back("http: --insecure (no tokens) only listens on loopback, not '" + http->host + "'");
  }
  if (c.state_dir.empty() || c.state_dir.front() != '/')
    problems.push_back("state_dir: must be an absolute path, got '" + c.state_dir + "'");
  if (c.clusters_dir.empty()) problems.push_back("clusters_dir: required");
  if (!c.insecure) {
    if (c.key.empty()) problems.push_back("key: required (pivotd's CURVE secret key file) unless --insecure");
    if (c.agent_keys.empty()) problems.push_back("agent_keys: required (dir of <cluster>.<node>.pub) unless --insecure");
    if (c.tokens_file.empty()) problems.push_back("tokens_file: required unless --insecure");
  }
  if (!log::parse_level(c.log_level)) problems.push_back("log_level: unknown level '" + c.log_level + "'");
  return problems;
}

Result<PivotdConfig> load_pivotd_config(const std::optional<std::string>& path, const PivotdOverrides& overrides) {
  PivotdConfig config;
  if (path) {
    auto text = yaml::read_config_file(*path);
    if (!text) return text.error();
    auto parsed = parse_pivotd_yaml(*text, *path);
    if (!parsed) return parsed.error();
    config = std::move(parsed).value();
  }
  config = apply_overrides(std::move(config), overrides);
  auto problems = validate_pivotd_config(config);
  check_path("clusters_dir", config.clusters_dir, true, problems);
  if (!config.insecure) {
    check_path("key", config.key, false, problems);
    check_path("agent_keys", config.agent_keys, true, problems);
    check_path("tokens_file", config.tokens_file, false, problems);
  }
  if (problems.empty()) return config;
  return yaml::config_error(path, problems);
}

}  // namespace pivot::controller
