#pragma once
// The failover's choice (ARCHITECTURE.md, "Failover", choice and catch-up): a
// pure sorter over the survivors' observed states, taken after the plan has
// stopped every survivor's IO thread and applied its relay log.
//
// Among promotable survivors (roles primary and replica), those that cannot
// be judged, hold errant transactions, do not replicate from the dead
// primary, have a broken SQL thread, apply with a delay or lack the binary
// log are rejected with a sentence each. Of the rest, the winner is the one
// missing the fewest transactions of the most advanced survivor, then the
// highest priority, then one outside the dead primary's AZ, then by name.
// Every survivor that can be judged and has no errant transaction, backup
// and analytics nodes included, counts for "the most advanced": when one
// holds more than the winner, the winner catches up from it before it
// becomes writable. When no survivor holds everything the others hold (two
// nodes each hold what the other lacks), the choice stops for an operator:
// split brain is an operator's decision.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/controller/pivot_status.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::controller {

struct FailoverChoiceInput {
  const ClusterSpec& spec;
  const ClusterObservation& observed;
  std::uint64_t now_ms = 0;  // pivotd's steady clock
  std::string dead_primary;
  // The dead primary's last state with mysqld reachable, which pivotd keeps:
  // errant transactions are those a survivor has beyond it that the primary
  // did not write. Without it they cannot be told and the choice stops.
  std::optional<protocol::NodeState> primary_last_state;
};

struct FailoverChoice {
  std::string candidate;        // "" when the failover stops
  std::string reason;           // why this one
  std::string catch_up_from;    // "" when the candidate already holds everything any survivor holds
  std::string catch_up_reason;  // "db4 holds what db2 lacks (0-1-104 to 0-1-105): ..."
  std::vector<Rejected> rejected;  // every other spec node, with its sentence
  std::string stop;             // "" when the failover may go on, else why an operator must decide
  // For an asynchronous cluster's account of what it lost: what the dead
  // primary's last state held (gtid_binlog_state or gtid_executed), and
  // what of it no survivor holds, so that the new primary lacks it even
  // after its catch-up ("" when nothing; transactions the primary wrote
  // after that state are not known here). Set when a winner is chosen.
  std::string primary_last_gtids;
  std::string lacking_from_primary;
};

FailoverChoice choose_failover_candidate(const FailoverChoiceInput& input);

}  // namespace pivot::controller
