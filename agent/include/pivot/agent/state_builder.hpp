#pragma once
// Turns the rows the probe read into a NodeState. Pure: the MySQL 8 paths are
// tested on recorded rows, since no MySQL server is installable here.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pivot/protocol/node_state.hpp"

namespace pivot::agent {

// A result row: column label -> value; SQL NULL is nullopt.
using Row = std::map<std::string, std::optional<std::string>>;

// What one probe read, statement by statement (probe_sql.hpp).
struct ProbeRows {
  std::string version;                        // @@version
  std::map<std::string, std::string> variables;  // Variable_name -> Value
  std::optional<std::string> read_only;       // @@global.read_only
  std::vector<Row> replica_status;            // one row per replication connection
  std::map<std::string, std::string> status;  // SHOW GLOBAL STATUS name -> value
};

// Fills every NodeState field the rows carry. Values that do not parse are
// left unknown and named in `problems` (the caller puts them in probe_error)
// rather than guessed at.
protocol::NodeState build_state(const ProbeRows& rows, std::vector<std::string>& problems);

// The row of the default (unnamed) replication connection, the only one pivot
// manages; nullptr when the node has none. Shared with the actions.
const Row* default_connection(const std::vector<Row>& rows);

// One replica status row (MariaDB Master_*/Slave_* or MySQL Source_*/Replica_*
// columns) as the protocol carries it.
protocol::ReplicaStatus parse_replica_status(protocol::Flavor flavor, const Row& row,
                                             std::vector<std::string>& problems);

}  // namespace pivot::agent
