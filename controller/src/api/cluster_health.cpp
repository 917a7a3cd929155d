#include "pivot/controller/cluster_health.hpp"

namespace pivot::controller {

ClusterHealth cluster_health(const ClusterDetail& detail) {
  ClusterHealth health;
  auto& reasons = health.reasons;
  if (!detail.primary) reasons.push_back("no single writable primary is observed");
  for (const auto& node : detail.nodes) {
    const std::string& name = node.spec.name;
    switch (node.current) {
      case Current::down:
        reasons.push_back(name + ": mysqld is unreachable");
        break;
      case Current::unknown:
        reasons.push_back(name + (node.state ? ": no fresh state, or read-only without a source" : ": never heard from"));
        break;
      case Current::replica: {
        const auto& replica = *node.state->replica;
        if (replica.io_running != protocol::IoThread::yes || !replica.sql_running) {
          reasons.push_back(name + ": replication is not running (io " + std::string(protocol::to_string(replica.io_running)) +
                            ", sql " + (replica.sql_running ? "yes" : "no") + ")");
        }
        break;
      }
      case Current::primary:
        break;
    }
  }
  health.state = reasons.empty() ? "ok" : "degraded";
  // Left fenced by a job on purpose: nobody decides but the operator, until
  // a single writable primary is observed again.
  if (detail.attention && !detail.primary) {
    health.state = "needs_attention";
    reasons.insert(reasons.begin(), *detail.attention);
  }
  return health;
}

}  // namespace pivot::controller
