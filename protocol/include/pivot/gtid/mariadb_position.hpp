#pragma once
// A MariaDB GTID position: gtid_binlog_pos, gtid_current_pos, gtid_slave_pos,
// the argument of MASTER_GTID_WAIT. At most one GTID per replication domain.
//
// Comparison is by seq per domain: under gtid_strict_mode seq numbers only
// grow within a domain, whichever server wrote them. Two nodes at the same seq
// from different servers have diverged; the position cannot see that, the
// errant check on binlog states (errant.hpp) does.

#include "pivot/gtid/mariadb_gtid.hpp"
#include "pivot/gtid/mariadb_gtid_list.hpp"
#include "pivot/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pivot::gtid {

// parse() and from_gtids() errors: bad_gtid, number_out_of_range, duplicate_domain.
class MariadbPosition : public MariadbGtidList<MariadbPosition, detail::SlotKey::domain> {
 public:
  std::optional<MariadbGtid> find(std::uint32_t domain) const;
  std::uint64_t seq(std::uint32_t domain) const;  // 0 when the domain is absent

  // True when, for every domain of `other`, this position's seq is >= other's
  // (an absent domain counts as seq 0). Seq numbers only: see the note above.
  bool at_least(const MariadbPosition& other) const;
};

// How far `position` is behind `target` in one domain, in seq numbers: an
// upper bound of the transactions to apply (every seq of the domain, whichever
// server wrote it).
struct DomainLag {
  std::uint32_t domain = 0;
  std::uint64_t seq = 0;         // position's seq (0 if absent)
  std::uint64_t target_seq = 0;  // target's seq
  std::uint64_t behind = 0;      // target_seq - seq, > 0

  friend bool operator==(const DomainLag&, const DomainLag&) = default;
};

// The domains in which `position` is behind `target`, sorted by domain; empty
// when position.at_least(target).
std::vector<DomainLag> behind_by(const MariadbPosition& position, const MariadbPosition& target);

}  // namespace pivot::gtid
