#pragma once
// One MariaDB GTID, `domain-server-seq`: the building block of positions
// (mariadb_position.hpp) and binlog states (binlog_state.hpp).

#include "pivot/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace pivot::gtid {

struct MariadbGtid {
  std::uint32_t domain = 0;
  std::uint32_t server_id = 0;
  std::uint64_t seq = 0;  // 0 is accepted and means "nothing in this domain yet"

  // One GTID, surrounding whitespace tolerated. Errors: bad_gtid, number_out_of_range.
  static Result<MariadbGtid> parse(std::string_view text);
  std::string to_string() const;

  friend bool operator==(const MariadbGtid&, const MariadbGtid&) = default;
};

}  // namespace pivot::gtid
