#pragma once
// The SQL the actions run, per flavor, in one place (as probe_sql.hpp is for
// the probe). Pure: every statement is built from its inputs, so the MySQL
// 8.0/8.4 spellings are tested on the text they produce (no MySQL server is
// installable here) and MariaDB on real servers. MySQL spellings are those of
// 8.0.23 and later (SHOW REPLICA STATUS, CHANGE REPLICATION SOURCE TO).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pivot/agent/agent_config.hpp"
#include "pivot/agent/source_settings.hpp"
#include "pivot/protocol/node_state.hpp"
#include "pivot/result.hpp"

namespace pivot::agent {

// change_source's args, checked (check_source_host, check_use_gtid).
struct SourceRequest {
  std::string host;
  int port = 3306;
  std::string use_gtid;  // slave_pos | current_pos (MariaDB), auto_position (MySQL)
};

class ActionSql {
 public:
  explicit ActionSql(protocol::Flavor flavor) : flavor_(flavor) {}
  protocol::Flavor flavor() const { return flavor_; }
  bool mariadb() const { return flavor_ == protocol::Flavor::mariadb; }

  // Each read alone: a combined SELECT once returned a wrong read_only (FIELD_NOTES).
  std::string read_only() const { return "SELECT @@global.read_only"; }
  std::string super_read_only() const;  // "" on MariaDB, which has none
  // SET GLOBAL read_only takes the global read lock and waits for running
  // commits: bound that wait by the action's deadline, not the server's year.
  std::string lock_wait_timeout(int seconds) const;
  // MySQL: super_read_only on after read_only, off before it (it implies read_only).
  std::vector<std::string> set_read_only(bool on) const;

  std::string connection_id() const { return "SELECT CONNECTION_ID()"; }
  std::string processlist() const { return "SHOW PROCESSLIST"; }
  std::string kill(long long id) const { return "KILL CONNECTION " + std::to_string(id); }

  // SHOW ALL SLAVES STATUS: every connection, the default one picked by name.
  std::string replica_status() const;
  std::string stop_replica() const;
  // The IO thread alone: the SQL thread goes on applying the relay log.
  std::string stop_io_thread() const;
  std::string start_replica() const;
  // Only the threads asked for: a repoint starts what ran before it and no
  // more (an operator's stopped thread stays stopped). Both: start_replica().
  std::string start_replica_threads(bool io, bool sql) const;
  std::string reset_replica_all() const;
  // "" on MySQL: gtid_executed already holds what a demoted primary wrote.
  std::string seed_gtid_slave_pos() const;
  // The password is in the text: never log it, and redact (redact_secret)
  // any server message about it.
  std::string change_source(const SourceRequest& request, const ReplicationSettings& replication,
                            const std::string& password, const std::optional<SourceSettings>& keep) const;

  // Returns one integer: 0 reached; MariaDB -1, MySQL 1 when timed out.
  std::string wait_for_position(const std::string& position, std::chrono::milliseconds timeout) const;
  // The position the wait is judged on: gtid_current_pos / gtid_executed.
  std::string applied_position() const;
  // One row: the GTID variables report_position returns and read_only, each
  // labelled with its name.
  std::string positions() const;
  std::string gtid_slave_pos() const { return "SELECT @@global.gtid_slave_pos"; }
  // What replication applied: gtid_slave_pos (MariaDB; gtid_current_pos would
  // add the node's own binlog), gtid_executed (MySQL).
  std::string replicated_position() const;

 private:
  protocol::Flavor flavor_;
};

// 'text' as an SQL string literal: quote and backslash escaped (the session
// runs without NO_BACKSLASH_ESCAPES, see kSessionSqlMode), NUL as \0.
std::string sql_string(std::string_view text);
// Set once per action session so that sql_string's escaping holds whatever
// the server's global sql_mode.
inline constexpr const char* kSessionSqlMode = "SET SESSION sql_mode = ''";

// A host name or address: letters, digits, '.', '-', '_' (names), ':' (IPv6),
// at most 255 characters. Anything else is bad_arg_value: the host goes into
// CHANGE MASTER and into messages.
Result<void> check_source_host(std::string_view host);
// use_gtid must suit the flavor: auto_position is MySQL's only mode, and
// MariaDB has no auto-position (bad_arg_value).
Result<void> check_use_gtid(protocol::Flavor flavor, std::string_view use_gtid);
// The characters of a MariaDB GTID list or a MySQL GTID set (with 8.4 tags).
Result<void> check_gtid_position(protocol::Flavor flavor, std::string_view position);

// `message` with every occurrence of `secret` (raw and escaped) replaced, and
// cut before a parser's " near '...": that quotes the statement, possibly a
// piece of the password.
std::string redact_secret(std::string message, const std::string& secret);

}  // namespace pivot::agent
