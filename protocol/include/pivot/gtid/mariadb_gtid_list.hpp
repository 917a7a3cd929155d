#pragma once
// What MariadbPosition and BinlogState share: a sorted list of GTIDs, parsed
// from and printed to the server's text. They differ only in what counts as
// one slot: the domain (a position) or the domain and server (a binlog state).

#include "pivot/gtid/mariadb_gtid.hpp"
#include "pivot/result.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pivot::gtid {

namespace detail {

enum class SlotKey { domain, domain_server };

// "d-s-n, d-s-n, ..." in input order ("" is empty). Errors: bad_gtid, number_out_of_range.
Result<std::vector<MariadbGtid>> parse_gtid_list(std::string_view text);

// Sorts by (domain, server) and refuses two GTIDs in one slot
// (duplicate_domain or duplicate_domain_server).
Result<std::vector<MariadbGtid>> canonical_gtids(std::vector<MariadbGtid> gtids, SlotKey key);

std::string join_gtids(const std::vector<MariadbGtid>& gtids);

}  // namespace detail

template <typename Derived, detail::SlotKey Key>
class MariadbGtidList {
 public:
  // Comma-separated GTIDs, whitespace and newlines tolerated, "" is empty.
  static Result<Derived> parse(std::string_view text) {
    auto gtids = detail::parse_gtid_list(text);
    if (!gtids) return gtids.error();
    return from_gtids(std::move(gtids).value());
  }

  static Result<Derived> from_gtids(std::vector<MariadbGtid> gtids) {
    auto sorted = detail::canonical_gtids(std::move(gtids), Key);
    if (!sorted) return sorted.error();
    Derived list;
    list.gtids_ = std::move(sorted).value();
    return list;
  }

  const std::vector<MariadbGtid>& gtids() const { return gtids_; }  // sorted by domain, then server
  bool empty() const { return gtids_.empty(); }

  // Canonical text: sorted by domain then server, "," between GTIDs, no spaces.
  std::string to_string() const { return detail::join_gtids(gtids_); }

  friend bool operator==(const MariadbGtidList&, const MariadbGtidList&) = default;

 protected:
  std::vector<MariadbGtid> gtids_;
};

}  // namespace pivot::gtid
