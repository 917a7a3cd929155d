#pragma once
// Parsing one GTID out of a larger text, so that errors give its offset there.

#include "list_text.hpp"
#include "pivot/gtid/mariadb_gtid.hpp"
#include "pivot/result.hpp"

namespace pivot::gtid::detail {

// Errors: bad_gtid, number_out_of_range.
Result<MariadbGtid> parse_gtid(const Piece& piece);

}  // namespace pivot::gtid::detail
