#pragma once
// Pivot status (eligibility): a pure function of the spec, the observed states,
// the time and whether a job holds the cluster (ARCHITECTURE.md, "Pivot
// status"). Decisions explain themselves: every check has an id and a detail,
// every rejected candidate a sentence.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/observed.hpp"

namespace pivot::controller {

// ids: agents_fresh, single_writable_primary, gtid_replication,
// candidate_promotable, candidate_replicating, candidate_lag,
// candidate_no_errant_gtid, candidate_binlog, candidate_version,
// replicas_after_pivot, az_spread, no_job_in_progress, gtid_strict_mode,
// candidate_gtid_domains, old_primary_demotable, semi_sync_settings,
// slave_net_timeout (in that order: the last five came later and were added
// at the end, so that the earlier ids keep their places).
//
// A warning (slave_net_timeout) is a check like the others, but failing it
// leaves the cluster eligible: it names a risk to a later failover, not a
// reason to refuse this pivot.
struct Check {
  std::string id;
  bool ok = false;
  std::string detail;    // a sentence the operator reads verbatim
  bool warning = false;  // failing, it does not make the cluster ineligible
  bool operator==(const Check&) const = default;
};

struct Rejected {
  std::string node;
  std::string reason;  // "db4 is a backup node"
  bool operator==(const Rejected&) const = default;
};

struct PivotStatusInput {
  const ClusterSpec& spec;
  const ClusterObservation& observed;
  std::uint64_t now_ms = 0;                // pivotd's steady clock
  bool job_in_progress = false;            // a pivot or failover holds the cluster
  std::optional<std::string> candidate;    // named by the operator; else chosen
};

struct PivotStatus {
  bool eligible = false;  // every check ok, warnings aside
  std::string primary;           // the observed primary; "" when there is none
  std::string candidate;         // named or chosen; "" when none could be chosen
  std::string candidate_reason;  // why this one ("named by the operator", "least lag, priority 10, ...")
  std::vector<Rejected> rejected;  // every other node of the spec, with its reason
  std::vector<Check> checks;       // all of them, in the documented order
  const Check* find(const std::string& id) const;
};

PivotStatus evaluate_pivot_status(const PivotStatusInput& input);

// Every check's id in the documented order: evaluate_pivot_status returns
// these for any input (without a candidate, each candidate check fails with
// the reason), so they are read off an empty cluster, not kept as a second
// list. For tests and fakes that must name real checks.
std::vector<std::string> pivot_check_ids();

}  // namespace pivot::controller
