#pragma once
// What a failover says it lost (issue 16 item 2): "none" only when the dead
// primary's last state (its last report with mysqld up, as pivotd saw it)
// showed semi-sync active with wait point AFTER_SYNC under policy.durability
// semi_sync. Then every transaction it acknowledged was on a replica when
// it acknowledged it, and the failover's catch-up from the most advanced
// survivor carries it to the new primary; what the new primary lacks of the
// primary's last position (may_be_lost) was binlogged but never
// acknowledged. Otherwise "unknown": acknowledged transactions that no
// survivor received may be lost, and may_be_lost names those pivotd knows
// of. Pure.

#include <optional>
#include <string>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::controller {

struct FailoverLoss {
  std::string lost;    // "none" | "unknown"
  std::string reason;  // the sentence that says why
};

FailoverLoss failover_loss(const Policy& policy, const std::string& primary,
                           const std::optional<protocol::NodeState>& last_primary_state);

}  // namespace pivot::controller
