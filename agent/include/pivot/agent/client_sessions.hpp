#pragma once
// Which sessions kill_connections kills, decided on SHOW PROCESSLIST rows.
// Pure, so that both flavors' rows are tested as recorded.
//
// Kept alive:
//   - replication: the replica's own threads (user "system user", commands
//     Slave_IO/Slave_SQL/Slave_worker on MariaDB, Connect on MySQL) and the
//     source side's dump threads ("Binlog Dump", "Binlog Dump GTID");
//   - server threads: "Daemon" commands, the event scheduler;
//   - the agent's own sessions: every session of the agent's MySQL user (the
//     action connection, and the probe's). That account holds no data
//     privilege (docs/harness.md), so its sessions cannot write: sparing them
//     does not weaken the fence, and needs no marker the server may not keep
//     (connect attributes live in performance_schema, off by default on
//     MariaDB and not readable without a grant the agent does not have).
// Every other session is a client that may write, whatever its account.

#include <string>
#include <vector>

#include "pivot/mysql/session.hpp"

namespace pivot::agent {

struct ClientSession {
  long long id = 0;
  std::string user;
  std::string command;
};

// The sessions to kill among the processlist rows (columns Id, User, Command).
std::vector<ClientSession> client_sessions(const mysql::Rows& processlist, long long own_id,
                                           const std::string& agent_user);

}  // namespace pivot::agent
