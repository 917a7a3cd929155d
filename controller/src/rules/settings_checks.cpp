// The checks about server settings a pivot relies on (issue 12): the
// cluster's gtid_strict_mode, the candidate's GTID domains, the old primary's
// ability to become a replica, semi-sync against policy.durability, and the
// replicas' slave_net_timeout against policy.agent_dead_ms (a warning). They
// come after no_job_in_progress in the API's order, so the earlier ids keep
// their places.

#include "checks.hpp"
#include "pivot/controller/semi_sync_keeper.hpp"
#include "pivot/gtid/mariadb_position.hpp"

namespace pivot::controller::rules {

namespace {

bool is_mariadb(const NodeView& node) { return node.state->flavor == protocol::Flavor::mariadb; }

std::string domains_of(const gtid::MariadbPosition& position) {
  std::vector<std::string> domains;
  for (const auto& g : position.gtids()) domains.push_back(std::to_string(g.domain));
  return domains.empty() ? "none" : join(domains);
}

std::string or_empty(const std::string& text) { return text.empty() ? "empty" : text; }

}  // namespace

// Without strict mode a replica applies an out-of-order or duplicate GTID
// silently: the errant and lag checks compare positions that may then lie.
Check gtid_strict_mode(const ClusterView& view) {
  const char* id = "gtid_strict_mode";
  std::vector<std::string> problems, strict;
  for (const auto& node : view.nodes) {
    if (node.state == nullptr) {
      problems.push_back("Cannot tell " + node.name() + "'s gtid_strict_mode: " + node.unknown);
    } else if (!is_mariadb(node)) {
      continue;  // MySQL has no such setting: its GTIDs are checked by gtid_mode
    } else if (!node.state->gtid_strict_mode) {
      problems.push_back(node.name() + "'s gtid_strict_mode is unknown");
    } else if (!*node.state->gtid_strict_mode) {
      problems.push_back(node.name() + " runs with gtid_strict_mode off: a duplicate or out-of-order GTID would be "
                                       "applied silently");
    } else {
      strict.push_back(node.name());
    }
  }
  if (!problems.empty()) return make_check(id, false, join(problems, ". ") + ".");
  if (strict.empty()) return make_check(id, true, "No MariaDB node: gtid_strict_mode does not apply.");
  return make_check(id, true, "gtid_strict_mode is on on every MariaDB node (" + join(strict) + ").");
}

// The candidate's binlog is what every node will replicate from. A domain in
// it that its replication never applied (gtid_slave_pos lacks it) came from
// a local write or an old era: repointed replicas, whose positions lack it
// too, would be sent that whole domain, or stop with error 1236 once it is
// purged from the binlog.
Check candidate_gtid_domains(const NodeView* candidate) {
  const char* id = "candidate_gtid_domains";
  if (candidate == nullptr) return make_check(id, false, "No candidate: no GTID domains to check.");
  const auto& node = *candidate;
  if (node.state == nullptr) {
    return make_check(id, false, "Cannot check " + node.name() + "'s GTID domains: " + node.unknown + ".");
  }
  if (!node.state->flavor) return make_check(id, false, node.name() + "'s server flavor is unknown.");
  if (!is_mariadb(node)) return make_check(id, true, node.name() + " runs MySQL: its GTID set has no domains.");
  const auto& binlog_text = node.state->gtid_binlog_pos;
  const auto& applied_text = node.state->gtid_slave_pos;
  if (!binlog_text || !applied_text) {
    return make_check(id, false,
                      node.name() + "'s " + (binlog_text ? "gtid_slave_pos" : "gtid_binlog_pos") + " is unknown.");
  }
  auto binlog = gtid::MariadbPosition::parse(*binlog_text);
  auto applied = gtid::MariadbPosition::parse(*applied_text);
  if (!binlog || !applied) {
    return make_check(id, false, node.name() + "'s " + (binlog ? "gtid_slave_pos" : "gtid_binlog_pos") +
                                     " cannot be read: " + (binlog ? applied : binlog).error().message + ".");
  }
  std::vector<std::string> missing;
  for (const auto& g : binlog->gtids()) {
    if (!applied->find(g.domain)) missing.push_back(g.to_string());
  }
  const std::string positions = " (gtid_binlog_pos " + or_empty(binlog->to_string()) + ", gtid_slave_pos " +
                                or_empty(applied->to_string()) + ")";
  if (!missing.empty()) {
    return make_check(id, false,
                      node.name() + "'s binlog holds " + (missing.size() == 1 ? "a domain" : "domains") +
                          " its applied position lacks: " + join(missing) + positions +
                          ". Replicas repointed to it would be sent those domains from its first binlog, or stop "
                          "with error 1236 once they are purged.");
  }
  return make_check(id, true,
                    node.name() + "'s applied position covers every GTID domain of its binlog (" +
                        domains_of(*binlog) + ")" + positions + ".");
}

// After the pivot the old primary replicates from the candidate: it needs its
// binlog (its gtid_slave_pos is seeded from gtid_binlog_pos) and
// log_replica_updates (else it stops logging what it applies and can never
// be a source again).
Check old_primary_demotable(const ClusterView& view) {
  const char* id = "old_primary_demotable";
  if (view.primary == nullptr) {
    return make_check(id, false, "No single writable primary: there is no old primary to demote.");
  }
  const auto& node = *view.primary;
  const auto& s = *node.state;  // the primary is always a known node
  std::vector<std::string> problems;
  if (!s.log_bin) {
    problems.push_back(node.name() + "'s log_bin is unknown");
  } else if (!*s.log_bin) {
    problems.push_back(node.name() + " has no binlog (log_bin off): it has no position to replicate from");
  }
  if (!s.log_replica_updates) {
    problems.push_back(node.name() + "'s log_replica_updates is unknown");
  } else if (!*s.log_replica_updates) {
    problems.push_back(node.name() +
                       " has log_replica_updates off: as a replica it would not log what it applies and could not "
                       "be a source again");
  }
  if (s.flavor == protocol::Flavor::mariadb && !s.gtid_binlog_pos) {
    problems.push_back(node.name() + "'s gtid_binlog_pos is unknown: its replication position could not be seeded");
  }
  if (!problems.empty()) return make_check(id, false, join(problems, "; ") + ".");
  return make_check(id, true,
                    node.name() + " has log_bin and log_replica_updates on: it can replicate from the new primary" +
                        (s.gtid_binlog_pos ? ", from its own position " + or_empty(*s.gtid_binlog_pos) : "") + ".");
}

// policy.durability against what the nodes run. semi_sync: the primary's
// source side is on AND active (not fallen back to asynchronous after a
// timeout), with wait point AFTER_SYNC and a timeout of at least
// semi_sync_timeout_ms(policy), and every other promotable node has the
// replica side on, so that an acknowledged commit is on a node a failover
// can promote, and no node with the replica side on has a
// kill_conn_timeout that would stall a failover's stop_io. async: no node's
// source side is on (a primary would wait for acknowledgements the spec
// does not promise). The guard keeps the settings (semi_sync_keeper.hpp);
// this says when they are not kept.
Check semi_sync_settings(const ClusterView& view) {
  const char* id = "semi_sync_settings";
  const auto durability = view.policy().durability;
  const std::uint64_t timeout_ms = semi_sync_timeout_ms(view.policy());
  const bool semi_sync = durability == Durability::semi_sync;
  std::vector<std::string> problems;
  std::string primary_said;
  for (const auto& node : view.nodes) {
    if (node.state == nullptr) {
      problems.push_back("Cannot tell " + node.name() + "'s semi-sync settings: " + node.unknown);
      continue;
    }
    const auto& semi = node.state->semi_sync;
    if (!semi) {
      problems.push_back(node.name() + "'s semi-sync settings are unknown");
    } else if (!semi_sync) {
      if (semi->source) problems.push_back(node.name() + " has the semi-sync source side on");
    } else if (&node == view.primary) {
      const std::string& n = node.name();
      if (!semi->source) {
        problems.push_back("the primary " + n + " has the semi-sync source side off");
      } else if (!semi->source_active) {
        problems.push_back(n + "'s agent does not report whether its semi-sync source side is active (an agent older "
                           "than pivotd)");
      } else if (!*semi->source_active) {
        problems.push_back("the primary " + n + "'s semi-sync source side is not active: it fell back to asynchronous "
                           "after a timeout without an acknowledgement, so a commit acknowledged now may be on " + n +
                           " alone (it turns active again once a semi-sync replica caught up)");
      }
      if (semi->source && semi->wait_point != "AFTER_SYNC") {
        problems.push_back(n + "'s semi-sync wait point is " + semi->wait_point.value_or("unknown") +
                           ", not AFTER_SYNC (with AFTER_COMMIT a commit is visible before a replica has it)");
      }
      if (semi->source && semi->timeout_ms && *semi->timeout_ms < timeout_ms) {
        problems.push_back(n + "'s semi-sync timeout (" + std::to_string(*semi->timeout_ms) +
                           " ms) is shorter than detection plus failover (" + std::to_string(timeout_ms) + " ms)");
      }
      primary_said = n + "'s source side is active (" + semi->wait_point.value_or("?") + ", timeout " +
                     (semi->timeout_ms ? std::to_string(*semi->timeout_ms) + " ms" : "unknown") + ")";
    } else if (promotable(node.spec->role) && !semi->replica) {
      problems.push_back(node.name() + " has the semi-sync replica side off: it acknowledges nothing");
    }
    if (semi && semi_sync && promotable(node.spec->role)) {
      if (auto slow = kill_conn_timeout_drift(*semi); !slow.empty()) problems.push_back(node.name() + "'s " + slow);
    }
  }
  const std::string policy = std::string("policy.durability is ") + to_string(durability);
  if (!problems.empty()) return make_check(id, false, policy + ", but " + join(problems, "; ") + ".");
  if (!semi_sync) return make_check(id, true, policy + ": no node has the semi-sync source side on.");
  if (view.primary == nullptr) {
    return make_check(id, false, policy + ", but there is no one writable primary whose source side could be checked.");
  }
  return make_check(id, true, policy + ": " + primary_said + "; every other promotable node has the replica side on.");
}

// A replica notices a hung (not crashed) source only after slave_net_timeout
// (FIELD_NOTES: 60 s by default). Failover detection's condition B needs
// every fresh replica to have lost the primary once its agent has been
// silent for agent_dead_ms; a replica that notices later holds that back, or
// still testifies that the primary lives. A risk to a later failover, not a
// reason to refuse a pivot: a warning.
Check slave_net_timeout(const ClusterView& view) {
  const char* id = "slave_net_timeout";
  const auto dead_ms = static_cast<std::uint64_t>(view.policy().agent_dead_ms);
  const std::string limit = "agent_dead_ms (" + std::to_string(dead_ms) + " ms)";
  std::vector<std::string> late, unknown, below;
  for (const auto& node : view.nodes) {
    if (&node == view.primary) continue;
    if (node.state == nullptr) {
      unknown.push_back("Cannot tell " + node.name() + "'s slave_net_timeout: " + node.unknown);
      continue;
    }
    if (!node.state->replica) continue;  // no source: it notices nothing
    const auto& timeout = node.state->slave_net_timeout;
    const std::string seconds = timeout ? std::to_string(*timeout) + " s" : "";
    if (!timeout) {
      unknown.push_back(node.name() + "'s agent does not report slave_net_timeout (an agent older than pivotd)");
    } else if (std::uint64_t{*timeout} * 1000 >= dead_ms) {
      late.push_back(node.name() + "'s slave_net_timeout (" + seconds + ")");
    } else {
      below.push_back(node.name() + " " + seconds);
    }
  }
  std::vector<std::string> problems;
  if (!late.empty()) {
    problems.push_back(join(late, ", ") + (late.size() == 1 ? " is" : " are") + " at or above " + limit +
                       ": a dead primary is noticed by its replicas later than pivotd declares it; set it below "
                       "agent_dead_ms (a new value takes effect when the IO thread restarts)");
  }
  problems.insert(problems.end(), unknown.begin(), unknown.end());
  if (!problems.empty()) return make_warning(id, false, join(problems, ". ") + ".");
  if (below.empty()) return make_warning(id, true, "No replica: slave_net_timeout does not apply.");
  return make_warning(id, true, "Every replica's slave_net_timeout is below " + limit + ": " + join(below) + ".");
}

}  // namespace pivot::controller::rules
