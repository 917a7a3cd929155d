#pragma once
// Internal to rules/: one function per check of ARCHITECTURE.md ("Pivot
// status"), each returning its id, verdict and the sentence the operator reads.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster_view.hpp"
#include "pivot/gtid/binlog_state.hpp"
#include "pivot/gtid/mysql_gtid_set.hpp"
#include "pivot/controller/pivot_status.hpp"
#include "pivot/result.hpp"

namespace pivot::controller::rules {

Check make_check(const char* id, bool ok, std::string detail);
// A check whose failure leaves the cluster eligible (Check::warning).
Check make_warning(const char* id, bool ok, std::string detail);

// Whole cluster (cluster_checks.cpp).
Check agents_fresh(const ClusterView& view, std::uint64_t now_ms);
Check single_writable_primary(const ClusterView& view);
Check gtid_replication(const ClusterView& view);
Check no_job_in_progress(bool job_in_progress);

// The candidate, by name (it may be absent from the spec): candidate_promotable
// through candidate_version, in order (candidate_checks.cpp).
std::vector<Check> candidate_checks(const ClusterView& view, const std::string& candidate);

// The cluster as it would be after promoting `candidate` (after_pivot_checks.cpp).
// nullptr: no candidate, both fail.
Check replicas_after_pivot(const ClusterView& view, const NodeView* candidate);
Check az_spread(const ClusterView& view, const NodeView* candidate);

// Server settings a pivot relies on, after no_job_in_progress in the API's
// order (settings_checks.cpp). candidate nullptr: no candidate, it fails.
Check gtid_strict_mode(const ClusterView& view);
Check candidate_gtid_domains(const NodeView* candidate);
Check old_primary_demotable(const ClusterView& view);
Check semi_sync_settings(const ClusterView& view);
// A warning: every replica's slave_net_timeout below policy.agent_dead_ms.
Check slave_net_timeout(const ClusterView& view);

// How far the candidate's applied GTID position is from the primary's
// (gtid_compare.cpp). Errors are sentences naming the node and the field.
struct GtidDistance {
  std::uint64_t behind = 0;  // transactions still to apply (an upper bound on MariaDB)
  std::string ahead;         // "" or what the candidate applied that the primary has not
  std::string applied;       // canonical texts, for details
  std::string primary;
};
Result<GtidDistance> gtid_distance(const NodeView& candidate, const NodeView& primary);

// The candidate's errant transactions, as one sentence each (gtid_compare.cpp).
Result<std::vector<std::string>> errant_gtids(const NodeView& candidate, const NodeView& primary);

// Everything a node holds, as its GTIDs say it: MariaDB's gtid_binlog_state
// (every domain and server it logged, so two histories that diverged at one
// seq are told apart), MySQL's gtid_executed (gtid_compare.cpp). A failover
// orders survivors by it; a catch-up source serves from its binary log.
struct GtidHoldings {
  protocol::Flavor flavor = protocol::Flavor::mariadb;
  gtid::BinlogState mariadb;
  gtid::MysqlGtidSet mysql;
};
Result<GtidHoldings> gtid_holdings(const NodeView& node);
// Whether `a` holds everything `b` holds (false across flavors).
bool holds_all(const GtidHoldings& a, const GtidHoldings& b);
// What `b` holds that `a` lacks: canonical text ("0-1-104 to 0-1-105",
// "uuid:5-7") and a transaction count (an upper bound on MariaDB).
struct GtidLack {
  std::string gtids;
  std::uint64_t count = 0;
};
GtidLack lacking(const GtidHoldings& a, const GtidHoldings& b);
// Holdings as text: the binlog state (MariaDB) or the GTID set (MySQL).
std::string holdings_text(const GtidHoldings& holdings);
// "1 transaction", "3 transactions".
std::string transactions(std::uint64_t n);

// Server versions (server_version.cpp): the numeric prefix of @@version,
// "10.11.6-MariaDB-log" -> {10, 11, 6}; nullopt when it has no digits.
std::optional<std::vector<unsigned long>> version_numbers(const std::string& version);

}  // namespace pivot::controller::rules

namespace pivot::controller::rules {

// Sentences shared by the checks and the rejected list.
std::string role_refusal(const NodeView& node);     // "db4 is a backup node: never promoted"; "" when promotable
std::string primary_refusal(const NodeView& node);  // "db1 is the current primary"

// "" when the node is up with its IO and SQL threads running, else why not
// (candidate_checks.cpp; replicas_after_pivot counts by it too).
std::string replication_problem(const NodeView& node);

// The parts of replication_problem, for the failover's rules, which judge the
// two threads apart (a running IO thread is evidence that the primary lives,
// whatever the SQL thread does). Each "" when that thread runs.
std::string no_source(const NodeView& node);  // "db3 does not replicate (no source configured)"
std::string io_thread_problem(const std::string& node, const protocol::ReplicaStatus& replica);
std::string sql_thread_problem(const std::string& node, const protocol::ReplicaStatus& replica);

// Whether `replica`'s source is `source`: its spec address, or the address
// its state reports (source_state may be nullptr: a dead primary reports
// nothing, and only its spec address is known).
bool replicates_from(const protocol::ReplicaStatus& replica, const NodeSpec& source,
                     const protocol::NodeState* source_state);
// "" when the replica `node` (state and replica set) replicates from
// `primary`, else "db3 replicates from 10.0.9.9:3306, not from the primary
// db1 (10.0.1.11:3306)".
std::string other_source(const NodeView& node, const NodeView& primary, const protocol::NodeState* primary_state);

// "" when `node` has no transaction `primary` (state set) lacks, else "db3
// has errant transactions: ..." or why it cannot be told.
std::string errant_problem(const NodeView& node, const NodeView& primary);

// An on/off server setting: "" when on, else "db3 has log_bin off" or "...
// is unknown".
std::string setting_problem(const NodeView& node, const std::optional<bool>& value, const char* name);

// The six candidate checks, all failing with `detail`, when there is no
// candidate to check.
std::vector<Check> no_candidate_checks(const std::string& detail);

}  // namespace pivot::controller::rules
