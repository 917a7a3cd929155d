// The checks about the whole cluster as it is now: agents_fresh,
// single_writable_primary, gtid_replication, no_job_in_progress.

#include "checks.hpp"

namespace pivot::controller::rules {

Check make_check(const char* id, bool ok, std::string detail) { return Check{id, ok, std::move(detail)}; }

Check make_warning(const char* id, bool ok, std::string detail) {
  auto check = make_check(id, ok, std::move(detail));
  check.warning = true;
  return check;
}

Check agents_fresh(const ClusterView& view, std::uint64_t now_ms) {
  const auto limit = static_cast<std::uint64_t>(view.policy().agent_fresh_ms);
  std::vector<std::string> problems;
  for (const auto& node : view.nodes) {
    // A reachable or unreachable mysqld both count as a fresh agent: this
    // check is about hearing from the agents, not about mysqld.
    const bool fresh = node.observed != nullptr && node.observed->state && age_ms(*node.observed, now_ms) <= limit;
    if (!fresh) problems.push_back(node.unknown);
  }
  if (!problems.empty()) return make_check("agents_fresh", false, join(problems, "; ") + ".");
  return make_check(
      "agents_fresh", true,
      "All " + std::to_string(view.nodes.size()) + " agents reported within " + std::to_string(limit) + " ms.");
}

// Exactly one writable node, and it has no source. A node whose writability
// is unknown (agent silent, read_only nil) fails the check; a node whose
// mysqld is down takes no writes and is not counted.
Check single_writable_primary(const ClusterView& view) {
  std::vector<std::string> writable, unknown;
  for (const auto& node : view.nodes) {
    if (node.current == Current::down) continue;
    if (node.state == nullptr) {
      unknown.push_back("Cannot tell whether " + node.name() + " is writable: " + node.unknown);
    } else if (!node.state->read_only) {
      unknown.push_back("Cannot tell whether " + node.name() + " is writable: its read_only is unknown");
    } else if (!*node.state->read_only) {
      writable.push_back(node.name());
    }
  }
  std::vector<std::string> problems;
  if (writable.empty()) {
    problems.push_back(unknown.empty() ? "No node is writable: the cluster has no primary"
                                       : "No node is known to be writable");
  } else if (writable.size() > 1) {
    problems.push_back(std::to_string(writable.size()) + " nodes are writable: " + join(writable));
  } else if (view.primary == nullptr || view.primary->name() != writable.front()) {
    // The only writable node is not the observed primary: it has a source.
    const auto& source = view.find(writable.front())->state->replica;
    problems.push_back(writable.front() + " is the only writable node but it replicates from " +
                       (source ? source->source_host + ":" + std::to_string(source->source_port) : "a source"));
  }
  problems.insert(problems.end(), unknown.begin(), unknown.end());
  if (!problems.empty()) return make_check("single_writable_primary", false, join(problems, ". ") + ".");
  return make_check("single_writable_primary", true, writable.front() + " is the only writable node.");
}

// Every replica positions itself by GTID. Nodes without a source (the
// primary, a stopped node) have nothing to judge; a node we cannot see fails
// the check, since a non-GTID cluster must be refused, not guessed at.
Check gtid_replication(const ClusterView& view) {
  std::vector<std::string> problems, gtid_replicas;
  for (const auto& node : view.nodes) {
    if (&node == view.primary) continue;
    if (node.state == nullptr) {
      problems.push_back("Cannot tell whether " + node.name() + " replicates with GTID: " + node.unknown);
    } else if (node.state->replica && node.state->replica->using_gtid == protocol::GtidMode::no) {
      problems.push_back(node.name() + " replicates by binlog file and position, not GTID");
    } else if (node.state->replica) {
      gtid_replicas.push_back(node.name() + " (" + std::string(protocol::to_string(node.state->replica->using_gtid)) +
                              ")");
    }
  }
  if (problems.empty() && gtid_replicas.empty())
    problems.push_back("No node replicates: cannot tell whether the cluster uses GTID");
  if (!problems.empty()) return make_check("gtid_replication", false, join(problems, ". ") + ".");
  return make_check("gtid_replication", true, "Every replica uses GTID: " + join(gtid_replicas) + ".");
}

Check no_job_in_progress(bool job_in_progress) {
  if (job_in_progress) return make_check("no_job_in_progress", false, "A pivot or failover holds the cluster.");
  return make_check("no_job_in_progress", true, "No pivot or failover holds the cluster.");
}

}  // namespace pivot::controller::rules
