// The checks about the candidate: candidate_promotable, candidate_replicating,
// candidate_lag, candidate_no_errant_gtid, candidate_binlog,
// candidate_version. Each fails with the reason when what it needs is unknown.

#include <cctype>

#include "checks.hpp"

namespace pivot::controller::rules {

namespace {

constexpr const char* kCandidateIds[] = {"candidate_promotable",     "candidate_replicating", "candidate_lag",
                                         "candidate_no_errant_gtid", "candidate_binlog",      "candidate_version"};

const char* const kNoPrimary = "there is no single writable primary to compare with";

bool same_text(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string host_port(const std::string& host, std::uint16_t port) { return host + ":" + std::to_string(port); }

Check promotable_check(const ClusterView& view, const NodeView& node) {
  if (&node == view.primary) return make_check(kCandidateIds[0], false, primary_refusal(node) + ": name a replica.");
  if (auto refusal = role_refusal(node); !refusal.empty()) return make_check(kCandidateIds[0], false, refusal + ".");
  return make_check(kCandidateIds[0], true,
                    node.name() + " is a " + to_string(node.spec->role) + " node of the spec: promotable.");
}

Check replicating_check(const ClusterView& view, const NodeView& node) {
  if (auto problem = replication_problem(node); !problem.empty())
    return make_check(kCandidateIds[1], false, problem + ".");
  if (view.primary == nullptr) {
    return make_check(kCandidateIds[1], false, "Cannot check " + node.name() + "'s source: " + kNoPrimary + ".");
  }
  const auto& primary = *view.primary;
  if (auto other = other_source(node, primary, primary.state); !other.empty())
    return make_check(kCandidateIds[1], false, other + ".");
  const auto& replica = *node.state->replica;
  return make_check(kCandidateIds[1], true,
                    node.name() + " replicates from the primary " + primary.name() + " (" +
                        host_port(replica.source_host, replica.source_port) + "), IO and SQL threads running.");
}

Check lag_check(const ClusterView& view, const NodeView& node) {
  const char* id = kCandidateIds[2];
  if (node.state == nullptr)
    return make_check(id, false, "Cannot tell how far " + node.name() + " lags: " + node.unknown + ".");
  if (!node.state->replica) return make_check(id, false, node.name() + " has no source: it has no lag to measure.");
  const auto& seconds = node.state->replica->seconds_behind;
  if (!seconds) {
    return make_check(id, false, node.name() + "'s seconds behind its source is unknown (IO thread not running).");
  }
  const auto max = static_cast<std::uint64_t>(view.policy().max_lag_seconds);
  const auto lag = node.name() + " lags " + std::to_string(*seconds) + " s (max " + std::to_string(max) + " s)";
  if (*seconds > max) return make_check(id, false, lag + ".");
  if (view.primary == nullptr)
    return make_check(id, false, lag + " but its GTID position cannot be compared: " + kNoPrimary + ".");
  auto distance = gtid_distance(node, *view.primary);
  if (!distance) return make_check(id, false, lag + " but " + distance.error().message + ".");
  const auto& d = *distance;
  const auto positions = " (" + d.applied + " vs " + d.primary + ")";
  if (!d.ahead.empty()) {
    return make_check(id, false,
                      node.name() + " has applied transactions the primary " + view.primary->name() + " has not (" +
                          d.ahead + ")" + positions + ".");
  }
  return make_check(
      id, true,
      lag + " and is " + std::to_string(d.behind) + " transactions behind " + view.primary->name() + positions + ".");
}

Check errant_check(const ClusterView& view, const NodeView& node) {
  const char* id = kCandidateIds[3];
  if (node.state == nullptr)
    return make_check(id, false, "Cannot look for errant transactions on " + node.name() + ": " + node.unknown + ".");
  if (view.primary == nullptr)
    return make_check(id, false, "Cannot look for errant transactions on " + node.name() + ": " + kNoPrimary + ".");
  if (auto problem = errant_problem(node, *view.primary); !problem.empty()) return make_check(id, false, problem + ".");
  return make_check(id, true, node.name() + " has no transaction the primary " + view.primary->name() + " lacks.");
}

Check binlog_check(const ClusterView& view, const NodeView& node) {
  const char* id = kCandidateIds[4];
  if (node.state == nullptr)
    return make_check(id, false, "Cannot check " + node.name() + "'s binary log: " + node.unknown + ".");
  const auto& s = *node.state;
  std::vector<std::string> problems;
  for (auto problem : {setting_problem(node, s.log_bin, "log_bin"),
                       setting_problem(node, s.log_replica_updates, "log_replica_updates")}) {
    if (!problem.empty()) problems.push_back(problem);
  }
  if (!s.binlog_format) {
    problems.push_back(node.name() + "'s binlog_format is unknown");
  } else if (view.primary == nullptr) {
    problems.push_back(node.name() + "'s binlog_format cannot be compared: " + kNoPrimary);
  } else if (!view.primary->state->binlog_format) {
    problems.push_back("the primary " + view.primary->name() + "'s binlog_format is unknown");
  } else if (!same_text(*s.binlog_format, *view.primary->state->binlog_format)) {
    problems.push_back(node.name() + " logs " + *s.binlog_format + " but the primary " + view.primary->name() +
                       " logs " + *view.primary->state->binlog_format);
  }
  if (!problems.empty()) return make_check(id, false, join(problems, "; ") + ".");
  return make_check(id, true,
                    node.name() + " has log_bin and log_replica_updates on and logs " + *s.binlog_format + " like " +
                        view.primary->name() + ".");
}

// Every other node of the spec will replicate from the new primary, and a
// replica must not be newer than its source.
Check version_check(const ClusterView& view, const NodeView& node) {
  const char* id = kCandidateIds[5];
  if (node.state == nullptr)
    return make_check(id, false, "Cannot tell " + node.name() + "'s version: " + node.unknown + ".");
  const auto& mine_text = node.state->version;
  const auto mine = mine_text ? version_numbers(*mine_text) : std::nullopt;
  if (!mine) return make_check(id, false, node.name() + "'s version is unknown.");
  std::vector<std::string> problems;
  for (const auto& other : view.nodes) {
    if (&other == &node) continue;
    if (other.state == nullptr) {
      problems.push_back("Cannot tell whether " + node.name() + " is as new as " + other.name() + ": " + other.unknown);
      continue;
    }
    const auto& theirs_text = other.state->version;
    const auto theirs = theirs_text ? version_numbers(*theirs_text) : std::nullopt;
    if (!theirs) {
      problems.push_back(other.name() + "'s version is unknown");
    } else if (*mine < *theirs) {
      problems.push_back(node.name() + " runs " + *mine_text + ", older than " + other.name() + " (" + *theirs_text +
                         ") which would replicate from it");
    }
  }
  if (!problems.empty()) return make_check(id, false, join(problems, ". ") + ".");
  return make_check(id, true,
                    node.name() + " runs " + *mine_text + ", not older than any of the " +
                        std::to_string(view.nodes.size() - 1) + " nodes that would replicate from it.");
}

}  // namespace

std::string role_refusal(const NodeView& node) {
  if (promotable(node.spec->role)) return "";
  return node.name() + " is " + (node.spec->role == Role::analytics ? "an " : "a ") + to_string(node.spec->role) +
         " node: never promoted";
}

std::string primary_refusal(const NodeView& node) { return node.name() + " is the current primary"; }

std::string replication_problem(const NodeView& node) {
  if (node.state == nullptr) return "Cannot tell whether " + node.name() + " replicates: " + node.unknown;
  const auto& replica = node.state->replica;
  if (!replica) return no_source(node);
  if (auto io = io_thread_problem(node.name(), *replica); !io.empty()) return io;
  return sql_thread_problem(node.name(), *replica);
}

std::string no_source(const NodeView& node) { return node.name() + " does not replicate (no source configured)"; }

std::string io_thread_problem(const std::string& node, const protocol::ReplicaStatus& replica) {
  if (replica.io_running == protocol::IoThread::yes) return "";
  const bool connecting = replica.io_running == protocol::IoThread::connecting;
  return node + "'s IO thread is " + (connecting ? "connecting" : "not running") +
         (replica.last_io_error.empty() ? "" : " (" + replica.last_io_error + ")");
}

std::string sql_thread_problem(const std::string& node, const protocol::ReplicaStatus& replica) {
  if (replica.sql_running) return "";
  return node + "'s SQL thread is stopped" + (replica.last_sql_error.empty() ? "" : " (" + replica.last_sql_error + ")");
}

bool replicates_from(const protocol::ReplicaStatus& replica, const NodeSpec& source,
                     const protocol::NodeState* source_state) {
  if (same_text(replica.source_host, source.host) && replica.source_port == source.port) return true;
  if (source_state == nullptr || !source_state->report_host) return false;
  return same_text(replica.source_host, *source_state->report_host) &&
         replica.source_port == source_state->report_port.value_or(source.port);
}

std::string other_source(const NodeView& node, const NodeView& primary, const protocol::NodeState* primary_state) {
  const auto& replica = *node.state->replica;
  if (replicates_from(replica, *primary.spec, primary_state)) return "";
  return node.name() + " replicates from " + host_port(replica.source_host, replica.source_port) +
         ", not from the primary " + primary.name() + " (" + host_port(primary.spec->host, primary.spec->port) + ")";
}

std::string errant_problem(const NodeView& node, const NodeView& primary) {
  auto errant = errant_gtids(node, primary);
  if (!errant) return "Cannot look for errant transactions: " + errant.error().message;
  if (!errant->empty()) return node.name() + " has errant transactions: " + join(*errant, "; ");
  return "";
}

std::string setting_problem(const NodeView& node, const std::optional<bool>& value, const char* name) {
  if (!value) return node.name() + "'s " + name + " is unknown";
  return *value ? "" : node.name() + " has " + name + " off";
}

std::vector<Check> no_candidate_checks(const std::string& detail) {
  std::vector<Check> checks;
  for (const char* id : kCandidateIds) checks.push_back(make_check(id, false, detail));
  return checks;
}

std::vector<Check> candidate_checks(const ClusterView& view, const std::string& candidate) {
  const auto* node = view.find(candidate);
  if (node == nullptr) {
    auto checks = no_candidate_checks("No candidate to check: " + candidate + " is not in the cluster spec.");
    checks.front().detail = candidate + " is not in the cluster spec.";
    return checks;
  }
  return {promotable_check(view, *node), replicating_check(view, *node), lag_check(view, *node),
          errant_check(view, *node),     binlog_check(view, *node),      version_check(view, *node)};
}

}  // namespace pivot::controller::rules
