#pragma once
// A cluster's health as GET /v1/clusters/{name}, the event stream and the
// metrics tell it: a state and the reasons for it, read off the detail (pure:
// it carries each node's observed role and state, and what pivotd decided
// about failing over). One state, the first that holds, in this precedence:
//
//   failing_over     a failover job holds the cluster now
//   needs_attention  an operator must decide: a job left the cluster fenced
//                    with no writable primary (detail.attention), a node is
//                    marked needs_rebuild (named, with its extra GTIDs), or
//                    detection found the primary dead (or could not decide)
//                    with no writable primary, no failover running and no
//                    maintenance window (in one, pivotd holds back on purpose)
//   maintenance      a maintenance window is in force (its end and reason)
//   degraded         a node is not as it should be (the same test as
//                    ClusterSummary::healthy: one writable primary, every
//                    node fresh and up, every replica replicating)
//   ok
//
// Reasons: the state's own sentences first, then every node problem, then
// the failover view's reasons (why pivotd does not fail over, reopen or
// rejoin now: "db1's agent is silent but db2 still receives"). Those last
// never change the state by themselves: an `ok` cluster may carry them.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "pivot/controller/controller_service.hpp"

namespace pivot::controller {

struct ClusterHealth {
  std::string state;                 // one of kHealthStates
  std::vector<std::string> reasons;  // one sentence per problem; empty when ok, unless pivotd has a reason to say
};

// Every state a cluster may be in, for metrics that give each a series.
inline constexpr std::array<std::string_view, 5> kHealthStates{"ok", "degraded", "failing_over", "maintenance",
                                                               "needs_attention"};

ClusterHealth cluster_health(const ClusterDetail& detail);

}  // namespace pivot::controller
