#pragma once
// What change_source carries over from the node's previous source: the delay
// of a delayed backup node, its connect retry and heartbeat period and its
// SSL settings are the node's own choices, not the new source's, so a
// repoint must not drop them. Read from the previous replica status row
// (MariaDB Master_* or MySQL Source_* columns).

#include <optional>
#include <string>

#include "pivot/agent/agent_config.hpp"
#include "pivot/agent/state_builder.hpp"

namespace pivot::agent {

struct SourceSettings {
  long long sql_delay = 0;  // s, SQL_Delay
  // Connect_Retry (s) and MariaDB's Slave_heartbeat_period ("1.000"): nil
  // when the row lacks them (MySQL shows no heartbeat there); the agent's
  // replication config then gives them.
  std::optional<long long> connect_retry;
  std::optional<std::string> heartbeat_period;
  bool ssl = false;         // *_SSL_Allowed
  std::string ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher, ssl_crl, ssl_crlpath;  // "" when unset
  bool ssl_verify_server_cert = false;
  std::optional<bool> get_public_key;  // MySQL Get_Source_public_key; nil on MariaDB
  bool operator==(const SourceSettings&) const = default;
};

// From one replica status row; columns absent or NULL keep their defaults.
SourceSettings source_settings_of(const Row& row);

// For a node without a previous source: the SSL settings of the agent's
// replication config, no delay; nullopt when the config asks for no TLS.
std::optional<SourceSettings> configured_source_settings(const ReplicationSettings& replication);

}  // namespace pivot::agent
