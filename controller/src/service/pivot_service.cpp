#include "pivot/controller/pivot_service.hpp"

#include <algorithm>
#include <thread>

#include "pivot/controller/api_errors.hpp"
#include "pivot/controller/json_views.hpp"
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
  JobPorts(PivotService& service, std::string job_id) : service_(service), job_id_(std::move(job_id)) {}
  PivotStatus pivot_status(const std::string& cluster, const std::optional<std::string>& candidate) override {
    return service_.pivot_status_for(cluster, candidate, job_id_);
  }
  void step_started(const std::string& job_id, const JobStep& step) override { service_.record_step(job_id, step); }
  void step_finished(const std::string& job_id, const JobStep& step) override { service_.record_step(job_id, step); }
  bool holds(const std::string& cluster, const std::string& job_id) override {
    return service_.job_holds(cluster, job_id);
  }
  bool commits(const std::string& cluster, const std::string& job_id) override {
    return service_.job_commits(cluster, job_id);
  }

 private:
  PivotService& service_;
  std::string job_id_;
};

nlohmann::json or_null(const std::optional<std::string>& value) { return value ? nlohmann::json(*value) : nlohmann::json(); }

// A POST as an Idempotency-Key remembers it: the route and the body as read
// (every field, defaults included, so that {} and {"dry_run": false} agree).
std::string describe_request(const std::string& cluster, const std::string& route, const nlohmann::json& body) {
  return "POST /v1/clusters/" + cluster + "/" + route + " " + body.dump();
}

bool replicating(const protocol::NodeState& state) {
  return state.replica && state.replica->io_running == protocol::IoThread::yes && state.replica->sql_running;
}

}  // namespace

PivotService::PivotService(AgentPort& agents, HookRunner& hooks, Clock& clock, std::uint64_t epoch)
    : agents_(agents), hooks_(hooks), clock_(clock), epoch_(epoch) {}

PivotService::~PivotService() { wait_idle(); }

void PivotService::set_specs(std::map<std::string, ClusterSpec> specs) {
  std::lock_guard lock(mu_);
  specs_ = std::move(specs);
}

void PivotService::set_agent_counters(std::function<void(AgentsView&)> fill) {
  std::lock_guard lock(mu_);
  fill_counters_ = std::move(fill);
}

void PivotService::wait_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return running_ == 0; });
}

bool PivotService::wait_idle_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [&] { return running_ == 0; });
}

void PivotService::on_message(const protocol::Message& message, std::uint64_t received_at_ms) {
  const auto& env = message.envelope;
  std::lock_guard lock(mu_);
  auto& stats = agent_stats_[env.cluster + "." + env.node];
  stats.boot_id = env.boot_id;
  stats.last_seen_ms = received_at_ms;
  ++stats.messages;
  auto& node = observed_[env.cluster].nodes[env.node];
  node.received_at_ms = received_at_ms;
  node.boot_id = env.boot_id;
  if (const auto* state = std::get_if<protocol::NodeState>(&message.body)) node.state = *state;
  // The journal keeps each cluster's primary as seen (for the recovery after a
  // crash): written when it changes, not per message.
  if (auto spec = specs_.find(env.cluster); spec != specs_.end()) {
    auto primary = observed_primary(spec->second, observed_[env.cluster], received_at_ms);
    auto last = primaries_.find(env.cluster);
    if (last == primaries_.end() || last->second != primary) {
      primaries_[env.cluster] = primary;
      journals_.primary_observed(env.cluster, primary, clock_.wall_ms());
    }
  }
}

std::optional<std::string> PivotService::attention_of(const std::string& cluster) const {
  auto last = last_pivot_.find(cluster);
  if (last == last_pivot_.end()) return std::nullopt;
  auto it = jobs_.find(last->second);
  if (it == jobs_.end()) return std::nullopt;  // aged out of the registry
  const Job& job = it->second;
  const std::string error = job.result.is_object() ? job.result.value("error", "") : "";
  if (job.state != JobState::failed ||
      (error != "needs_attention" && error != "candidate_written" && error != "rollback_failed")) {
    return std::nullopt;  // the last pivot did not leave it to the operator
  }
  return "job " + job.id + " left the cluster for the operator (" + error + "): " +
         (job.result.is_object() ? job.result.value("message", "") : "");
}

std::optional<std::string> PivotService::last_job_of(const std::string& cluster) const {
  auto it = last_job_.find(cluster);
  if (it == last_job_.end()) return std::nullopt;
  return it->second;
}

// The per-cluster indexes GET /v1/clusters and the event stream read for
// every cluster, every second: a lookup, not a scan of the 2000 jobs kept.
void PivotService::index(const Job& job) {
  last_job_[job.cluster] = job.id;
  if (job.kind == JobKind::pivot && !job.dry_run && job.finished()) last_pivot_[job.cluster] = job.id;
}

std::vector<ClusterSummary> PivotService::clusters() {
  std::lock_guard lock(mu_);
  const auto now = clock_.steady_ms();
  std::vector<ClusterSummary> out;
  for (const auto& [name, spec] : specs_) {
    const auto& observed = observed_[name];
    ClusterSummary s{name, spec.labels, observed_primary(spec, observed, now), true, std::nullopt, last_job_of(name)};
    s.healthy = s.primary.has_value();
    for (const auto& node : spec.nodes) {
      const auto* seen = observed.find(node.name);
      const auto current = current_role(seen, now, spec.policy);
      if (current == Current::down || current == Current::unknown) s.healthy = false;
      if (current != Current::replica) continue;
      if (!replicating(*seen->state)) s.healthy = false;
      if (auto lag = seen->state->replica->seconds_behind) {
        s.max_lag_s = std::max(s.max_lag_s.value_or(0.0), static_cast<double>(*lag));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<ClusterDetail> PivotService::cluster(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = specs_.find(name);
  if (it == specs_.end()) return make_error(api_error::not_found, "no cluster '" + name + "' is loaded");
  const auto& spec = it->second;
  const auto now = clock_.steady_ms();
  const auto& observed = observed_[name];
  ClusterDetail d{name, spec.labels, spec.policy, observed_primary(spec, observed, now), {}};
  d.attention = attention_of(name);
  for (const auto& node : spec.nodes) {
    NodeView v{node, Current::unknown, std::nullopt, std::nullopt};
    const auto* seen = observed.find(node.name);
    v.current = current_role(seen, now, spec.policy);
    if (seen) {
      v.state = seen->state;
      v.age_ms = age_ms(*seen, now);
    }
    d.nodes.push_back(std::move(v));
  }
  return d;
}

AgentsView PivotService::agents() {
  std::lock_guard lock(mu_);
  const auto now = clock_.steady_ms();
  AgentsView view;
  for (const auto& [key, stats] : agent_stats_) {
    const auto dot = key.find('.');
    view.agents.push_back({key.substr(0, dot), key.substr(dot + 1), stats.boot_id,
                           now >= stats.last_seen_ms ? now - stats.last_seen_ms : 0, stats.messages, 0});
  }
  if (fill_counters_) fill_counters_(view);
  return view;
}

std::string PivotService::new_job_id(JobKind kind) {
  const char* prefix = kind == JobKind::pivot_status ? "ps" : kind == JobKind::pivot ? "pv" : "fo";
  return std::string(prefix) + "-" + std::to_string(epoch_) + "-" + std::to_string(++next_job_);
}

Job& PivotService::add_job(JobKind kind, const std::string& cluster, const std::string& requested_by) {
  Job job;
  job.id = new_job_id(kind);
  job.kind = kind;
  job.cluster = cluster;
  job.requested_by = requested_by;
  job.created_at_ms = clock_.wall_ms();
  job_order_.push_back(job.id);
  index(job);
  // Forget the oldest finished jobs past the bound; a running one is never dropped.
  while (job_order_.size() > kJobsKept && jobs_[job_order_.front()].finished()) {
    jobs_.erase(job_order_.front());
    journal_.forget(job_order_.front());  // bounded like the jobs; the SQLite journal keeps its own
    job_order_.pop_front();
  }
  return jobs_[job.id] = std::move(job);
}

Result<std::optional<std::string>> PivotService::replay(const std::optional<std::string>& key,
                                                        const std::string& requested_by,
                                                        const std::string& request) const {
  if (!key) return std::optional<std::string>();
  auto it = idempotency_.find(*key);
  if (it == idempotency_.end()) return std::optional<std::string>();
  const KeyedRequest& first = it->second;
  if (first.requested_by != requested_by) {
    // Another token's request: say nothing of it.
    return make_error(api_error::idempotency_mismatch,
                      "Idempotency-Key '" + *key + "' belongs to another token's request; use a key of your own");
  }
  if (first.request != request) {
    return make_error(api_error::idempotency_mismatch, "Idempotency-Key '" + *key + "' was used for " + first.request +
                                                           " (job " + first.job_id + "), not for " + request +
                                                           "; use a new key for a new request");
  }
  return std::optional<std::string>(first.job_id);
}

void PivotService::remember(const std::optional<std::string>& key, const std::string& job_id,
                            const std::string& requested_by, const std::string& request) {
  if (!key) return;
  idempotency_[*key] = {*key, job_id, requested_by, request};
  journals_.key_taken(idempotency_[*key], clock_.wall_ms());
}

Result<void> PivotService::check_candidate(const ClusterSpec& spec, const std::optional<std::string>& candidate) const {
  if (candidate && !spec.find(*candidate)) {
    return make_error(api_error::bad_request, "candidate '" + *candidate + "' is not a node of cluster '" + spec.name + "'");
  }
  return ok();
}

Result<std::string> PivotService::start_pivot_status(const std::string& cluster,
                                                     const std::optional<std::string>& candidate,
                                                     const std::string& requested_by,
                                                     const std::optional<std::string>& idempotency_key) {
  std::unique_lock lock(mu_);
  const std::string request = describe_request(cluster, "pivot-status", {{"candidate", or_null(candidate)}});
  auto first = replay(idempotency_key, requested_by, request);
  if (!first) return first.error();
  if (*first) return **first;
  auto spec = specs_.find(cluster);
  if (spec == specs_.end()) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
  if (auto bad = check_candidate(spec->second, candidate); !bad) return bad.error();
  const std::string id = add_job(JobKind::pivot_status, cluster, requested_by).id;
  remember(idempotency_key, id, requested_by, request);
  log::event(*logger(), spdlog::level::info, {.cluster = cluster, .job = id}, "pivot status requested by {}",
             requested_by);
  launch(id, [this, id, cluster, candidate] {
    auto status = pivot_status_for(cluster, candidate, "");
    finish(id, JobState::succeeded, to_json(status));
  });
  return id;
}

Result<std::string> PivotService::start_pivot(const std::string& cluster, const PivotOptions& options,
                                              const std::string& requested_by) {
  std::unique_lock lock(mu_);
  const std::string request = describe_request(cluster, "pivot",
                                               {{"candidate", or_null(options.candidate)},
                                                {"dry_run", options.dry_run},
                                                {"expected_primary", or_null(options.expected_primary)}});
  auto first = replay(options.idempotency_key, requested_by, request);
  if (!first) return first.error();
  if (*first) return **first;
  auto it = specs_.find(cluster);
  if (it == specs_.end()) return make_error(api_error::not_found, "no cluster '" + cluster + "' is loaded");
  const ClusterSpec& spec = it->second;
  if (auto bad = check_candidate(spec, options.candidate); !bad) return bad.error();
  if (!options.dry_run) {
    if (auto held = holds_.find(cluster); held != holds_.end()) {
      return make_error(api_error::conflict, "job " + held->second + " holds cluster '" + cluster + "'");
    }
  }
  if (options.expected_primary) {
    const auto primary = observed_primary(spec, observed_[cluster], clock_.steady_ms());
    if (primary != options.expected_primary) {
      return make_error(api_error::precondition_failed, "expected primary '" + *options.expected_primary +
                                                   "' but the observed primary is " +
                                                   (primary ? "'" + *primary + "'" : "none"));
    }
  }
  Job& job = add_job(JobKind::pivot, cluster, requested_by);
  job.dry_run = options.dry_run;
  const std::string id = job.id;
  if (!options.dry_run) holds_[cluster] = id;
  remember(options.idempotency_key, id, requested_by, request);
  log::event(*logger(), spdlog::level::info, {.cluster = cluster, .job = id}, "{} requested by {}",
             options.dry_run ? "pivot dry run" : "pivot", requested_by);
  PivotJobInput input{id, spec, options.candidate, options.dry_run, options.expected_primary};
  launch(id, [this, input = std::move(input)] {
    JobPorts ports(*this, input.job_id);
    PivotExecutor executor(agents_, hooks_, ports, clock_, ports, ports, journals_);
    auto outcome = executor.run(input);
    finish(input.job_id, outcome.state, std::move(outcome.result));
  });
  return id;
}

void PivotService::add_state_sink(JobStateSink& sink) {
  std::lock_guard lock(mu_);
  state_sinks_.push_back(&sink);
}

void PivotService::use_journal(Journal& durable, std::vector<Job> restored, std::vector<KeyedRequest> keys) {
  std::lock_guard lock(mu_);
  journals_.set_second(&durable);
  for (auto& job : restored) {
    if (jobs_.count(job.id)) continue;
    job_order_.push_back(job.id);
    index(job);
    jobs_[job.id] = std::move(job);
  }
  for (auto& keyed : keys) idempotency_.emplace(keyed.key, std::move(keyed));
  primaries_.clear();  // each cluster's primary reaches the new journal with the next message
}

std::size_t PivotService::recover_jobs(const EntriesOf& entries_of) {
  std::lock_guard lock(mu_);
  std::size_t recovering = 0;
  for (const std::string& id : job_order_) {
    Job& job = jobs_[id];
    if (job.finished()) continue;  // running, or queued and never taken by a worker
    if (job.kind != JobKind::pivot || job.dry_run) {
      // It only read: nothing to undo.
      run_thread(id, [this, id] {
        finish(id, JobState::failed,
               {{"error", "interrupted"}, {"message", "pivotd stopped while this job ran; it changed nothing"}});
      });
      continue;
    }
    auto spec = specs_.find(job.cluster);
    auto entries = entries_of(id);
    if (spec == specs_.end() || !entries) {
      const std::string why = spec == specs_.end() ? "cluster '" + job.cluster + "' is no longer loaded"
                                                   : "its journal entries cannot be read: " + entries.error().message;
      log::event(*logger(), spdlog::level::err, {.cluster = job.cluster, .job = id}, "cannot recover: {}", why);
      run_thread(id, [this, id, why] {
        finish(id, JobState::failed,
               {{"error", "needs_attention"},
                {"message", "pivotd stopped while this pivot ran and cannot recover it (" + why +
                                "); nothing was done: check the cluster's nodes by hand"}});
      });
      continue;
    }
    // Held before anything else can start on it; the job's thread recovers it.
    // A recovery is not cancellable: it undoes or finishes what was begun.
    holds_[job.cluster] = id;
    committed_.insert(id);
    const int wait_ms = std::max(kRecoveryWaitMs, 3 * spec->second.policy.agent_fresh_ms);
    PivotRecoveryInput input{{id, spec->second, std::nullopt, false, std::nullopt},
                             job,
                             std::move(entries).value(),
                             epoch_,
                             static_cast<std::uint64_t>(wait_ms)};
    log::event(*logger(), spdlog::level::warn, {.cluster = job.cluster, .job = id},
               "pivot found running at start: recovering it ({} step(s) saved)", job.steps.size());
    ++recovering;
    run_thread(id, [this, input = std::move(input)] {
      JobPorts ports(*this, input.job.job_id);
      PivotExecutor executor(agents_, hooks_, ports, clock_, ports, ports, journals_);
      auto outcome = executor.recover(input);
      finish(input.job.job_id, outcome.state, std::move(outcome.result));
    });
  }
  return recovering;
}

void PivotService::set_step_start_hook(std::function<void(const std::string&, const std::string&)> hook) {
  std::lock_guard lock(mu_);
  step_start_hook_ = std::move(hook);
}

void PivotService::set_job_archive(std::function<std::optional<Job>(const std::string& id)> archive) {
  std::lock_guard lock(mu_);
  job_archive_ = std::move(archive);
}

void PivotService::save(const Job& job) { journals_.job_saved(job, clock_.wall_ms()); }

void PivotService::launch(const std::string& job_id, std::function<void()> body) {
  jobs_[job_id].state = JobState::queued;  // until a worker takes it
  save(jobs_[job_id]);
  for (JobStateSink* sink : state_sinks_) sink->job_state(jobs_[job_id]);
  run_thread(job_id, std::move(body));
}

void PivotService::run_thread(const std::string& job_id, std::function<void()> body) {
  ++running_;
  scheduler_.submit([this, job_id, body = std::move(body)] {
    {
      std::lock_guard lock(mu_);
      Job& job = jobs_[job_id];
      if (job.state == JobState::queued) {
        job.state = JobState::running;
        save(job);
        for (JobStateSink* sink : state_sinks_) sink->job_state(job);
      }
    }
    try {
      body();
    } catch (const std::exception& e) {
      // A bug, not an outcome: the job must still end and release its hold.
      log::event(*logger(), spdlog::level::err, {.job = job_id}, "job crashed: {}", e.what());
      finish(job_id, JobState::failed, {{"error", api_error::internal}, {"message", e.what()}});
    }
  });
}

void PivotService::finish(const std::string& job_id, JobState state, nlohmann::json result) {
  std::lock_guard lock(mu_);
  auto& job = jobs_[job_id];
  if (job.finished()) return;  // the crash path after a normal finish
  if (auto cancel = cancels_.find(job_id); cancel != cancels_.end()) {
    // Stopped at a hold check, before the fence: nothing was changed.
    if (!committed_.count(job_id) && state != JobState::succeeded) {
      state = JobState::cancelled;
      result["error"] = "cancelled";
      result["message"] = "cancelled by " + cancel->second + " before the fence: nothing was changed";
    }
    cancels_.erase(cancel);
  }
  committed_.erase(job_id);
  job.state = state;
  job.result = std::move(result);
  index(job);
  if (auto held = holds_.find(job.cluster); held != holds_.end() && held->second == job_id) holds_.erase(held);
  save(job);
  log::event(*logger(), state == JobState::succeeded ? spdlog::level::info : spdlog::level::warn,
             {.cluster = job.cluster, .job = job_id}, "job {}", protocol::to_string(state));
  for (JobStateSink* sink : state_sinks_) sink->job_state(job);
  --running_;
  idle_.notify_all();
}

PivotStatus PivotService::pivot_status_for(const std::string& cluster, const std::optional<std::string>& candidate,
                                           const std::string& holder) {
  std::lock_guard lock(mu_);
  auto it = specs_.find(cluster);
  if (it == specs_.end()) {
    PivotStatus gone;
    gone.checks.push_back({"spec_loaded", false, "cluster '" + cluster + "' is no longer loaded"});
    return gone;
  }
  auto held = holds_.find(cluster);
  const bool other_job = held != holds_.end() && held->second != holder;
  return evaluate_pivot_status({it->second, observed_[cluster], clock_.steady_ms(), other_job, candidate});
}

bool PivotService::job_holds(const std::string& cluster, const std::string& job_id) {
  std::lock_guard lock(mu_);
  if (cancels_.count(job_id)) return false;
  if (auto job = jobs_.find(job_id); job != jobs_.end() && job->second.dry_run) return true;
  auto held = holds_.find(cluster);
  return held != holds_.end() && held->second == job_id;
}

bool PivotService::job_commits(const std::string& cluster, const std::string& job_id) {
  std::lock_guard lock(mu_);
  if (cancels_.count(job_id)) return false;
  auto held = holds_.find(cluster);
  if (held == holds_.end() || held->second != job_id) return false;
  committed_.insert(job_id);  // decided under the same lock as cancel_job's check
  return true;
}

Result<Job> PivotService::cancel_job(const std::string& id, const std::string& requested_by) {
  std::unique_lock lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) {
    if (job_archive_ && job_archive_(id)) {
      return make_error(api_error::conflict, "job " + id + " ended long ago: there is nothing to cancel");
    }
    return make_error(api_error::not_found, "no job '" + id + "'");
  }
  Job& job = it->second;
  if (job.finished()) {
    return make_error(api_error::conflict, "job " + id + " already ended " + std::string(protocol::to_string(job.state)) +
                                               ": there is nothing to cancel");
  }
  if (job.kind != JobKind::pivot) {
    return make_error(api_error::conflict, "job " + id + " is a " + std::string(protocol::to_string(job.kind)) +
                                               ": it only reads and ends by itself");
  }
  if (committed_.count(id)) {
    return make_error(api_error::conflict,
                      "job " + id + " has begun to fence " + job.cluster +
                          "'s primary: a pivot past the fence cannot be cancelled (on a failure it rolls back by "
                          "itself; after promote it finishes)");
  }
  cancels_.emplace(id, requested_by);
  log::event(*logger(), spdlog::level::warn, {.cluster = job.cluster, .job = id},
             "cancel requested by {}: the job stops before the fence", requested_by);
  // It stops at its next check (before its next step); a pre_pivot hook that
  // runs is waited for, within a bound: the answer is the job as it stands.
  idle_.wait_for(lock, std::chrono::seconds(5), [&] { return jobs_.at(id).finished(); });
  return jobs_.at(id);
}

void PivotService::record_step(const std::string& job_id, const JobStep& step) {
  std::lock_guard lock(mu_);
  auto& job = jobs_[job_id];
  auto same = std::find_if(job.steps.rbegin(), job.steps.rend(), [&](const JobStep& s) { return s.name == step.name; });
  if (same != job.steps.rend() && same->state == StepState::running) {
    *same = step;
  } else {
    job.steps.push_back(step);
  }
  // Saved when a step ends, not when it starts: the runner's journal entry
  // already says it started, before any of its commands (what recovery
  // reads), and one fsync less per step is one less in the write-blocked
  // window (docs/benchmarks.md, "The SQLite job journal").
  if (step.state != StepState::running) save(job);
  for (JobStateSink* sink : state_sinks_) sink->job_state(job);  // the event stream sends each step as it goes
  if (step.state == StepState::running) {
    if (step_start_hook_) step_start_hook_(job_id, step.name);
    return;
  }
  const auto level = step.state == StepState::failed ? spdlog::level::err : spdlog::level::info;
  log::event(*logger(), level, {.cluster = job.cluster, .job = job_id, .step = step.name}, "step {} in {} ms",
             protocol::to_string(step.state), step.finished_at_ms - step.started_at_ms);
}

Result<Job> PivotService::job(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it != jobs_.end()) return it->second;
  if (job_archive_) {
    if (auto archived = job_archive_(id)) return *archived;
  }
  return make_error(api_error::not_found, "no job '" + id + "'");
}

std::vector<Job> PivotService::jobs(const std::optional<std::string>& cluster, std::size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Job> out;
  for (auto it = job_order_.rbegin(); it != job_order_.rend() && out.size() < limit; ++it) {
    const auto& job = jobs_.at(*it);
    if (!cluster || job.cluster == *cluster) out.push_back(job);
  }
  return out;
}

}  // namespace pivot::controller
