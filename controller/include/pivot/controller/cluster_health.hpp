#pragma once
// A cluster's health as the event stream and the metrics tell it: a state and
// the reasons for it, read off what GET /v1/clusters/{name} shows (pure: the
// detail carries each node's observed role and state). The same test as
// ClusterSummary::healthy: one writable primary, every node fresh and up,
// every replica replicating. The states failing_over, maintenance and
// needs_attention of ARCHITECTURE.md come with failover and maintenance.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "pivot/controller/controller_service.hpp"

namespace pivot::controller {

struct ClusterHealth {
  std::string state;                 // ok, degraded
  std::vector<std::string> reasons;  // one sentence per problem; empty when ok
};

// Every state a cluster may be in, for metrics that give each a series.
inline constexpr std::array<std::string_view, 5> kHealthStates{"ok", "degraded", "failing_over", "maintenance",
                                                               "needs_attention"};

ClusterHealth cluster_health(const ClusterDetail& detail);

}  // namespace pivot::controller
