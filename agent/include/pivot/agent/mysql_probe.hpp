#pragma once
// MysqlProbe: reads the local server's whole state over its own connection.
// Blocking (Connector/C++ calls cannot be cancelled), so it runs on a worker
// thread, never on the event loop. On failure it reconnects with backoff and
// reports the server unreachable with the reason, never a stale state.

#include <chrono>
#include <optional>
#include <string>

#include "pivot/agent/state_builder.hpp"
#include "pivot/mysql/session.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::agent {

class MysqlProbe {
 public:
  MysqlProbe(mysql::SessionOptions options, std::string cluster, std::string node, std::string agent_version);

  // One full read. Call from a single thread that holds a mysql::ThreadScope.
  protocol::NodeState probe();

 private:
  Result<ProbeRows> read_rows();
  protocol::NodeState unreachable(const std::string& why) const;

  mysql::SessionOptions options_;
  std::string cluster_, node_, agent_version_;
  std::optional<mysql::Session> session_;
  std::optional<protocol::Flavor> flavor_;  // kept across reconnects, for the controller
  std::chrono::steady_clock::time_point next_connect_{};
  std::chrono::milliseconds backoff_{0};
  std::string last_error_;
};

}  // namespace pivot::agent
