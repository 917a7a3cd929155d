#pragma once
// What the REST layer asks of pivotd (controller/src/api calls it; the
// service in controller/src/service implements it; API tests use a fake).
// Every method is thread-safe and returns at once: jobs run in the background.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_marks.hpp"
#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/job.hpp"
#include "pivot/controller/latency_histogram.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/result.hpp"

namespace pivot::controller {

struct ClusterSummary {
  std::string name;
  std::map<std::string, std::string> labels;
  std::optional<std::string> primary;     // observed; nullopt when none
  bool healthy = false;                   // one writable primary, every node fresh and replicating
  std::optional<double> max_lag_s;        // largest seconds_behind among replicas; nullopt when unknown
  std::optional<std::string> last_job;    // id of the newest job on this cluster
};

struct NodeView {
  NodeSpec spec;
  Current current = Current::unknown;
  std::optional<protocol::NodeState> state;  // nil: never heard from
  std::optional<std::uint64_t> age_ms;       // since the agent's last message, pivotd's clock
};

// What pivotd decided about failing the cluster over (ARCHITECTURE.md,
// "Failover"), as GET /v1/clusters/{name} shows it beside the nodes.
struct FailoverView {
  bool auto_failover = false;  // the spec's policy
  // The last evaluation of detection: healthy, degraded, dead, no_decision.
  std::string detection = "healthy";
  // Why pivotd does not fail over, reopen or rejoin now (one sentence each;
  // empty when there is nothing to say): what `health` shows and the log said.
  std::vector<std::string> reasons = {};
  bool failing_over = false;  // a failover job holds the cluster now
  std::optional<FailoverMemo> last_failover = {};
  // Wall clock: the cooldown holds back automatic failovers until then
  // (absent once it passed or an operator acknowledged the failover).
  std::optional<std::uint64_t> cooldown_until_ms = {};
  std::optional<MaintenanceWindow> maintenance = {};  // only while it is in force
  std::map<std::string, RebuildMark> needs_rebuild = {};  // by node, until an operator clears it
};

struct ClusterDetail {
  std::string name;
  std::map<std::string, std::string> labels;
  Policy policy;
  std::optional<std::string> primary;
  std::vector<NodeView> nodes;  // in spec order
  // The cluster's last pivot ended leaving it for the operator (a recovery
  // whose node stayed silent, a rollback stopped fenced): the job and why.
  std::optional<std::string> attention = {};
  FailoverView failover = {};
};

struct AgentView {
  std::string cluster;
  std::string node;
  std::string boot_id;
  std::uint64_t last_seen_age_ms = 0;
  std::uint64_t messages = 0;
  std::uint64_t seq_gaps = 0;
};

struct AgentsView {
  std::vector<AgentView> agents;
  std::uint64_t rejected_keys = 0;       // ZAP refusals (unknown CURVE key)
  std::uint64_t rejected_messages = 0;   // undecodable, or claiming another node's name
  // Every accepted message: its ts_ms (the agent's clock) to the model updated
  // (pivotd's clock); meaningful as far as the two clocks agree.
  LatencyHistogram message_latency = {};
};

// POST /v1/clusters/{name}/acknowledge.
struct AcknowledgeRequest {
  std::string comment;  // required: why the operator says the failover is dealt with
  // Nodes marked needs_rebuild that the operator rebuilt (or checked): their
  // marks are cleared. Each must be marked (else bad_request).
  std::vector<std::string> rebuilt = {};
};

// Members have initializers so that designated initializers may name any subset.
struct PivotOptions {
  std::optional<std::string> candidate = {};
  bool dry_run = false;
  std::optional<std::string> expected_primary = {};
  std::optional<std::string> idempotency_key = {};  // Idempotency-Key header
  // > 0: the job waits up to this long for the cluster to be eligible
  // (ARCHITECTURE.md, "Waiting for eligibility"), holding nothing meanwhile.
  std::uint64_t wait_s = 0;
};

// POST /v1/rollouts (ARCHITECTURE.md, "Rollouts").
struct RolloutRequest {
  std::string selector;                      // k=v,k2!=v2; empty: bad_request
  std::optional<std::string> order_by = {};  // a label (natural order) or label=v1,v2,... (groups)
  int concurrency = 1;                       // pivots at once
  bool stop_on_failure = true;               // no new pivot after one failed or was not eligible
  bool dry_run = false;                      // every selected cluster's pivot status and plan; nothing started
  std::optional<std::string> idempotency_key = {};
};

class ControllerService {
 public:
  virtual ~ControllerService() = default;
  virtual std::vector<ClusterSummary> clusters() = 0;
  // not_found
  virtual Result<ClusterDetail> cluster(const std::string& name) = 0;
  virtual AgentsView agents() = 0;
  // Starts a job; returns its id. Errors: not_found (cluster), bad_request
  // (candidate not in the spec), conflict (a pivot or failover holds the
  // cluster), precondition_failed (expected_primary differs from the observed one).
  // wait_s > 0: the job waits up to that long for eligibility (see PivotOptions).
  virtual Result<std::string> start_pivot_status(const std::string& cluster, const std::optional<std::string>& candidate,
                                                 const std::string& requested_by,
                                                 const std::optional<std::string>& idempotency_key,
                                                 std::uint64_t wait_s = 0) = 0;
  virtual Result<std::string> start_pivot(const std::string& cluster, const PivotOptions& options,
                                          const std::string& requested_by) = 0;
  // A manual failover: the failover plan replaces a dead primary. Errors:
  // not_found, bad_request (candidate not in the spec), conflict (the
  // primary lives: "use pivot"; or a pivot or failover holds the cluster).
  virtual Result<std::string> start_failover(const std::string& cluster, const std::optional<std::string>& candidate,
                                             const std::string& requested_by,
                                             const std::optional<std::string>& idempotency_key) = 0;
  // Clears the cooldown of the cluster's last failover (an automatic failover
  // may follow at once) and the needs_rebuild marks of `rebuilt`; journaled.
  // Errors: not_found; bad_request (no comment, a node not marked).
  virtual Result<FailoverView> acknowledge(const std::string& cluster, const AcknowledgeRequest& request,
                                           const std::string& requested_by) = 0;
  // Puts the cluster in maintenance until window.until_ms (wall clock), with
  // window.reason; set_by and set_ms are the service's. No automatic
  // failover and no pivot while it lasts; a manual failover still runs.
  // Errors: not_found; bad_request (no reason, `until` not in the future).
  virtual Result<FailoverView> set_maintenance(const std::string& cluster, const MaintenanceWindow& window,
                                               const std::string& requested_by) = 0;
  // Ends the window now (none in force: the view as it is). Errors: not_found.
  virtual Result<FailoverView> end_maintenance(const std::string& cluster, const std::string& requested_by) = 0;
  // A primary that restarted read-only made writable (a `reopen` job).
  // Errors: not_found; conflict (a job holds the cluster; the reopen is
  // refused: the reasons); the job itself re-checks before it writes.
  virtual Result<std::string> start_reopen(const std::string& cluster, const std::string& requested_by,
                                           const std::optional<std::string>& idempotency_key) = 0;
  // A rollout job: one pivot per selected cluster, in order. Errors:
  // bad_request (empty or malformed selector or order_by, concurrency out of
  // range, no cluster selected, a selected cluster outside an explicit order).
  virtual Result<std::string> start_rollout(const RolloutRequest& request, const std::string& requested_by) = 0;
  // not_found
  virtual Result<Job> job(const std::string& id) = 0;
  // A pivot (or its dry run) stops before the fence, with nothing changed,
  // and ends cancelled; the job as it then stands. Errors: not_found;
  // conflict (it ended already, it began to fence, it is a pivot status or a
  // recovery).
  virtual Result<Job> cancel_job(const std::string& id, const std::string& requested_by) = 0;
  // Newest first; cluster filter when set.
  virtual std::vector<Job> jobs(const std::optional<std::string>& cluster, std::size_t limit) = 0;
};

}  // namespace pivot::controller
