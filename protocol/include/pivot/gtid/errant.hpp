#pragma once
// Errant transactions: what a replica executed that the primary never did.
// Promoting such a replica would ship them to every node, and under MariaDB's
// gtid_strict_mode they stop replication (error 1950) once the primary writes
// the same seq. The eligibility check candidate_no_errant_gtid shows these
// sentences verbatim.
//
// A replica that is merely behind has none: everything it has, the primary
// has too. After a pivot the old primary's server id (MariaDB) or uuid (MySQL)
// stays in every node's history; it is errant only where the current
// primary's history does not cover it.

#include "pivot/gtid/binlog_state.hpp"
#include "pivot/gtid/mysql_gtid_set.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pivot::gtid {

struct ErrantGtids {
  std::string gtids;   // MariaDB: the replica's last GTID of that domain and server; MySQL: "uuid[:tag]:intervals"
  std::string reason;  // one sentence for the operator

  friend bool operator==(const ErrantGtids&, const ErrantGtids&) = default;
};

// MariaDB, from gtid_binlog_state: one entry per (domain, server) the
// replica has beyond the primary. With the replica's server_id the sentence
// says when the replica wrote them itself.
std::vector<ErrantGtids> find_errant(const BinlogState& replica, const BinlogState& primary,
                                     std::optional<std::uint32_t> replica_server_id = std::nullopt);

// MySQL: replica's gtid_executed minus the primary's, one entry per source.
// With the replica's server_uuid (any case) the sentence says when the
// replica wrote them itself.
std::vector<ErrantGtids> find_errant(const MysqlGtidSet& replica_executed, const MysqlGtidSet& primary_executed,
                                     std::optional<std::string> replica_server_uuid = std::nullopt);

}  // namespace pivot::gtid
