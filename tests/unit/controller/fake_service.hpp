#pragma once
// A ControllerService that answers what the test put in it and records every
// start call, so that a test can say "the fake saw no start" after a 400.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/controller_service.hpp"

namespace pivot::controller {

struct FakeStart {
  std::string kind;  // "pivot_status", "pivot", "failover" or "reopen"
  std::string cluster;
  PivotOptions options;  // candidate and idempotency_key for pivot_status too
  std::string requested_by;
};

class FakeService : public ControllerService {
 public:
  std::vector<ClusterSummary> cluster_list;
  std::map<std::string, ClusterDetail> details;
  AgentsView agent_view;
  std::vector<Job> job_list;  // newest first
  std::optional<Error> start_error;  // when set, every start fails with it
  std::string next_job = "j-1";

  std::vector<FakeStart> starts;
  std::vector<std::pair<RolloutRequest, std::string>> rollouts;  // request, requested_by
  struct JobsCall {
    std::optional<std::string> cluster;
    std::size_t limit;
  };
  std::vector<JobsCall> jobs_calls;

  std::vector<ClusterSummary> clusters() override { return cluster_list; }

  Result<ClusterDetail> cluster(const std::string& name) override {
    auto it = details.find(name);
    if (it == details.end()) return make_error("not_found", "no cluster named '" + name + "'");
    return it->second;
  }

  AgentsView agents() override { return agent_view; }

  Result<std::string> start_pivot_status(const std::string& cluster, const std::optional<std::string>& candidate,
                                         const std::string& requested_by,
                                         const std::optional<std::string>& idempotency_key,
                                         std::uint64_t wait_s = 0) override {
    PivotOptions options;
    options.candidate = candidate;
    options.idempotency_key = idempotency_key;
    options.wait_s = wait_s;
    return start("pivot_status", cluster, options, requested_by);
  }

  Result<std::string> start_pivot(const std::string& cluster, const PivotOptions& options,
                                  const std::string& requested_by) override {
    return start("pivot", cluster, options, requested_by);
  }

  Result<std::string> start_failover(const std::string& cluster, const std::optional<std::string>& candidate,
                                     const std::string& requested_by,
                                     const std::optional<std::string>& idempotency_key) override {
    PivotOptions options;
    options.candidate = candidate;
    options.idempotency_key = idempotency_key;
    return start("failover", cluster, options, requested_by);
  }

  Result<Job> job(const std::string& id) override {
    for (const auto& j : job_list) {
      if (j.id == id) return j;
    }
    return make_error("not_found", "no job '" + id + "'");
  }

  std::vector<std::pair<std::string, std::string>> cancels;  // (job, requested_by)
  std::optional<Error> cancel_error;
  Result<Job> cancel_job(const std::string& id, const std::string& requested_by) override {
    cancels.emplace_back(id, requested_by);
    if (cancel_error) return *cancel_error;
    auto found = job(id);
    if (found) found->state = JobState::cancelled;
    return found;
  }

  std::vector<Job> jobs(const std::optional<std::string>& cluster, std::size_t limit) override {
    jobs_calls.push_back({cluster, limit});
    std::vector<Job> out;
    for (const auto& j : job_list) {
      if (out.size() < limit && (!cluster || j.cluster == *cluster)) out.push_back(j);
    }
    return out;
  }

  // acknowledge, set_maintenance, end_maintenance: recorded; the cluster's
  // detail's `failover` view is answered (not_found when no detail is set).
  struct PolicyCall {
    std::string what;  // "acknowledge", "set_maintenance", "end_maintenance"
    std::string cluster;
    AcknowledgeRequest acknowledge;
    MaintenanceWindow window;
    std::string requested_by;
  };
  std::vector<PolicyCall> policy_calls;
  std::optional<Error> policy_error;  // when set, every policy call fails with it

  Result<FailoverView> acknowledge(const std::string& cluster, const AcknowledgeRequest& request,
                                   const std::string& requested_by) override {
    return policy_call({"acknowledge", cluster, request, {}, requested_by});
  }
  Result<FailoverView> set_maintenance(const std::string& cluster, const MaintenanceWindow& window,
                                       const std::string& requested_by) override {
    return policy_call({"set_maintenance", cluster, {}, window, requested_by});
  }
  Result<FailoverView> end_maintenance(const std::string& cluster, const std::string& requested_by) override {
    return policy_call({"end_maintenance", cluster, {}, {}, requested_by});
  }
  Result<std::string> start_reopen(const std::string& cluster, const std::string& requested_by,
                                   const std::optional<std::string>& idempotency_key) override {
    PivotOptions options;
    options.idempotency_key = idempotency_key;
    return start("reopen", cluster, options, requested_by);
  }

  Result<std::string> start_rollout(const RolloutRequest& request, const std::string& requested_by) override {
    rollouts.emplace_back(request, requested_by);
    if (start_error) return *start_error;
    return next_job;
  }

 private:
  Result<FailoverView> policy_call(PolicyCall call) {
    policy_calls.push_back(call);
    if (policy_error) return *policy_error;
    auto it = details.find(call.cluster);
    if (it == details.end()) return make_error("not_found", "no cluster named '" + call.cluster + "'");
    return it->second.failover;
  }
  Result<std::string> start(const std::string& kind, const std::string& cluster, const PivotOptions& options,
                            const std::string& requested_by) {
    starts.push_back({kind, cluster, options, requested_by});
    if (start_error) return *start_error;
    return next_job;
  }
};

}  // namespace pivot::controller
