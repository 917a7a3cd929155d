#include "probe_config.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <regex>

#include <CLI/CLI.hpp>

#include "probe_report.hpp"

#ifndef PIVOT_VERSION
#define PIVOT_VERSION "unknown"
#endif

namespace pivot::tools {
namespace {

// Every rule between options; the first broken one is the message.
std::optional<std::string> invalid(const ProbeConfig& c) {
  static const std::regex identifier("[A-Za-z0-9_]{1,64}");
  if (c.nodes.empty()) return "give the cluster's nodes with --node host:port or --nodes h:p,h:p";
  for (std::size_t i = 0; i < c.nodes.size(); ++i) {
    for (std::size_t j = i + 1; j < c.nodes.size(); ++j) {
      if (c.nodes[i] == c.nodes[j]) return "node " + c.nodes[i].name() + " is given twice";
    }
  }
  if (c.proxy && !c.route_file.empty()) return "--proxy and --route exclude each other: one says where every write goes";
  for (std::size_t i = 0; c.proxy && i < c.nodes.size(); ++i) {
    if (c.nodes[i] == *c.proxy) return "--proxy " + c.proxy->name() + " is one of the nodes: give the proxy's own address";
  }
  if (c.interval_ms < 1 || c.interval_ms > 60000) return "--interval-ms must be 1..60000";
  if (c.duration_ms < 0) return "--duration-ms must be >= 0";
  if (c.settle_timeout_ms < 0) return "--settle-timeout-ms must be >= 0";
  if (c.timeout_s < 1 || c.timeout_s > 60) return "--timeout-s must be 1..60";
  if (!std::regex_match(c.database, identifier)) return "--database must match [A-Za-z0-9_]{1,64}";
  if (!std::regex_match(c.table, identifier)) return "--table must match [A-Za-z0-9_]{1,64}";
  for (const auto& [node, path] : c.sockets) {
    const bool known = std::any_of(c.nodes.begin(), c.nodes.end(), [&](const NodeAddress& n) { return n.name() == node; });
    if (!known) return "--socket " + node + "=...: " + node + " is not one of the nodes";
    if (path.empty() || path.front() != '/') return "--socket " + node + "=" + path + ": the path must be absolute";
  }
  return std::nullopt;
}

}  // namespace

std::variant<ProbeConfig, int> parse_probe_config(int argc, char** argv) {
  ProbeConfig c;
  std::vector<std::string> node_args;
  std::vector<std::string> node_lists;
  std::vector<std::string> socket_args;
  std::string proxy_arg;
  CLI::App app{
      "write_probe: writes one row per tick to every node that accepts writes (or to the node a\n"
      "route file names) and reports, as one JSON line on stdout, the write-blocked window, split\n"
      "brain, lost writes and checksums. Exit: 0 clean, 1 lost writes or split brain (or no\n"
      "writable node at the end), 2 usage, 3 could not run. See docs/write_probe.md.",
      "write_probe"};
  app.add_option("--node", node_args, "A node as host:port (repeat it)");
  app.add_option("--nodes", node_lists, "Nodes as host:port,host:port");
  app.add_option("--user", c.user, "Account that writes (no READ_ONLY ADMIN)")->capture_default_str();
  app.add_option("--password-file", c.password_file, "File holding its password (first line)");
  app.add_option("--database", c.database, "Database of the probe table")->capture_default_str();
  app.add_option("--table", c.table, "Probe table")->capture_default_str();
  app.add_option("--interval-ms", c.interval_ms, "Tick length")->capture_default_str();
  app.add_option("--duration-ms", c.duration_ms, "Stop after this long (0: on signal or stop file)")
      ->capture_default_str();
  app.add_option("--stop-file", c.stop_file, "Stop as soon as this file exists");
  app.add_option("--route", c.route_file, "Write only to the host:port on this file's last complete line, re-read every tick");
  app.add_option("--proxy", proxy_arg,
                 "HOST:PORT of a proxy in front of the nodes: every write goes there (one writer, rows named by it)");
  app.add_option("--ready-file", c.ready_file, "Create this file once writing starts");
  app.add_option("--settle-timeout-ms", c.settle_timeout_ms, "Longest wait for replicas after stopping")
      ->capture_default_str();
  app.add_option("--timeout-s", c.timeout_s, "Connect/read/write timeout of every session (whole seconds)")
      ->capture_default_str();
  app.add_option("--socket", socket_args,
                 "HOST:PORT=PATH: reach that node over its Unix socket (repeat it); the report still names HOST:PORT");
  app.add_flag("--connect-per-write", c.connect_per_write,
               "A new session for every write, closed after it (a client without a pool)");
  app.add_flag("--create-table", c.create_table, "Create the table first, on the writable node, as --admin-user");
  app.add_option("--admin-user", c.admin_user, "Account for --create-table")->capture_default_str();
  app.add_option("--admin-password-file", c.admin_password_file, "Its password file (none: empty password)");
  app.add_option("--max-listed", c.max_listed, "Longest list of lost rows or split-brain ticks in the report")
      ->capture_default_str();
  app.add_option("--log-level", c.log_level, "trace|debug|info|warn|error|off (PIVOT_LOG_LEVEL wins)");
  app.set_version_flag("--version", std::string("write_probe ") + PIVOT_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes are 100-127; ours are 0 (help, version) and 2.
    const int code = app.exit(e);
    return code == 0 ? kExitClean : kExitUsage;
  }
  for (const auto& text : node_args) node_lists.push_back(text);
  for (const auto& list : node_lists) {
    auto parsed = parse_node_list(list);
    if (!parsed) {
      std::cerr << "write_probe: " << parsed.error().message << "\n";
      return kExitUsage;
    }
    c.nodes.insert(c.nodes.end(), parsed->begin(), parsed->end());
  }
  for (const auto& text : socket_args) {
    const auto eq = text.find('=');
    if (eq == std::string::npos) {
      std::cerr << "write_probe: --socket " << text << ": expected HOST:PORT=PATH\n";
      return kExitUsage;
    }
    c.sockets[text.substr(0, eq)] = text.substr(eq + 1);
  }
  if (!proxy_arg.empty()) {
    auto proxy = parse_node_address(proxy_arg);
    if (!proxy) {
      std::cerr << "write_probe: --proxy: " << proxy.error().message << "\n";
      return kExitUsage;
    }
    c.proxy = *proxy;
  }
  if (auto why = invalid(c)) {
    std::cerr << "write_probe: " << *why << "\nRun with --help for more information.\n";
    return kExitUsage;
  }
  return c;
}

mysql::SessionOptions session_options(const ProbeConfig& config, const NodeAddress& node,
                                      const std::string& user, const std::string& password) {
  mysql::SessionOptions options;
  options.host = node.host;
  options.port = node.port;
  options.label = node.name();  // the name the report and the log use
  if (auto socket = config.sockets.find(node.name()); socket != config.sockets.end()) options.socket = socket->second;
  options.user = user;
  options.password = password;
  options.database = config.database;
  options.connect_timeout_s = config.timeout_s;
  options.read_timeout_s = config.timeout_s;
  options.write_timeout_s = config.timeout_s;
  return options;
}

Result<std::string> read_password_file(const std::string& path) {
  if (path.empty()) return std::string();
  std::ifstream in(path);
  if (!in) return make_error("password_file", "cannot read password file " + path);
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;
}

}  // namespace pivot::tools
