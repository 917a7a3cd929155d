#pragma once
// What a node wrote beyond a captured position (private to controller/src/plan).
// The exact rollback asks it of a candidate whose switch to writable may have
// run (ARCHITECTURE.md, "Rollback is exact"). Built on old_primary_writes
// (verify's check of the demoted old primary), with the captured position as
// all that any other node holds. Pure: two positions in, the transactions out.

#include <string>

#include "pivot/result.hpp"
#include "pivot_plan.hpp"

namespace pivot::controller::plan {

// The GTIDs of `now` that `captured` does not cover, as the operator reads
// them ("" when none):
// - MariaDB (gtid_binlog_pos, one GTID per domain): for each domain whose seq
//   in `now` is past the captured one, now's last GTID of that domain and how
//   many seq numbers lie beyond: "0-2-102 (2 past 0-1-100)"; a domain the
//   captured position lacks counts from 0.
// - MySQL (gtid_executed sets): now minus captured, "uuid:101-102".
// Errors (bad_gtid, mixed): a position that cannot be read, or positions of
// two flavors; the caller must then assume the worst.
Result<std::string> transactions_beyond(const Position& captured, const Position& now);

}  // namespace pivot::controller::plan
