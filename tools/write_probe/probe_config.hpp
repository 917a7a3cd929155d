#pragma once
// write_probe's command line, parsed and validated into one immutable struct
// before anything connects.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pivot/mysql/session.hpp"
#include "node_address.hpp"
#include "pivot/result.hpp"

namespace pivot::tools {

struct ProbeConfig {
  std::vector<NodeAddress> nodes;
  std::string user = "app";
  std::string password_file;  // empty: no password
  std::string database = "pivot_test";
  std::string table = "probe";
  std::int64_t interval_ms = 5;
  std::int64_t duration_ms = 0;  // 0: until SIGINT/SIGTERM or the stop file
  std::string stop_file;
  std::string route_file;
  // --proxy: every write goes to this address (a proxy in front of the
  // nodes) through one writer; the rows carry its name. The nodes are still
  // read at the end (settle, rows, checksums).
  std::optional<NodeAddress> proxy;
  std::string ready_file;        // created once the first tick is scheduled
  std::int64_t settle_timeout_ms = 10000;
  int timeout_s = 1;             // connect, read and write timeouts of every session
  bool connect_per_write = false;  // a new session for every write (a client without a pool)
  std::map<std::string, std::string> sockets;  // node "host:port" -> its Unix socket (--socket)
  bool create_table = false;
  std::string admin_user = "root";
  std::string admin_password_file;
  std::size_t max_listed = 20;
  std::string log_level;
};

// The config, or the exit code to leave with at once (0 after --help or
// --version, 2 for a usage error, already explained on stderr).
std::variant<ProbeConfig, int> parse_probe_config(int argc, char** argv);

// Session options for one node with the config's database and timeouts.
mysql::SessionOptions session_options(const ProbeConfig& config, const NodeAddress& node,
                                      const std::string& user, const std::string& password);

// The first line of a password file, without its line end. Error: password_file.
Result<std::string> read_password_file(const std::string& path);

}  // namespace pivot::tools
