#pragma once
// A MariaDB binlog state (gtid_binlog_state): the last GTID logged for every
// (domain, server_id) pair a node's binary log has seen. Unlike a position it
// remembers every server that ever wrote, so it survives a pivot: the old
// primary's server id stays in every node's state.

#include "pivot/gtid/mariadb_gtid.hpp"
#include "pivot/gtid/mariadb_gtid_list.hpp"
#include "pivot/gtid/mariadb_position.hpp"
#include "pivot/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pivot::gtid {

// Transactions of one (domain, server) that one state has beyond another:
// those of `server_id` with seq in (after_seq, last_seq]. The state keeps only
// the last seq per server, so the range is an upper bound: other servers may
// own some seq numbers inside it.
struct GtidRange {
  std::uint32_t domain = 0;
  std::uint32_t server_id = 0;
  std::uint64_t after_seq = 0;  // the other state's last seq for this pair, 0 if it has none
  std::uint64_t last_seq = 0;

  MariadbGtid last() const { return MariadbGtid{domain, server_id, last_seq}; }
  friend bool operator==(const GtidRange&, const GtidRange&) = default;
};

// parse() and from_gtids() errors: bad_gtid, number_out_of_range, duplicate_domain_server.
class BinlogState : public MariadbGtidList<BinlogState, detail::SlotKey::domain_server> {
 public:
  std::optional<MariadbGtid> find(std::uint32_t domain, std::uint32_t server_id) const;

  // Per domain, the GTID with the highest seq: what gtid_binlog_pos shows
  // under gtid_strict_mode.
  MariadbPosition position() const;

  // What this state has that `other` lacks, per (domain, server), sorted.
  std::vector<GtidRange> beyond(const BinlogState& other) const;
  bool covers(const BinlogState& other) const { return other.beyond(*this).empty(); }
};

}  // namespace pivot::gtid
