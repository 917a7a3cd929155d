#pragma once
// The old primary after a failover (ARCHITECTURE.md, "Failover", the old
// primary): a pure judgement of what to do with it when its agent reports
// again, on the states pivotd observes. It never acts.
//
// On sight the old primary is kept read-only, whatever else is decided: a
// returning node that shows itself writable (or whose read_only is unknown)
// is to be made read-only at once. Then, against the new primary's state:
//   - its transactions are a subset of the new primary's: it may rejoin as a
//     replica of the new primary (the pivot's demotion: its gtid_slave_pos
//     seeded from its own gtid_binlog_pos, then CHANGE MASTER);
//   - it holds transactions the new primary lacks: needs_rebuild, with those
//     transactions named. pivotd never makes it writable or a source again
//     until an operator clears the mark, so a node once marked stays marked
//     whatever its positions say later;
//   - it already replicates from the new primary: it has rejoined.
// When either state is unknown or the GTIDs cannot be compared, nothing is
// decided beyond keeping it read-only, and the reasons say what is missing.

#include <cstdint>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/observed.hpp"

namespace pivot::controller {

enum class ReturnVerdict {
  absent,         // its agent does not report it with mysqld up: nothing to judge yet
  cannot_tell,    // it is back, but what it holds cannot be compared with the new primary's
  rejoin,         // a subset of the new primary's transactions: it may replicate from it
  rejoined,       // it already replicates from the new primary
  needs_rebuild,  // it holds transactions the new primary lacks (or an operator has not cleared the mark)
};
const char* to_string(ReturnVerdict verdict);

struct ReturnedPrimaryInput {
  const ClusterSpec& spec;
  const ClusterObservation& observed;
  std::uint64_t now_ms = 0;  // pivotd's steady clock, as ObservedNode::received_at_ms
  std::string old_primary;   // the primary the failover replaced (the journal's)
  std::string new_primary;   // the one it promoted
  // The journal holds a needs_rebuild mark on the old primary that no
  // operator has cleared: it stays needs_rebuild whatever its positions say.
  bool marked_needs_rebuild = false;
};

struct ReturnedPrimary {
  ReturnVerdict verdict = ReturnVerdict::absent;
  // Its state shows it writable, or does not say: make it read-only now,
  // before anything else (it is never left writable, whatever the verdict).
  bool make_read_only = false;
  // needs_rebuild from its positions: what it holds that the new primary
  // lacks ("0-1-104 to 0-1-105"), and how many (an upper bound on MariaDB).
  std::string extra_gtids;
  std::uint64_t extra_count = 0;
  // The verdict's sentence first, then the read-only one when it applies.
  std::vector<std::string> reasons;
};

ReturnedPrimary judge_returned_primary(const ReturnedPrimaryInput& input);

}  // namespace pivot::controller
