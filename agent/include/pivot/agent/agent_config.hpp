#pragma once
// The agent's configuration: one immutable struct, loaded from agent.yaml and
// the command line (flags override the file), validated before anything
// connects. Secrets are never in here: only the paths of the files holding them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pivot/result.hpp"

namespace pivot::agent {

struct MysqlSettings {
  std::string host;    // empty when socket is used
  uint16_t port = 3306;
  std::string socket;  // absolute path; alternative to host and port
  std::string user;
  std::string password_file;
};

// Carried into CHANGE MASTER by change_source; credentials stay on this host.
struct ReplicationSettings {
  std::string user;
  std::string password_file;
  int connect_retry_s = 1;
  int heartbeat_period_s = 1;
  // TLS for a node that has no source whose settings it keeps: an old
  // primary being demoted, a candidate pointed back after a rollback (RESET
  // REPLICA ALL forgot its own). A replica that had a source keeps that
  // source's SSL settings instead. ssl_ca (or ssl) set: MASTER_SSL=1.
  bool ssl = false;
  std::string ssl_ca = "", ssl_cert = "", ssl_key = "";  // files; "" when unset
  bool ssl_verify_server_cert = false;
};

struct ControllerEndpoints {
  std::string events;      // tcp://host:port, pivotd's SUB
  std::string commands;    // tcp://host:port, pivotd's PUB
  std::string public_key;  // file with pivotd's Z85 public key
};

struct AgentConfig {
  std::string node;
  std::string cluster;
  MysqlSettings mysql;
  ReplicationSettings replication;
  ControllerEndpoints controller;
  std::string key;  // file with this agent's Z85 secret key
  std::string state_dir = "/var/lib/pivot-agent";
  int probe_interval_ms = 250;
  int heartbeat_interval_ms = 1000;
  int probe_timeout_ms = 2000;
  std::string log_level = "info";
  bool insecure = false;  // no CURVE; loopback endpoints only
  std::string source;     // the file it came from, for messages
};

// What the command line may override; unset fields keep the file's value.
struct AgentOverrides {
  std::optional<std::string> node, cluster;
  std::optional<std::string> mysql_host, mysql_socket, mysql_user, mysql_password_file;
  std::optional<uint16_t> mysql_port;
  std::optional<std::string> replication_user, replication_password_file;
  std::optional<std::string> events, commands, key, controller_key, state_dir, log_level;
  bool insecure = false;
};

// Parses agent.yaml text. Unknown keys, wrong types and bad values are all
// reported at once, each as "FILE:LINE: key: problem" on its own line.
Result<AgentConfig> parse_agent_yaml(const std::string& text, const std::string& filename);

// Applies the command-line overrides to a parsed (or default) config.
AgentConfig apply_overrides(AgentConfig config, const AgentOverrides& overrides);

// Every problem of a complete config, each naming its key; empty when valid.
// Pure: looks at no file.
std::vector<std::string> validate_agent_config(const AgentConfig& config);

// The whole start-up path: read the file (when given), apply the overrides,
// validate, and check that the secret files named exist and are readable.
Result<AgentConfig> load_agent_config(const std::optional<std::string>& path,
                                      const AgentOverrides& overrides);

}  // namespace pivot::agent
