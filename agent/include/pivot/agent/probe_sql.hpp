#pragma once
// The SQL the probe runs, per flavor, in one place. Each statement returns
// name/value rows or one status row, so that the parsing (state_builder) is a
// pure function of recorded rows and can be tested without a server.

#include <string>

#include "pivot/protocol/node_state.hpp"

namespace pivot::agent {

struct ProbeSql {
  // Name/value rows (Variable_name, Value). SHOW ... WHERE IN returns only the
  // variables that exist, so one statement serves several server versions
  // (log_slave_updates vs log_replica_updates) without failing on either.
  std::string variables;
  // @@read_only in a statement of its own: on MariaDB a combined SELECT was
  // once seen returning 0 on a read-only server (FIELD_NOTES.md).
  std::string read_only;
  // One row per replication connection, or none.
  std::string replica_status;
  // Name/value rows of SHOW GLOBAL STATUS.
  std::string status;
};

// First statement of every connection: flavor and version from @@version.
inline constexpr const char* kVersionSql = "SELECT @@version AS version";

const ProbeSql& probe_sql(protocol::Flavor flavor);

// "10.11.6-MariaDB-0+deb12u1-log" -> mariadb; "8.0.36" -> mysql.
protocol::Flavor flavor_of_version(const std::string& version);

}  // namespace pivot::agent
