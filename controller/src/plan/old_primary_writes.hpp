#pragma once
// What the demoted old primary committed itself after the fence (private to
// controller/src/plan): verify's check that the fence held, and that no
// client pinned to the old primary's address wrote there after the release.
// Pure: three positions in, the transactions out.

#include <string>

#include "pivot/result.hpp"
#include "pivot_plan.hpp"

namespace pivot::controller::plan {

// The old primary's transactions beyond `captured` that the new primary does
// not hold ("" when none), as the operator reads them. `old_now` must be read
// BEFORE `candidate_now`: whatever the old primary replicated from the new
// one is then in candidate_now.
// - MariaDB (gtid_binlog_pos, the last GTID per domain): a domain whose last
//   GTID on the old primary is past the captured seq and is not the new
//   primary's (another server_id, or a seq the new primary has not reached):
//   "0-1-643 (1 past 0-1-642)". Under gtid_strict_mode a later event from the
//   new primary cannot hide it: replication stops on it (error 1950) instead.
// - MySQL (gtid_executed): old_now minus candidate_now.
// Errors (bad_gtid, mixed): a position that cannot be read; the caller says so.
Result<std::string> old_primary_writes(const Position& captured, const Position& old_now,
                                       const Position& candidate_now);

}  // namespace pivot::controller::plan
