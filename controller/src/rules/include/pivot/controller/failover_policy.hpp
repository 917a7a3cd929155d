#pragma once
// The policy gates of a failover (ARCHITECTURE.md, "Failover", Policy), each
// a separate pure decision with an id and a sentence, so that pivotd logs
// every decision not to fail over with its reason and shows it in `health`.
//
// Gates, in order: auto_failover, maintenance, cooldown, hourly_cap,
// no_job_in_progress. An operator's manual failover passes the first four
// (maintenance and the cooldown hold back only automatic ones, the cap counts
// only automatic ones); a job holding the cluster stops both. A manual
// failover while the primary lives is refused by detection's verdict, not here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/failover_detection.hpp"
#include "pivot/controller/pivot_status.hpp"

namespace pivot::controller {

enum class FailoverKind { automatic, manual };

struct Maintenance {
  std::uint64_t until_ms = 0;  // wall clock, ms since the epoch
  std::string reason;
};

// Times are wall-clock milliseconds since the epoch: the cooldown and the
// hourly cap outlive a pivotd restart, so the caller reads them from its
// journal, not from a steady clock.
struct FailoverPolicyInput {
  const Policy& policy;  // auto_failover, failover_cooldown_s
  FailoverKind kind = FailoverKind::automatic;
  std::uint64_t now_ms = 0;
  std::optional<Maintenance> maintenance;           // the cluster's window, if any was set
  std::optional<std::uint64_t> last_failover_ms;    // when this cluster's last failover started
  bool acknowledged = false;                        // an operator acknowledged that failover
  std::vector<std::uint64_t> fleet_auto_failovers_ms;  // start of every automatic failover, all clusters
  int max_auto_failovers_per_hour = 3;              // pivotd.yaml
  bool job_in_progress = false;                     // a pivot or failover holds the cluster
};

struct FailoverPolicy {
  FailoverKind kind = FailoverKind::automatic;
  bool allowed = false;
  std::vector<Check> gates;  // all five, in the order above
};

FailoverPolicy evaluate_failover_policy(const FailoverPolicyInput& input);

// Whether to fail over now, and every reason not to: detection's sentences
// when the primary is not dead, else each closed gate's. An automatic
// failover needs the verdict dead; a manual one is refused while the primary
// lives (healthy or degraded: "use pivot") and may go on when detection
// cannot decide. fail_over true carries detection's sentences as reasons.
struct FailoverDecision {
  bool fail_over = false;
  std::vector<std::string> reasons;
};
FailoverDecision decide_failover(const FailoverDetection& detection, const FailoverPolicy& policy);

}  // namespace pivot::controller
