#include "pivot/agent/client_sessions.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace pivot::agent {
namespace {

// Commands of threads that are not a client's: replication on either side,
// and the server's own background threads.
constexpr std::array<std::string_view, 6> kServerCommands{"Binlog Dump", "Binlog Dump GTID", "Slave_IO",
                                                          "Slave_SQL",   "Slave_worker",     "Daemon"};
// Users the server gives its own threads.
constexpr std::array<std::string_view, 2> kServerUsers{"system user", "event_scheduler"};

template <size_t N>
bool among(const std::array<std::string_view, N>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::vector<ClientSession> client_sessions(const mysql::Rows& processlist, long long own_id,
                                           const std::string& agent_user) {
  std::vector<ClientSession> out;
  for (size_t i = 0; i < processlist.rows.size(); ++i) {
    auto row = processlist.record(i);
    ClientSession session;
    try {
      session.id = std::stoll(row["Id"].value_or(""));
    } catch (const std::exception&) {
      continue;  // not a session row
    }
    session.user = row["User"].value_or("");
    session.command = row["Command"].value_or("");
    if (session.id == own_id || session.user == agent_user) continue;
    if (among(kServerUsers, session.user) || among(kServerCommands, session.command)) continue;
    out.push_back(std::move(session));
  }
  return out;
}

}  // namespace pivot::agent
