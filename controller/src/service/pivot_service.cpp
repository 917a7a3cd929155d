#include "pivot/controller/pivot_service.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "pivot/controller/api_errors.hpp"
#include "pivot/controller/pivot_status_detail.hpp"
#include "pivot/controller/failover_detection.hpp"
#include "pivot/controller/failover_executor.hpp"
#include "pivot/controller/pivot_executor.hpp"
#include "pivot/controller/repair_executor.hpp"
#include "pivot/log.hpp"

namespace pivot::controller {
namespace {

// How long a recovered job waits for the nodes it needs to answer, at least.
constexpr int kRecoveryWaitMs = 10000;
// After a job the failover guard started ended failed: nothing more of its
// own on that cluster for this long (a failing hook must not run every tick).
constexpr std::uint64_t kGuardRetryMs = 30000;
// A decision whose sentences change only in their details is logged again
// at most this often.
constexpr std::uint64_t kGuardRelogMs = 30000;
// The primary's state is journaled this often (and when the primary changes):
// what a restarted pivotd judges a dead primary's survivors against.
constexpr std::uint64_t kLastPrimaryEveryMs = 2000;
// A cluster nothing changed in is judged again this often (agent_dead_ms and
// the policy's times are measured in seconds).
constexpr std::uint64_t kGuardFullEveryMs = 1000;
// Clusters read per hold of the model's lock at a guard tick: the bus waits
// at most that long for the guard (about 0.2 ms, 1.5 us a cluster, measured
// at 1,980 clusters; one hold per cluster cost as much in all, in 1,980 holds).
constexpr std::size_t kGuardStampsBatch = 128;
// A job waiting for eligibility looks at the cluster this often.
constexpr std::uint64_t kWaitLookMs = 500;

auto logger() {
  static auto l = log::get("pivotd.jobs");
  return l;
}

// What the guard's set_semi_sync did (semi_sync_sender.hpp), on the call's thread.
void log_semi_sync(const std::string& cluster, const SemiSyncChange& change,
                   const Result<protocol::CommandResult>& result) {
  const char* sides = change.source ? "source and replica sides on" : change.replica ? "replica side on, source off"
                                                                                     : "both sides off";
  if (result && result->ok) {
    log::event(*logger(), spdlog::level::info, {.cluster = cluster, .node = change.node},
               "semi-sync kept: {} ({})", sides, change.reason);
    return;
  }
  const std::string why = !result ? result.error().code + ": " + result.error().message
                                  : result->error + (result->detail.count("message")
                                                         ? ": " + std::get<std::string>(result->detail.at("message"))
                                                         : std::string());
  log::event(*logger(), spdlog::level::warn, {.cluster = cluster, .node = change.node},
             "semi-sync not kept ({}; wanted {}): set_semi_sync failed: {}", change.reason, sides, why);
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
      registry_(clock, epoch, kJobsKept), semi_sync_(agents, clock, log_semi_sync) {}

PivotService::~PivotService() {
  rollouts_.stop();
  {
    std::lock_guard lock(guard_stop_mu_);
    guard_stop_ = true;
  }
  guard_stop_cv_.notify_all();
  if (guard_thread_.joinable()) guard_thread_.join();
  leave_waits();
  wait_idle();
}

void PivotService::set_specs(std::map<std::string, ClusterSpec> specs) { model_.set_specs(std::move(specs)); }

void PivotService::set_agents_source(std::function<AgentsView()> source) { agents_source_ = std::move(source); }

void PivotService::on_message(const protocol::Message& message, std::uint64_t received_at_ms) {
  // The journal keeps each cluster's primary as seen (for the recovery after a
  // crash): written when it changes, not per message, outside the model's lock.
  const auto change = model_.on_message(message, received_at_ms);
  if (change) registry_.journal().primary_observed(change->cluster, change->primary, clock_.wall_ms());
  // The writable primary is remembered with its state across restarts (once
  // it dies, nothing observable says which node it was or what it held): at
  // once when it changes, then every kLastPrimaryEveryMs.
  const auto* state = std::get_if<protocol::NodeState>(&message.body);
  if (!state || !state->mysql_reachable || state->read_only != false) return;
  const auto& cluster = message.envelope.cluster;
  const auto wall = clock_.wall_ms();
  const bool became = change && change->primary == state->node;
  if (!became && !marks_.primary_due(cluster, state->node, wall, kLastPrimaryEveryMs)) return;
  marks_.update(
      cluster,
      [&](ClusterMarks& m) {
        m.last_primary = LastPrimary{.node = state->node,
                                     .flavor = state->flavor ? std::string(protocol::to_string(*state->flavor)) : "",
                                     .server_id = state->server_id,
                                     .server_uuid = state->server_uuid.value_or(""),
                                     .gtid_binlog_pos = state->gtid_binlog_pos.value_or(""),
                                     .gtid_binlog_state = state->gtid_binlog_state.value_or(""),
                                     .gtid_executed = state->gtid_executed.value_or(""),
                                     .uptime_s = state->uptime_s,
                                     .seen_ms = wall};
      },
      wall);
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
  detail->failover = failover_view(name, detail->policy);
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
                                                     const std::optional<std::string>& idempotency_key,
                                                     std::uint64_t wait_s) {
  const auto spec = model_.spec(cluster);
  nlohmann::json body{{"candidate", or_null(candidate)}};
  if (wait_s > 0) body["wait_s"] = wait_s;  // absent when 0: keys journaled before wait_s still match
  JobRegistry::Admission admission{.kind = JobKind::pivot_status,
                                   .cluster = cluster,
                                   .requested_by = requested_by,
                                   .idempotency_key = idempotency_key,
                                   .request = describe_request(cluster, "pivot-status", body)};
  auto admitted = registry_.admit(admission, [&]() -> Result<void> {
    if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
    return check_candidate(*spec, candidate);
  });
  if (!admitted) return admitted.error();
  const std::string id = admitted->job_id;
  if (admitted->replayed) return id;
  log::event(*logger(), spdlog::level::info, {.cluster = cluster, .job = id}, "pivot status requested by {}{}",
             requested_by, wait_s > 0 ? ", waiting up to " + std::to_string(wait_s) + " s for eligibility" : "");
  if (wait_s > 0) {
    registry_.set_result(id, saved_wait_result({candidate, std::nullopt, wait_s, clock_.wall_ms() + wait_s * 1000}));
    const auto now = clock_.steady_ms();
    wait_then_answer(id, cluster, candidate, spec->policy.max_lag_seconds, EligibilityWait(now, now + wait_s * 1000));
    return id;
  }
  run(id, [this, id, cluster, candidate] {
    registry_.finish(id, JobState::succeeded, detail_of(pivot_status_for(cluster, candidate, "")));
  });
  return id;
}

Result<std::string> PivotService::start_pivot(const std::string& cluster, const PivotOptions& options,
                                              const std::string& requested_by) {
  const auto spec = model_.spec(cluster);
  nlohmann::json body{{"candidate", or_null(options.candidate)},
                      {"dry_run", options.dry_run},
                      {"expected_primary", or_null(options.expected_primary)}};
  if (options.wait_s > 0) body["wait_s"] = options.wait_s;  // absent when 0: older keys still match
  // A pivot that waits for eligibility holds nothing while it waits: it
  // takes the cluster's hold once eligible.
  JobRegistry::Admission admission{.kind = JobKind::pivot,
                                   .cluster = cluster,
                                   .requested_by = requested_by,
                                   .dry_run = options.dry_run,
                                   .holds = !options.dry_run && options.wait_s == 0,
                                   .idempotency_key = options.idempotency_key,
                                   .request = describe_request(cluster, "pivot", body)};
  auto admitted = registry_.admit(
      admission,
      [&]() -> Result<void> {
        if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
        return check_candidate(*spec, options.candidate);
      },
      [&]() -> Result<void> {
        const auto marks = marks_.get(cluster);
        if (!options.dry_run && in_maintenance(marks, clock_.wall_ms())) {
          return make_error(api_error::conflict,
                            "cluster '" + cluster + "' is in maintenance for another " +
                                std::to_string((marks.maintenance->until_ms - clock_.wall_ms()) / 1000) + " s (" +
                                marks.maintenance->reason + "): no pivot until it ends");
        }
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
  if (options.wait_s > 0) {
    registry_.set_result(id, saved_wait_result({options.candidate, options.expected_primary, options.wait_s,
                                                clock_.wall_ms() + options.wait_s * 1000}));
    const auto now = clock_.steady_ms();
    wait_then_pivot(std::move(input), EligibilityWait(now, now + options.wait_s * 1000));
    return id;
  }
  run(id, [this, input = std::move(input)] {
    run_pivot(input.job_id, [&](PivotExecutor& executor) { return executor.run(input); });
  });
  return id;
}

void PivotService::wait_then_answer(const std::string& id, const std::string& cluster,
                                    const std::optional<std::string>& candidate, int max_lag_seconds,
                                    EligibilityWait wait) {
  // Eligible or not at the deadline, the job ends succeeded with the status as it stood.
  auto answer = [this, id, wait](const PivotStatus& status) {
    auto result = detail_of(status);
    result["waited_ms"] = wait.progress(clock_.steady_ms())["waited_ms"];
    registry_.finish(id, JobState::succeeded, std::move(result));
  };
  wait_for_eligibility({id, cluster, candidate, max_lag_seconds, wait, 0, answer, answer});
}

void PivotService::wait_then_pivot(PivotJobInput input, EligibilityWait wait) {
  auto go = [this, input](const PivotStatus&) {
    // Eligible: the cluster is taken now (the maintenance window and the
    // hold re-checked), and the plan's own check re-reads everything.
    const auto marks = marks_.get(input.spec.name);
    Result<void> held = in_maintenance(marks, clock_.wall_ms())
                            ? Result<void>(make_error(api_error::conflict, "the cluster went into maintenance (" +
                                                                               marks.maintenance->reason + ")"))
                            : input.dry_run ? ok() : registry_.take_hold(input.spec.name, input.job_id);
    if (!held) {
      registry_.finish(input.job_id, JobState::failed,
                       {{"error", held.error().code}, {"message", held.error().message + ": nothing was changed"}});
      return;
    }
    registry_.set_result(input.job_id, Detail());  // no longer waiting: from here a crash is the pivot's to recover
    submit(input.job_id, [this, input] {
      run_pivot(input.job_id, [&](PivotExecutor& executor) { return executor.run(input); });
    });
  };
  auto expire = [this, id = input.job_id, wait](const PivotStatus& status) {
    auto result = detail_of(status);
    result["waited_ms"] = wait.progress(clock_.steady_ms())["waited_ms"];
    result["error"] = "not_eligible";
    result["message"] = "the cluster was not eligible within wait_s: nothing was changed";
    registry_.finish(id, JobState::failed, std::move(result));
  };
  wait_for_eligibility(
      {input.job_id, input.spec.name, input.candidate, input.spec.policy.max_lag_seconds, wait, 0, go, expire});
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
  if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
  return launch_failover(*spec, candidate, requested_by, idempotency_key, FailoverKind::manual, std::nullopt);
}

Result<std::string> PivotService::launch_failover(const ClusterSpec& spec, const std::optional<std::string>& candidate,
                                                  const std::string& requested_by,
                                                  const std::optional<std::string>& idempotency_key, FailoverKind kind,
                                                  std::optional<std::uint64_t> detect_ms) {
  const std::string& cluster = spec.name;
  JobRegistry::Admission admission{.kind = JobKind::failover,
                                   .cluster = cluster,
                                   .requested_by = requested_by,
                                   .holds = true,
                                   .idempotency_key = idempotency_key,
                                   .request = describe_request(cluster, "failover", {{"candidate", or_null(candidate)}})};
  auto admitted = registry_.admit(
      admission, [&]() -> Result<void> { return check_candidate(spec, candidate); },
      [&]() -> Result<void> {
        if (kind == FailoverKind::automatic) return ok();  // the guard's detection decided it
        if (auto lives = primary_lives(spec)) return make_error(api_error::conflict, *lives);
        return ok();
      });
  if (!admitted) return admitted.error();
  const std::string id = admitted->job_id;
  if (admitted->replayed) return id;
  log::event(*logger(), spdlog::level::warn, {.cluster = cluster, .job = id}, "{} failover requested by {}",
             kind == FailoverKind::automatic ? "automatic" : "manual", requested_by);
  FailoverJobInput input{id, spec, candidate, kind, detect_ms};
  const std::uint64_t started = clock_.wall_ms();
  run(id, [this, input = std::move(input), started] {
    JobPorts ports(*this, registry_, input.job_id);
    FailoverExecutor executor(agents_, hooks_, ports, clock_, ports, ports, registry_.journal());
    auto outcome = executor.run(input);
    failover_ended(input.spec, input.job_id, input.kind, started, outcome);
    if (input.kind == FailoverKind::automatic && outcome.state != JobState::succeeded) {
      guard_backoff(input.spec.name, GuardAction::failover, "the automatic failover " + input.job_id + " ended " +
                                         std::string(protocol::to_string(outcome.state)));
    }
    registry_.finish(input.job_id, outcome.state, std::move(outcome.result));
  });
  return id;
}

void PivotService::failover_ended(const ClusterSpec& spec, const std::string& job_id, FailoverKind kind,
                                  std::uint64_t started_wall_ms, const PivotJobOutcome& outcome) {
  // A failover stopped in its checks changed nothing, one rolled back undid
  // what it changed: no cooldown, no memo (the guard decides anew after its pause).
  const auto job = registry_.job(job_id);
  const bool acted = job && std::any_of(job->steps.begin(), job->steps.end(),
                                        [](const JobStep& s) { return s.name == "fence_old_primary"; });
  if (!acted || outcome.state == JobState::rolled_back) return;
  const Detail& result = outcome.result;
  const auto* old_primary = result.find("old_primary");
  const auto* new_primary = result.find("new_primary");
  // Detection judges the promoted node from now on, before its agent's next report.
  if (new_primary && new_primary->is_string()) model_.promoted(spec.name, new_primary->as_string());
  marks_.update(
      spec.name,
      [&](ClusterMarks& m) {
        m.last_failover = FailoverMemo{.job_id = job_id,
                                       .old_primary = old_primary && old_primary->is_string() ? old_primary->as_string() : "",
                                       .new_primary = new_primary && new_primary->is_string() ? new_primary->as_string() : "",
                                       .automatic = kind == FailoverKind::automatic,
                                       .started_ms = started_wall_ms};
        if (kind == FailoverKind::automatic) m.auto_failovers_ms.push_back(started_wall_ms);
        if (m.last_failover->new_primary.empty()) return;
        // The promoted node is the last writable primary from now on.
        m.last_primary = LastPrimary{.node = m.last_failover->new_primary, .seen_ms = clock_.wall_ms()};
      },
      clock_.wall_ms());
}

Result<std::string> PivotService::launch_rejoin(const ClusterSpec& spec, const FailoverMemo& memo, bool marked) {
  JobRegistry::Admission admission{.kind = JobKind::rejoin,
                                   .cluster = spec.name,
                                   .requested_by = "pivotd",
                                   .holds = true,
                                   .request = "rejoin " + spec.name + " " + memo.old_primary};
  auto admitted = registry_.admit(admission, [] { return ok(); });
  if (!admitted) return admitted.error();
  const std::string id = admitted->job_id;
  log::event(*logger(), spdlog::level::warn, {.cluster = spec.name, .node = memo.old_primary, .job = id},
             "the old primary {} is back: fencing it and judging whether it may rejoin {}", memo.old_primary,
             memo.new_primary);
  RejoinJobInput input{id, spec, memo.old_primary, memo.new_primary, marked};
  run(id, [this, input = std::move(input)] {
    JobPorts ports(*this, registry_, input.job_id);
    RepairExecutor executor({agents_, hooks_, ports, clock_, ports, ports, registry_.journal()});
    auto outcome = executor.rejoin(input);
    const bool judged = outcome.job.state == JobState::succeeded;
    if (judged) {
      marks_.update(
          input.spec.name,
          [&](ClusterMarks& m) {
            if (outcome.verdict == ReturnVerdict::needs_rebuild && !m.needs_rebuild.count(input.old_primary)) {
              m.needs_rebuild[input.old_primary] = RebuildMark{.extra_gtids = outcome.extra_gtids,
                                                               .extra_count = outcome.extra_count,
                                                               .job_id = m.last_failover ? m.last_failover->job_id : "",
                                                               .marked_ms = clock_.wall_ms()};
            }
            if (m.last_failover && m.last_failover->old_primary == input.old_primary) {
              m.last_failover->old_primary_settled = true;
            }
          },
          clock_.wall_ms());
      log::event(*logger(), outcome.verdict == ReturnVerdict::needs_rebuild ? spdlog::level::err : spdlog::level::info,
                 {.cluster = input.spec.name, .node = input.old_primary, .job = input.job_id}, "old primary {}: {}",
                 input.old_primary, to_string(outcome.verdict));
    } else {
      guard_backoff(input.spec.name, GuardAction::rejoin,
                    "the rejoin of " + input.old_primary + " (" + input.job_id + ") failed");
    }
    registry_.finish(input.job_id, outcome.job.state, std::move(outcome.job.result));
  });
  return id;
}

Result<std::string> PivotService::launch_reopen(const ClusterSpec& spec, FailoverKind kind,
                                                const std::string& requested_by,
                                                const std::optional<std::string>& idempotency_key) {
  JobRegistry::Admission admission{.kind = JobKind::reopen,
                                   .cluster = spec.name,
                                   .requested_by = requested_by,
                                   .holds = true,
                                   .idempotency_key = idempotency_key,
                                   .request = describe_request(spec.name, "reopen", nlohmann::json::object())};
  std::optional<protocol::NodeState> last_writable;
  auto admitted = registry_.admit(
      admission, [] { return ok(); },
      [&]() -> Result<void> {
        if (kind == FailoverKind::automatic) return ok();  // the guard decided on this instant's states
        const auto now = snapshot_for(spec.name, {}, 0, 0);
        last_writable = now.last_primary_state;
        const auto decision = decide_reopen({.spec = spec,
                                             .observed = now.observed,
                                             .now_ms = now.now_ms,
                                             .primary = now.last_primary,
                                             .kind = FailoverKind::manual,
                                             .last_writable_state = now.last_primary_state,
                                             .job_in_progress = false,
                                             .maintenance = std::nullopt});
        if (decision.verdict == ReopenVerdict::reopen) return ok();
        std::string why;
        for (const auto& r : decision.reasons) why += (why.empty() ? "" : " ") + r;
        return make_error(api_error::conflict, why);
      });
  if (!admitted) return admitted.error();
  const std::string id = admitted->job_id;
  if (admitted->replayed) return id;
  log::event(*logger(), spdlog::level::warn, {.cluster = spec.name, .job = id}, "{} reopen requested by {}",
             kind == FailoverKind::automatic ? "automatic" : "manual", requested_by);
  if (!last_writable) last_writable = snapshot_for(spec.name, {}, 0, 0).last_primary_state;
  const auto marks = marks_.get(spec.name);
  std::optional<Maintenance> maintenance;
  if (in_maintenance(marks, clock_.wall_ms())) maintenance = Maintenance{marks.maintenance->until_ms, marks.maintenance->reason};
  ReopenJobInput input{id, spec, kind, last_writable, maintenance};
  run(id, [this, input = std::move(input)] {
    JobPorts ports(*this, registry_, input.job_id);
    RepairExecutor executor({agents_, hooks_, ports, clock_, ports, ports, registry_.journal()});
    auto outcome = executor.reopen(input);
    if (input.kind == FailoverKind::automatic && outcome.state != JobState::succeeded) {
      guard_backoff(input.spec.name, GuardAction::reopen, "the automatic reopen " + input.job_id + " failed");
    }
    registry_.finish(input.job_id, outcome.state, std::move(outcome.result));
  });
  return id;
}

Result<FailoverView> PivotService::acknowledge(const std::string& cluster, const AcknowledgeRequest& request,
                                               const std::string& requested_by) {
  const auto spec = model_.spec(cluster);
  if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
  if (request.comment.empty()) return make_error(api_error::bad_request, "an acknowledge needs a comment: what was done");
  const auto before = marks_.get(cluster);
  for (const auto& node : request.rebuilt) {
    if (!before.needs_rebuild.count(node)) {
      return make_error(api_error::bad_request, "node '" + node + "' of cluster '" + cluster + "' is not marked needs_rebuild");
    }
  }
  const auto now = clock_.wall_ms();
  marks_.update(
      cluster,
      [&](ClusterMarks& m) {
        if (m.last_failover && !m.last_failover->acknowledged) {
          m.last_failover->acknowledged = true;
          m.last_failover->acknowledged_by = requested_by;
          m.last_failover->comment = request.comment;
          m.last_failover->acknowledged_ms = now;
        }
        for (const auto& node : request.rebuilt) m.needs_rebuild.erase(node);
      },
      now);
  log::event(*logger(), spdlog::level::warn, {.cluster = cluster}, "acknowledged by {} ({}){}{}", requested_by,
             request.comment, request.rebuilt.empty() ? "" : "; needs_rebuild cleared on ",
             [&] {
               std::string names;
               for (const auto& n : request.rebuilt) names += (names.empty() ? "" : ", ") + n;
               return names;
             }());
  return failover_view(cluster, spec->policy);
}

Result<FailoverView> PivotService::set_maintenance(const std::string& cluster, const MaintenanceWindow& window,
                                                   const std::string& requested_by) {
  const auto spec = model_.spec(cluster);
  if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
  if (window.reason.empty()) return make_error(api_error::bad_request, "a maintenance window needs a reason");
  const auto now = clock_.wall_ms();
  if (window.until_ms <= now) return make_error(api_error::bad_request, "a maintenance window must end in the future");
  marks_.update(
      cluster,
      [&](ClusterMarks& m) {
        m.maintenance = MaintenanceWindow{.until_ms = window.until_ms, .reason = window.reason, .set_by = requested_by,
                                          .set_ms = now};
      },
      now);
  log::event(*logger(), spdlog::level::warn, {.cluster = cluster},
             "maintenance set by {} for {} s ({}): no automatic failover, no pivot", requested_by,
             (window.until_ms - now) / 1000, window.reason);
  return failover_view(cluster, spec->policy);
}

Result<FailoverView> PivotService::end_maintenance(const std::string& cluster, const std::string& requested_by) {
  const auto spec = model_.spec(cluster);
  if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
  const auto now = clock_.wall_ms();
  bool ended = false;
  marks_.update(
      cluster,
      [&](ClusterMarks& m) {
        ended = m.maintenance.has_value();
        m.maintenance.reset();
      },
      now);
  if (ended) log::event(*logger(), spdlog::level::warn, {.cluster = cluster}, "maintenance ended by {}", requested_by);
  return failover_view(cluster, spec->policy);
}

RolloutRunner::Ports PivotService::rollout_ports() {
  return RolloutRunner::Ports{
      .clusters =
          [this] {
            std::vector<LabeledCluster> out;
            for (auto& summary : model_.clusters(clock_.steady_ms())) out.push_back({summary.name, summary.labels});
            return out;
          },
      .pivot_status = [this](const std::string& cluster) { return pivot_status_for(cluster, std::nullopt, ""); },
      .start_pivot = [this](const std::string& cluster, const std::optional<std::string>& expected_primary,
                            const std::string& requested_by) {
        return start_pivot(cluster, PivotOptions{.expected_primary = expected_primary}, requested_by);
      }};
}

Result<std::string> PivotService::start_reopen(const std::string& cluster, const std::string& requested_by,
                                               const std::optional<std::string>& idempotency_key) {
  const auto spec = model_.spec(cluster);
  if (!spec) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
  return launch_reopen(*spec, FailoverKind::manual, requested_by, idempotency_key);
}

FailoverView PivotService::failover_view(const std::string& cluster, const Policy& policy) {
  const auto now = clock_.wall_ms();
  const auto marks = marks_.get(cluster);
  FailoverView v;
  v.auto_failover = policy.auto_failover;
  v.last_failover = marks.last_failover;
  v.cooldown_until_ms = cooldown_until(marks, policy, now);
  if (in_maintenance(marks, now)) v.maintenance = marks.maintenance;
  v.needs_rebuild = marks.needs_rebuild;
  if (const auto holder = registry_.holder(cluster)) {
    const auto job = registry_.job(*holder);
    v.failing_over = job && job->kind == JobKind::failover;
  }
  std::lock_guard lock(guard_mu_);
  if (auto it = guard_.find(cluster); it != guard_.end()) {
    v.detection = to_string(it->second.last.verdict);
    v.reasons = it->second.last.reasons;
    if (const auto& retry = it->second.retry; retry.until_ms > clock_.steady_ms()) {
      v.reasons.push_back(it->second.retry_reason + ": pivotd waits " +
                          std::to_string((retry.until_ms - clock_.steady_ms() + 999) / 1000) +
                          " s before it starts a " + std::string(to_string(retry.failed)) + " here again.");
    }
  }
  return v;
}

void PivotService::restore_marks(std::map<std::string, ClusterMarks> marks) {
  for (const auto& [cluster, m] : marks) {
    if (!m.last_primary || m.last_primary->node.empty()) continue;
    // Enough of its last state for detection, the failover's account of what
    // may be lost, and reopen's restart evidence (uptime).
    protocol::NodeState state;
    state.cluster = cluster;
    state.node = m.last_primary->node;
    state.mysql_reachable = true;
    state.read_only = false;
    const auto& p = *m.last_primary;
    if (p.flavor == "mariadb") state.flavor = protocol::Flavor::mariadb;
    if (p.flavor == "mysql") state.flavor = protocol::Flavor::mysql;
    state.server_id = p.server_id;
    if (!p.server_uuid.empty()) state.server_uuid = p.server_uuid;
    if (!p.gtid_binlog_pos.empty()) state.gtid_binlog_pos = state.gtid_current_pos = p.gtid_binlog_pos;
    if (!p.gtid_binlog_state.empty()) state.gtid_binlog_state = p.gtid_binlog_state;
    if (!p.gtid_executed.empty()) state.gtid_executed = p.gtid_executed;
    state.uptime_s = m.last_primary->uptime_s;
    model_.restore_last_primary(cluster, m.last_primary->node, std::move(state));
  }
  marks_.restore(std::move(marks));
}

void PivotService::start_guard(std::uint64_t tick_ms, int max_auto_failovers_per_hour) {
  max_auto_failovers_per_hour_ = max_auto_failovers_per_hour;
  guard_thread_ = std::thread([this, tick_ms] {
    std::unique_lock lock(guard_stop_mu_);
    while (!guard_stop_cv_.wait_for(lock, std::chrono::milliseconds(tick_ms), [this] { return guard_stop_; })) {
      lock.unlock();
      try {
        guard_tick();
        waiters_tick();
      } catch (const std::exception& e) {
        // A bug: said loudly, and the guard keeps watching.
        log::event(*logger(), spdlog::level::err, {}, "failover guard tick failed: {}", e.what());
      }
      lock.lock();
    }
  });
}

void PivotService::guard_tick() {
  std::lock_guard tick(guard_tick_mu_);
  // The holds once per tick: a job that takes a cluster during the tick is
  // seen at the next, as it was by the clusters judged before it took it.
  const auto held = registry_.held_clusters();
  std::optional<std::string> after;
  std::size_t n = 0;
  do {
    // Each batch at its own now: a node whose agent fell silent reads as
    // such at the first tick past its age, as when each cluster was read alone.
    const auto now_ms = clock_.steady_ms();
    n = model_.stamps_batch(after, kGuardStampsBatch, now_ms, tick_stamps_);
    if (n == 0) break;
    after = tick_stamps_[n - 1].name;
    tick_due_.clear();
    guard_due(tick_stamps_, n, held, now_ms, tick_due_);
    for (const auto& cluster : tick_due_) guard_one(cluster);
  } while (n == kGuardStampsBatch);
}

void PivotService::guard_backoff(const std::string& cluster, GuardAction failed, const std::string& why) {
  std::lock_guard lock(guard_mu_);
  auto& g = guard_[cluster];
  g.retry = {failed, clock_.steady_ms() + kGuardRetryMs};
  g.retry_reason = why;
}

void PivotService::guard_due(std::vector<NamedStamps>& batch, std::size_t n, const std::set<std::string>& held,
                             std::uint64_t now_ms, std::vector<std::string>& due) {
  const auto same_node = [](const NodeStamp& a, const NodeStamp& b) {
    return a.name == b.name && a.current == b.current && a.revision == b.revision;
  };
  std::lock_guard lock(guard_mu_);
  // The batch and guard_ are both in name order: one walk, no lookup per cluster.
  auto it = n == 0 ? guard_.end() : guard_.lower_bound(batch[0].name);
  for (std::size_t i = 0; i < n; ++i) {
    auto& read = batch[i];
    while (it != guard_.end() && it->first < read.name) ++it;
    if (it == guard_.end() || it->first != read.name) it = guard_.emplace_hint(it, read.name, GuardState{});
    auto& g = it->second;
    const bool is_held = held.count(read.name) > 0;
    const auto& stamps = read.stamps;
    const bool same = stamps.specs_generation == g.stamps.specs_generation && is_held == g.held &&
                      std::equal(stamps.nodes.begin(), stamps.nodes.end(), g.stamps.nodes.begin(),
                                 g.stamps.nodes.end(), same_node);
    if (same && g.evaluated_ms != 0 && now_ms < g.evaluated_ms + kGuardFullEveryMs) {
      // Nothing the verdict reads changed since a healthy look: still healthy now.
      if (g.last.verdict == FailoverVerdict::healthy && !is_held) g.healthy_at_ms = now_ms;
      continue;
    }
    std::swap(g.stamps, read.stamps);  // the batch keeps the old buffers for the next tick
    g.held = is_held;
    g.evaluated_ms = now_ms;
    due.push_back(read.name);
  }
}

void PivotService::guard_one(const std::string& cluster) {
  const auto spec = model_.spec(cluster);
  if (!spec) return;
  const auto now = snapshot_for(cluster, {}, 0, 0);
  const auto marks = marks_.get(cluster);
  const auto wall = clock_.wall_ms();
  const GuardDecision d = guard_cluster({.spec = *spec,
                                         .observed = now.observed,
                                         .now_ms = now.now_ms,
                                         .observing_since_ms = now.observing_since_ms,
                                         .last_primary = now.last_primary,
                                         .last_primary_state = now.last_primary_state,
                                         .marks = marks,
                                         .wall_ms = wall,
                                         .job_holds = registry_.holder(cluster).has_value(),
                                         .fleet_auto_failovers_ms = marks_.fleet_auto_failovers(wall),
                                         .max_auto_failovers_per_hour = max_auto_failovers_per_hour_});
  // policy.durability semi_sync kept while no job holds the cluster (a
  // job's promotion turns the new primary's source side on itself) and no
  // maintenance window is open (an operator at work on the nodes).
  if (!registry_.holder(cluster) && !d.in_maintenance) {
    semi_sync_.send(*spec, semi_sync_changes(*spec, now.observed, now.now_ms));
  }
  std::optional<std::uint64_t> detect_ms;
  bool act = d.action != GuardAction::none;
  {
    std::lock_guard lock(guard_mu_);
    auto& g = guard_[cluster];
    // detect_ms: from the last tick the primary looked healthy (its agent's
    // report interval and detection's agreement included) to the decision.
    if (d.verdict == FailoverVerdict::healthy || registry_.holder(cluster)) g.healthy_at_ms = now.now_ms;
    if (g.healthy_at_ms != 0) detect_ms = now.now_ms - g.healthy_at_ms;
    // After a failed job of the guard's own, nothing is started for a while
    // (a failing hook must not run every tick); fencing a writable old primary is never held back.
    if (act && guard_paused(g.retry, d, now.now_ms)) act = false;
    g.last = d;
    // Logged when the decision changes; sentences that only change in their
    // details (an error's retry countdown) at most every kGuardRelogMs.
    const std::string kind = std::string(to_string(d.verdict)) + "/" + to_string(d.action);
    std::string said;
    for (const auto& r : d.reasons) said += " " + r;
    const bool quiet = d.action == GuardAction::none && d.reasons.empty();
    const bool changed = kind != g.logged_kind || (said != g.logged && now.now_ms >= g.logged_at_ms + kGuardRelogMs);
    if (changed && !(quiet && g.logged_kind.empty())) {
      g.logged_kind = kind;
      g.logged = said;
      g.logged_at_ms = now.now_ms;
      const auto level = d.action == GuardAction::none && d.verdict == FailoverVerdict::healthy ? spdlog::level::info
                                                                                                : spdlog::level::warn;
      log::event(*logger(), level, {.cluster = cluster}, "failover guard: detection {}, action {}{}{}",
                 to_string(d.verdict), to_string(d.action), said.empty() ? "" : ":", said);
    }
  }
  if (!act) return;
  Result<std::string> started = std::string();
  switch (d.action) {
    case GuardAction::failover:
      started = launch_failover(*spec, std::nullopt, "pivotd", std::nullopt, FailoverKind::automatic, detect_ms);
      break;
    case GuardAction::rejoin:
      started = launch_rejoin(*spec, *marks.last_failover,
                              marks.needs_rebuild.count(marks.last_failover->old_primary) > 0);
      break;
    case GuardAction::reopen:
      started = launch_reopen(*spec, FailoverKind::automatic, "pivotd", std::nullopt);
      break;
    case GuardAction::settle:
      marks_.update(
          cluster, [](ClusterMarks& m) { if (m.last_failover) m.last_failover->old_primary_settled = true; }, wall);
      break;
    case GuardAction::none:
      break;
  }
  // A job that took the cluster in between wins: the guard looks again next tick.
  if (!started && started.error().code != api_error::conflict) {
    log::event(*logger(), spdlog::level::err, {.cluster = cluster}, "failover guard could not start its {}: {}",
               to_string(d.action), started.error().message);
  }
}

void PivotService::wait_for_eligibility(Waiter waiter) {
  // Counted as running now: wait_idle waits for it, GET shows it running.
  registry_.launched();
  registry_.started(waiter.job_id);
  log::event(*logger(), spdlog::level::info, {.cluster = waiter.cluster, .job = waiter.job_id},
             "waiting for the cluster to be eligible");
  std::lock_guard lock(waiters_mu_);
  waiters_.emplace(waiter.job_id, std::move(waiter));
}

std::optional<double> PivotService::candidate_lag_s(const std::string& cluster, const std::string& candidate) {
  const auto detail = model_.cluster(cluster, clock_.steady_ms());
  if (!detail) return std::nullopt;
  for (const auto& node : detail->nodes) {
    if (node.spec.name != candidate || !node.state || !node.state->replica) continue;
    if (const auto& behind = node.state->replica->seconds_behind) return static_cast<double>(*behind);
  }
  return std::nullopt;
}

void PivotService::waiters_tick() {
  std::vector<Waiter> due;
  const auto now = clock_.steady_ms();
  {
    std::lock_guard lock(waiters_mu_);
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
      if (it->second.next_look_ms <= now) due.push_back(it->second);
    }
  }
  for (auto& w : due) {
    // Looked at outside the waiters' lock: the model and the registry have their own.
    const bool cancelled = registry_.cancel_requested(w.job_id);
    const auto status = pivot_status_for(w.cluster, w.candidate, w.job_id);
    w.wait.look(now, status, status.candidate.empty() ? std::nullopt : candidate_lag_s(w.cluster, status.candidate),
                w.max_lag_seconds);
    const bool expired = w.wait.expired(now);
    if (cancelled || status.eligible || expired) {
      {
        std::lock_guard lock(waiters_mu_);
        waiters_.erase(w.job_id);
      }
      if (cancelled) {
        registry_.finish(w.job_id, JobState::cancelled, {{"error", "cancelled"}, {"message", "cancelled while waiting for eligibility: nothing was changed"}});
      } else if (status.eligible) {
        log::event(*logger(), spdlog::level::info, {.cluster = w.cluster, .job = w.job_id},
                   "eligible after waiting {} ms", w.wait.progress(now)["waited_ms"].as_uint());
        w.go(status);
      } else {
        w.expire(status);
      }
      continue;
    }
    registry_.set_progress(w.job_id, w.wait.progress(now));
    std::lock_guard lock(waiters_mu_);
    if (auto it = waiters_.find(w.job_id); it != waiters_.end()) {
      it->second.wait = w.wait;
      it->second.next_look_ms = now + kWaitLookMs;
    }
  }
}

void PivotService::leave_waits() {
  std::map<std::string, Waiter> leaving;
  {
    std::lock_guard lock(waiters_mu_);
    leaving.swap(waiters_);
  }
  for (const auto& [id, w] : leaving) {
    log::event(*logger(), spdlog::level::info, {.cluster = w.cluster, .job = id},
               "left waiting for eligibility in the journal: the next start resumes it with what is left of wait_s");
    registry_.detach(id);
  }
}

void PivotService::resume_wait(const Job& job, const SavedWait& saved) {
  const auto spec = model_.spec(job.cluster);
  registry_.unclaim(job.id);  // a waiting pivot holds nothing until eligible
  const auto wall = clock_.wall_ms();
  const auto now = clock_.steady_ms();
  // The wait began at the job's creation; what is left of it counts on the steady clock.
  const std::uint64_t waited = wall > job.created_at_ms ? wall - job.created_at_ms : 0;
  const std::uint64_t left = saved.deadline_at_ms > wall ? saved.deadline_at_ms - wall : 0;
  EligibilityWait wait(now > waited ? now - waited : 0, now + left);
  if (!spec) {
    run(job.id, [this, id = job.id, cluster = job.cluster] {
      registry_.finish(id, JobState::failed,
                       {{"error", "interrupted"},
                        {"message", "pivotd restarted while this job waited for eligibility, and cluster '" + cluster +
                                        "' is no longer loaded: nothing was changed"}});
    });
    return;
  }
  if (left == 0 && job.kind == JobKind::pivot) {
    // No pivot later than the requester allowed, however eligible the cluster is now.
    run(job.id, [this, id = job.id] {
      registry_.finish(id, JobState::failed,
                       {{"error", "not_eligible"},
                        {"message", "wait_s ran out while pivotd was stopped: nothing was changed"}});
    });
    return;
  }
  log::event(*logger(), spdlog::level::info, {.cluster = job.cluster, .job = job.id},
             "found waiting for eligibility at start: resumed, {} ms of wait_s left", left);
  if (job.kind == JobKind::pivot_status) {
    wait_then_answer(job.id, job.cluster, saved.candidate, spec->policy.max_lag_seconds, wait);
  } else {
    wait_then_pivot({job.id, *spec, saved.candidate, job.dry_run, saved.expected_primary}, wait);
  }
}

void PivotService::use_journal(Journal& durable, std::vector<Job> restored, std::vector<KeyedRequest> keys) {
  registry_.use_journal(durable, std::move(restored), std::move(keys));
  model_.forget_primaries();  // each cluster's primary reaches the new journal with the next message
}

bool PivotService::cannot_recover(const Job& job, const std::optional<ClusterSpec>& spec,
                                  const Result<std::vector<JournalEntry>>& entries) {
  if (spec && entries) return false;
  const std::string why = !spec ? "cluster '" + job.cluster + "' is no longer loaded"
                                : "its journal entries cannot be read: " + entries.error().message;
  const std::string what = job.kind == JobKind::failover ? "failover" : "pivot";
  log::event(*logger(), spdlog::level::err, {.cluster = job.cluster, .job = job.id}, "cannot recover: {}", why);
  run(job.id, [this, id = job.id, why, what] {
    registry_.finish(id, JobState::failed,
                     {{"error", "needs_attention"},
                      {"message", "pivotd stopped while this " + what + " ran and cannot recover it (" + why +
                                      "); nothing was done: check which node is writable and what every replica "
                                      "follows"}});
  });
  return true;
}

std::size_t PivotService::recover_jobs(const EntriesOf& entries_of) {
  std::size_t recovering = 0;
  for (Job& job : registry_.claim_unfinished()) {
    const std::string id = job.id;
    if (job.kind == JobKind::rollout) {
      // Its children are pivots of their own (recovered below when they
      // ran); the rollout waits for them and starts the rest.
      rollouts_.resume(job);
      continue;
    }
    if (job.kind == JobKind::failover) {
      const auto spec = model_.spec(job.cluster);
      auto entries = entries_of(id);
      if (cannot_recover(job, spec, entries)) continue;
      log::event(*logger(), spdlog::level::warn, {.cluster = job.cluster, .job = id},
                 "failover found running at start: recovering it ({} step(s) saved)", job.steps.size());
      const auto kind = job.requested_by == "pivotd" ? FailoverKind::automatic : FailoverKind::manual;
      const int wait_ms = std::max(kRecoveryWaitMs, 3 * spec->policy.agent_fresh_ms);
      FailoverRecoveryInput input{{id, *spec, std::nullopt, kind, std::nullopt},
                                  std::move(job),
                                  std::move(entries).value(),
                                  static_cast<std::uint64_t>(wait_ms)};
      ++recovering;
      const std::uint64_t started = input.saved.created_at_ms;
      run(id, [this, input = std::move(input), started] {
        JobPorts ports(*this, registry_, input.job.job_id);
        FailoverExecutor executor(agents_, hooks_, ports, clock_, ports, ports, registry_.journal());
        auto outcome = executor.recover(input);
        failover_ended(input.job.spec, input.job.job_id, input.job.kind, started, outcome);
        registry_.finish(input.job.job_id, outcome.state, std::move(outcome.result));
      });
      continue;
    }
    if (const auto saved = saved_wait_of(job.result);
        saved && job.steps.empty() && (job.kind == JobKind::pivot || job.kind == JobKind::pivot_status)) {
      // It was waiting for eligibility (no step had begun): it waits on.
      resume_wait(job, *saved);
      continue;
    }
    if (job.kind == JobKind::reopen || job.kind == JobKind::rejoin) {
      // Each step is idempotent and the guard judges the cluster again on
      // fresh states: the job ends, and what is still needed starts anew.
      log::event(*logger(), spdlog::level::warn, {.cluster = job.cluster, .job = id},
                 "{} found running at start: ended; the failover guard judges the cluster again",
                 protocol::to_string(job.kind));
      run(id, [this, id] {
        registry_.finish(id, JobState::failed,
                         {{"error", "interrupted"},
                          {"message", "pivotd stopped while this job ran; the failover guard judges the cluster "
                                      "again and starts what is still needed"}});
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
    if (cannot_recover(job, spec, entries)) continue;
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
  const auto job = registry_.job(job_id);
  const auto* new_primary = outcome.result.find("new_primary");
  if (outcome.state == JobState::succeeded && job && !job->dry_run && new_primary && new_primary->is_string()) {
    model_.promoted(job->cluster, new_primary->as_string());  // as a failover's (failover_ended)
  }
  registry_.finish(job_id, outcome.state, std::move(outcome.result));
}

void PivotService::run(const std::string& job_id, std::function<void()> body) {
  registry_.launched();
  submit(job_id, std::move(body));
}

void PivotService::submit(const std::string& job_id, std::function<void()> body) {
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
