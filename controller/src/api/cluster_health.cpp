#include "pivot/controller/cluster_health.hpp"

#include "pivot/rfc3339.hpp"

namespace pivot::controller {
namespace {

// What the nodes say: one sentence per node that is not as it should be.
std::vector<std::string> node_problems(const ClusterDetail& detail) {
  std::vector<std::string> reasons;
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
  return reasons;
}

std::string rebuild_sentence(const std::string& node, const RebuildMark& mark) {
  std::string text = node + " needs rebuild: it holds ";
  text += mark.extra_count == 0 ? std::string("transactions")
                                : std::to_string(mark.extra_count) + (mark.extra_count == 1 ? " transaction" : " transactions");
  text += " the new primary lacks";
  if (!mark.extra_gtids.empty()) text += " (" + mark.extra_gtids + ")";
  if (!mark.job_id.empty()) text += " since failover " + mark.job_id;
  text += "; pivotd keeps it read-only and never a source until an operator acknowledges it rebuilt";
  return text;
}

// Why an operator must decide now: each sentence, most pressing first.
std::vector<std::string> attention_reasons(const ClusterDetail& detail) {
  const auto& failover = detail.failover;
  std::vector<std::string> reasons;
  // Left fenced by a job on purpose: nobody decides but the operator, until
  // a single writable primary is observed again.
  if (detail.attention && !detail.primary) reasons.push_back(*detail.attention);
  for (const auto& [node, mark] : failover.needs_rebuild) reasons.push_back(rebuild_sentence(node, mark));
  // The primary is gone and pivotd does not replace it (no auto_failover,
  // cooldown, the fleet's cap, no replica to confirm): the failover's
  // reasons, listed after these, say which. In a maintenance window that is
  // the window's doing (a host rebooted for its upgrade): `maintenance`
  // says so, and the reasons still tell that the primary is dead.
  if (!detail.primary && !failover.failing_over && !failover.maintenance &&
      (failover.detection == "dead" || failover.detection == "no_decision")) {
    reasons.push_back(failover.detection == "dead" ? "the primary is dead and pivotd is not failing over"
                                                   : "no writable primary and pivotd cannot decide whether the primary is dead");
  }
  return reasons;
}

}  // namespace

ClusterHealth cluster_health(const ClusterDetail& detail) {
  const auto& failover = detail.failover;
  ClusterHealth health;
  auto& reasons = health.reasons;
  const auto problems = node_problems(detail);

  if (failover.failing_over) {
    health.state = "failing_over";
    // Not last_failover: pivotd records a failover there once it ended.
    reasons.push_back("a failover of " + detail.name + " is running: its job is the cluster's last job");
  } else if (auto attention = attention_reasons(detail); !attention.empty()) {
    health.state = "needs_attention";
    reasons = std::move(attention);
  } else if (failover.maintenance) {
    health.state = "maintenance";
    const auto& window = *failover.maintenance;
    reasons.push_back("in maintenance until " + format_rfc3339_ms(window.until_ms) + ": " + window.reason +
                      (window.set_by.empty() ? "" : " (set by " + window.set_by + ")"));
  } else {
    health.state = problems.empty() ? "ok" : "degraded";
  }
  reasons.insert(reasons.end(), problems.begin(), problems.end());
  reasons.insert(reasons.end(), failover.reasons.begin(), failover.reasons.end());
  return health;
}

}  // namespace pivot::controller
