#include "pivot/controller/pivot_service.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "pivot/controller/api_errors.hpp"
#include "pivot/controller/pivot_status_detail.hpp"
#include "pivot/controller/failover_detection.hpp"
#include "pivot/controller/failover_executor.hpp"
#include "pivot/controller/pivot_executor.hpp"
#include "pivot/log.hpp"

namespace pivot::controller {
namespace {

// How long a recovered job waits for the nodes it needs to answer, at least.
constexpr int kRecoveryWaitMs = 10000;

auto logger() {
  static auto l = log::get("pivotd.jobs");
  return l;
}

// The executor's view of the model, its progress sink and its hold, for one job.
class JobPorts : public ClusterSource, public JobObserver, public JobLock {
 public:
  JobPorts(PivotService& service, JobRegistry& registry, std::string job_id)
      : service_(service), registry_(registry), job_id_(std::move(job_id)) {}
  PivotStatus pivot_status(const std::string& cluster, const std::optional<std::string>& candidate) override {
    return service_.pivot_status_for(cluster, candidate, job_id_);
  }
  void step_started(const std::string& job_id, const JobStep& step) override { registry_.record_step(job_id, step); }
  void step_finished(const std::string& job_id, const JobStep& step) override { registry_.record_step(job_id, step); }
  ObservedCluster snapshot(const std::string& cluster, const std::vector<std::string>& fresh, std::uint64_t after_ms,
                           std::uint64_t timeout_ms) override {
    return service_.snapshot_for(cluster, fresh, after_ms, timeout_ms);
  }
  bool holds(const std::string& cluster, const std::string& job_id) override { return registry_.holds(cluster, job_id); }
  bool commits(const std::string& cluster, const std::string& job_id) override {
    return registry_.commits(cluster, job_id);
  }

 private:
  PivotService& service_;
  JobRegistry& registry_;
  std::string job_id_;
};

nlohmann::json or_null(const std::optional<std::string>& value) { return value ? nlohmann::json(*value) : nlohmann::json(); }

// A POST as an Idempotency-Key remembers it: the route and the body as read
// (every field, defaults included, so that {} and {"dry_run": false} agree).
std::string describe_request(const std::string& cluster, const std::string& route, const nlohmann::json& body) {
  return "POST /v1/clusters/" + cluster + "/" + route + " " + body.dump();
}

Result<void> check_candidate(const ClusterSpec& spec, const std::optional<std::string>& candidate) {
  if (candidate && !spec.find(*candidate)) {
    return make_error(api_error::bad_request, "candidate '" + *candidate + "' is not a node of cluster '" + spec.name + "'");
  }
  return ok();
}

}  // namespace

PivotService::PivotService(AgentPort& agents, HookRunner& hooks, Clock& clock, std::uint64_t epoch)
    : agents_(agents), hooks_(hooks), clock_(clock), epoch_(epoch), started_ms_(clock.steady_ms()),
      registry_(clock, epoch, kJobsKept) {}

PivotService::~PivotService() { wait_idle(); }

void PivotService::set_specs(std::map<std::string, ClusterSpec> specs) { model_.set_specs(std::move(specs)); }

void PivotService::set_agents_source(std::function<AgentsView()> source) { agents_source_ = std::move(source); }

void PivotService::on_message(const protocol::Message& message, std::uint64_t received_at_ms) {
  // The journal keeps each cluster's primary as seen (for the recovery after a
  // crash): written when it changes, not per message, outside the model's lock.
  if (auto change = model_.on_message(message, received_at_ms)) {
    registry_.journal().primary_observed(change->cluster, change->primary, clock_.wall_ms());
  }
}

// Lock order: the registry's, then the model's (admission reads the model
// under the registry's lock), never the other way: last_job is filled in here,
// after the model's lock is released.
std::vector<ClusterSummary> PivotService::clusters() {
  auto out = model_.clusters(clock_.steady_ms());
  for (auto& summary : out) summary.last_job = registry_.last_job_of(summary.name);
  return out;
}

Result<ClusterDetail> PivotService::cluster(const std::string& name) {
  auto detail = model_.cluster(name, clock_.steady_ms());
  if (!detail) return make_error(api_error::not_found, "no cluster '" + name + "' is loaded");
  detail->attention = registry_.attention_of(name);
  return std::move(*detail);
}

AgentsView PivotService::agents() { return agents_source_ ? agents_source_() : AgentsView{}; }

PivotStatus PivotService::pivot_status_for(const std::string& cluster, const std::optional<std::string>& candidate,
                                           const std::string& holder) {
  const auto held = registry_.holder(cluster);
  return model_.pivot_status(cluster, candidate, clock_.steady_ms(), held && *held != holder);
}

ObservedCluster PivotService::snapshot_for(const std::string& cluster, const std::vector<std::string>& fresh,
                                           std::uint64_t after_ms, std::uint64_t timeout_ms) {
  auto out = model_.snapshot(cluster, fresh, after_ms, clock_.steady_ms() + timeout_ms, [this] { return clock_.steady_ms(); });
  out.observing_since_ms = started_ms_;
  return out;
}

Result<std::string> PivotService::start_pivot_status(const std::string& cluster,
                                                     const std::optional<std::string>& candidate,
                                                     const std::string& requested_by,
                                                     const std::optional<std::string>& idempotency_key) {
  const auto spec = model_.spec(cluster);
  JobRegistry::Admission admission{.kind = JobKind::pivot_status,
                                   .cluster = cluster,
                                   .requested_by = requested_by,
                                   .idempotency_key = idempotency_key,
                                   .request = describe_request(cluster, "pivot-status", {{"candidate", or_null(candidate)}})};
  auto admitted = registry_.admit(admission, [&]() -> Result<void> {
    if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
    return check_candidate(*spec, candidate);
  });
  if (!admitted) return admitted.error();
  const std::string id = admitted->job_id;
  if (admitted->replayed) return id;
  log::event(*logger(), spdlog::level::info, {.cluster = cluster, .job = id}, "pivot status requested by {}",
             requested_by);
  run(id, [this, id, cluster, candidate] {
    registry_.finish(id, JobState::succeeded, detail_of(pivot_status_for(cluster, candidate, "")));
  });
  return id;
}

Result<std::string> PivotService::start_pivot(const std::string& cluster, const PivotOptions& options,
                                              const std::string& requested_by) {
  const auto spec = model_.spec(cluster);
  JobRegistry::Admission admission{.kind = JobKind::pivot,
                                   .cluster = cluster,
                                   .requested_by = requested_by,
                                   .dry_run = options.dry_run,
                                   .holds = !options.dry_run,
                                   .idempotency_key = options.idempotency_key,
                                   .request = describe_request(cluster, "pivot",
                                                               {{"candidate", or_null(options.candidate)},
                                                                {"dry_run", options.dry_run},
                                                                {"expected_primary", or_null(options.expected_primary)}})};
  auto admitted = registry_.admit(
      admission,
      [&]() -> Result<void> {
        if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
        return check_candidate(*spec, options.candidate);
      },
      [&]() -> Result<void> {
        if (!options.expected_primary) return ok();
        const auto primary = model_.primary(cluster, clock_.steady_ms());
        if (primary == options.expected_primary) return ok();
        return make_error(api_error::precondition_failed, "expected primary '" + *options.expected_primary +
                                                              "' but the observed primary is " +
                                                              (primary ? "'" + *primary + "'" : "none"));
      });
  if (!admitted) return admitted.error();
  const std::string id = admitted->job_id;
  if (admitted->replayed) return id;
  log::event(*logger(), spdlog::level::info, {.cluster = cluster, .job = id}, "{} requested by {}",
             options.dry_run ? "pivot dry run" : "pivot", requested_by);
  PivotJobInput input{id, *spec, options.candidate, options.dry_run, options.expected_primary};
  run(id, [this, input = std::move(input)] {
    run_pivot(input.job_id, [&](PivotExecutor& executor) { return executor.run(input); });
  });
  return id;
}

std::optional<std::string> PivotService::primary_lives(const ClusterSpec& spec) {
  const auto now = snapshot_for(spec.name, {}, 0, 0);
  const auto detection =
      detect_failover({spec, now.observed, now.now_ms, now.last_primary, now.observing_since_ms});
  if (detection.verdict != FailoverVerdict::healthy && detection.verdict != FailoverVerdict::degraded) {
    return std::nullopt;
  }
  return (detection.reasons.empty() ? "the primary lives" : detection.reasons.front()) +
         std::string(": use pivot to change the primary of a cluster whose primary lives");
}

Result<std::string> PivotService::start_failover(const std::string& cluster,
                                                 const std::optional<std::string>& candidate,
                                                 const std::string& requested_by,
                                                 const std::optional<std::string>& idempotency_key) {
  const auto spec = model_.spec(cluster);
  JobRegistry::Admission admission{.kind = JobKind::failover,
                                   .cluster = cluster,
                                   .requested_by = requested_by,
                                   .holds = true,
                                   .idempotency_key = idempotency_key,
                                   .request = describe_request(cluster, "failover", {{"candidate", or_null(candidate)}})};
  auto admitted = registry_.admit(
      admission,
      [&]() -> Result<void> {
        if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
        return check_candidate(*spec, candidate);
      },
      [&]() -> Result<void> {
        if (auto lives = primary_lives(*spec)) return make_error(api_error::conflict, *lives);
        return ok();
      });
  if (!admitted) return admitted.error();
  const std::string id = admitted->job_id;
  if (admitted->replayed) return id;
  log::event(*logger(), spdlog::level::warn, {.cluster = cluster, .job = id}, "manual failover requested by {}",
             requested_by);
  FailoverJobInput input{id, *spec, candidate, FailoverKind::manual};
  run(id, [this, input = std::move(input)] {
    JobPorts ports(*this, registry_, input.job_id);
    FailoverExecutor executor(agents_, hooks_, ports, clock_, ports, ports, registry_.journal());
    auto outcome = executor.run(input);
    registry_.finish(input.job_id, outcome.state, std::move(outcome.result));
  });
  return id;
}

// Being built (issue 15): the failover guard keeps these.
Result<FailoverView> PivotService::acknowledge(const std::string&, const AcknowledgeRequest&, const std::string&) {
  return make_error(api_error::not_implemented, "acknowledge is not implemented yet");
}
Result<FailoverView> PivotService::set_maintenance(const std::string&, const MaintenanceWindow&, const std::string&) {
  return make_error(api_error::not_implemented, "maintenance is not implemented yet");
}
Result<FailoverView> PivotService::end_maintenance(const std::string&, const std::string&) {
  return make_error(api_error::not_implemented, "maintenance is not implemented yet");
}
Result<std::string> PivotService::start_reopen(const std::string&, const std::string&, const std::optional<std::string>&) {
  return make_error(api_error::not_implemented, "reopen is not implemented yet");
}

void PivotService::use_journal(Journal& durable, std::vector<Job> restored, std::vector<KeyedRequest> keys) {
  registry_.use_journal(durable, std::move(restored), std::move(keys));
  model_.forget_primaries();  // each cluster's primary reaches the new journal with the next message
}

std::size_t PivotService::recover_jobs(const EntriesOf& entries_of) {
  std::size_t recovering = 0;
  for (Job& job : registry_.claim_unfinished()) {
    const std::string id = job.id;
    if (job.kind == JobKind::failover) {
      // Not recovered yet (a failover past its fence may have stopped IO
      // threads or promoted a node): the operator looks, said plainly.
      log::event(*logger(), spdlog::level::err, {.cluster = job.cluster, .job = id},
                 "failover found running at start: not recovered automatically, needs the operator");
      run(id, [this, id] {
        registry_.finish(id, JobState::failed,
                         {{"error", "needs_attention"},
                          {"message", "pivotd stopped while this failover ran; failovers are not recovered yet: check "
                                      "which node is writable and what every replica replicates from"}});
      });
      continue;
    }
    if (job.kind != JobKind::pivot || job.dry_run) {
      // It only read: nothing to undo.
      run(id, [this, id] {
        registry_.finish(id, JobState::failed,
                         {{"error", "interrupted"}, {"message", "pivotd stopped while this job ran; it changed nothing"}});
      });
      continue;
    }
    const auto spec = model_.spec(job.cluster);
    auto entries = entries_of(id);
    if (!spec || !entries) {
      const std::string why = !spec ? "cluster '" + job.cluster + "' is no longer loaded"
                                    : "its journal entries cannot be read: " + entries.error().message;
      log::event(*logger(), spdlog::level::err, {.cluster = job.cluster, .job = id}, "cannot recover: {}", why);
      run(id, [this, id, why] {
        registry_.finish(id, JobState::failed,
                         {{"error", "needs_attention"},
                          {"message", "pivotd stopped while this pivot ran and cannot recover it (" + why +
                                          "); nothing was done: check the cluster's nodes by hand"}});
      });
      continue;
    }
    // claim_unfinished took the cluster's hold: the job's worker recovers it.
    const int wait_ms = std::max(kRecoveryWaitMs, 3 * spec->policy.agent_fresh_ms);
    log::event(*logger(), spdlog::level::warn, {.cluster = job.cluster, .job = id},
               "pivot found running at start: recovering it ({} step(s) saved)", job.steps.size());
    PivotRecoveryInput input{{id, *spec, std::nullopt, false, std::nullopt},
                             std::move(job),
                             std::move(entries).value(),
                             epoch_,
                             static_cast<std::uint64_t>(wait_ms)};
    ++recovering;
    run(id, [this, input = std::move(input)] {
      run_pivot(input.job.job_id, [&](PivotExecutor& executor) { return executor.recover(input); });
    });
  }
  return recovering;
}

void PivotService::run_pivot(const std::string& job_id, const std::function<PivotJobOutcome(PivotExecutor&)>& body) {
  JobPorts ports(*this, registry_, job_id);
  PivotExecutor executor(agents_, hooks_, ports, clock_, ports, ports, registry_.journal());
  auto outcome = body(executor);
  registry_.finish(job_id, outcome.state, std::move(outcome.result));
}

void PivotService::run(const std::string& job_id, std::function<void()> body) {
  registry_.launched();
  scheduler_.submit([this, job_id, body = std::move(body)] {
    registry_.started(job_id);
    try {
      body();
    } catch (const std::exception& e) {
      // A bug, not an outcome: the job must still end and release its hold.
      log::event(*logger(), spdlog::level::err, {.job = job_id}, "job crashed: {}", e.what());
      registry_.finish(job_id, JobState::failed, {{"error", api_error::internal}, {"message", e.what()}});
    }
  });
}

}  // namespace pivot::controller
