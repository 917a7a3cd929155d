#pragma once
// The rollout runner: a `rollout` job (ARCHITECTURE.md, "Rollouts") starts one
// pivot job per selected cluster, in order, at most `concurrency` at once,
// each pinned with the expected_primary its selection saw.
//
// A rollout holds no worker of the job pool: one thread of its own drives
// every rollout, woken by the registry's state sink when a pivot or a rollout
// changes (and once a second, to be safe); it only starts children and reads
// their states, so a rollout of 500 clusters costs no thread per cluster.
// Its result is rewritten (and journaled) at every change: the children as
// they go, so GET /v1/jobs/{id} shows progress and a restarted pivotd can
// resume it (resume()).
//
// Locks: the sink runs under the registry's lock and only touches this
// runner's own (a leaf); the runner's thread calls the registry and the
// service without holding it.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "pivot/controller/controller_service.hpp"
#include "pivot/controller/job_registry.hpp"
#include "pivot/controller/pivot_status.hpp"
#include "pivot/controller/ports.hpp"
#include "pivot/controller/rollout_plan.hpp"
#include "pivot/result.hpp"

namespace pivot::controller {

class RolloutRunner : public JobStateSink {
 public:
  // More pivots at once than this is refused (bad_request).
  static constexpr int kMaxConcurrency = 64;
  // A resumed rollout starts its next pivot once that cluster is eligible
  // as observed again (agents reconnecting), or after this long regardless.
  static constexpr std::uint64_t kResumeGraceMs = 30000;

  // What the runner asks of pivotd's service.
  struct Ports {
    std::function<std::vector<LabeledCluster>()> clusters;
    std::function<PivotStatus(const std::string& cluster)> pivot_status;
    // A child pivot, as POST /v1/clusters/{name}/pivot would start it.
    std::function<Result<std::string>(const std::string& cluster, const std::optional<std::string>& expected_primary,
                                      const std::string& requested_by)>
        start_pivot;
  };

  // The runner adds itself to the registry's sinks.
  RolloutRunner(JobRegistry& registry, Clock& clock, Ports ports);
  ~RolloutRunner() override;

  Result<std::string> start(const RolloutRequest& request, const std::string& requested_by);
  // A rollout the journal kept running (pivotd stopped under it): continued
  // from its saved result (children it started are waited for, the rest
  // started in order, each once its cluster is eligible again as observed);
  // one saved without its request ends failed.
  void resume(const Job& job);
  // pivotd stops: no new child starts, the thread ends; every rollout stays
  // running (memory and journal) for the next start to resume. Idempotent.
  void stop();

  // JobStateSink: under the registry's lock; only wakes the thread.
  void job_state(const Job& job) override;

 private:
  struct Entry {
    std::string cluster;
    int group = 0;
    std::optional<std::string> expected_primary = {};
    std::string job = {};            // "" until started
    std::string state = "pending";   // pending, the child's job state, refused, not_started
    std::string outcome = {};        // "" until it ended: succeeded, failed, not_eligible, cancelled
    std::string error = {};
    std::string message = {};
  };
  struct Rollout {
    std::string id;
    std::string requested_by;
    RolloutRequest request;
    std::vector<Entry> entries;
    bool selected = false;            // the select step ran (pinned primaries known)
    std::string halted;               // why no new child starts (stop_on_failure)
    std::uint64_t grace_until_ms = 0;  // steady; a resumed rollout's wait for fresh primaries
  };
  // Started and not ended: one of the pivots at once.
  static bool runs(const Entry& e) { return !e.job.empty() && e.outcome.empty(); }

  void loop();
  void select(Rollout& rollout);
  // Refreshes the children, starts what may start; true once the rollout ended.
  bool advance(Rollout& rollout);
  void finish(Rollout& rollout);
  void end(const std::string& id, JobState state, Detail result);
  Detail result_of(const Rollout& rollout) const;

  JobRegistry& registry_;
  Clock& clock_;
  Ports ports_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stop_ = false;
  std::deque<Rollout> incoming_;
  std::thread thread_;

  std::vector<Rollout> active_;  // the thread's alone
};

}  // namespace pivot::controller
