#include "pivot/controller/job_registry.hpp"

#include <algorithm>

#include "pivot/controller/api_errors.hpp"
#include "pivot/log.hpp"

namespace pivot::controller {
namespace {

auto logger() {
  static auto l = log::get("pivotd.jobs");
  return l;
}

}  // namespace

JobRegistry::JobRegistry(Clock& clock, std::uint64_t epoch, std::size_t kept)
    : clock_(clock), epoch_(epoch), kept_(kept) {}

void JobRegistry::use_journal(Journal& durable, std::vector<Job> restored, std::vector<KeyedRequest> keys) {
  std::lock_guard lock(mu_);
  journals_.set_second(&durable);
  for (auto& job : restored) {
    if (jobs_.count(job.id)) continue;
    job_order_.push_back(job.id);
    index(job);
    jobs_[job.id] = std::move(job);
  }
  for (auto& keyed : keys) idempotency_.emplace(keyed.key, std::move(keyed));
}

void JobRegistry::set_archive(std::function<std::optional<Job>(const std::string& id)> archive) {
  std::lock_guard lock(mu_);
  archive_ = std::move(archive);
}

void JobRegistry::add_state_sink(JobStateSink& sink) {
  std::lock_guard lock(mu_);
  state_sinks_.push_back(&sink);
}

void JobRegistry::set_step_start_hook(std::function<void(const std::string&, const std::string&)> hook) {
  std::lock_guard lock(mu_);
  step_start_hook_ = std::move(hook);
}

std::string JobRegistry::new_job_id(JobKind kind) {
  const char* prefix = "fo";
  switch (kind) {
    case JobKind::pivot_status:
      prefix = "ps";
      break;
    case JobKind::pivot:
      prefix = "pv";
      break;
    case JobKind::reopen:
      prefix = "ro";
      break;
    case JobKind::rejoin:
      prefix = "rj";
      break;
    case JobKind::rollout:
      prefix = "rl";
      break;
    case JobKind::failover:
      break;
  }
  return std::string(prefix) + "-" + std::to_string(epoch_) + "-" + std::to_string(++next_job_);
}

Job& JobRegistry::add_job(JobKind kind, const std::string& cluster, const std::string& requested_by) {
  Job job;
  job.id = new_job_id(kind);
  job.kind = kind;
  job.cluster = cluster;
  job.requested_by = requested_by;
  job.created_at_ms = clock_.wall_ms();
  job_order_.push_back(job.id);
  index(job);
  // Forget the oldest finished jobs past the bound; a running one is never dropped.
  while (job_order_.size() > kept_ && jobs_[job_order_.front()].finished()) {
    jobs_.erase(job_order_.front());
    memory_.forget(job_order_.front());  // bounded like the jobs; the SQLite journal keeps its own
    job_order_.pop_front();
  }
  return jobs_[job.id] = std::move(job);
}

Result<std::optional<std::string>> JobRegistry::replay(const std::optional<std::string>& key,
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

void JobRegistry::remember(const std::optional<std::string>& key, const std::string& job_id,
                           const std::string& requested_by, const std::string& request) {
  if (!key) return;
  idempotency_[*key] = {*key, job_id, requested_by, request};
  journals_.key_taken(idempotency_[*key], clock_.wall_ms());
}

// The per-cluster indexes GET /v1/clusters and the event stream read for
// every cluster, every second: a lookup, not a scan of the jobs kept.
void JobRegistry::index(const Job& job) {
  last_job_[job.cluster] = job.id;
  const bool changes = (job.kind == JobKind::pivot && !job.dry_run) || job.kind == JobKind::failover;
  if (changes && job.finished()) last_pivot_[job.cluster] = job.id;
}

void JobRegistry::changed(const Job& job, bool save) {
  if (save) journals_.job_saved(job, clock_.wall_ms());
  for (JobStateSink* sink : state_sinks_) sink->job_state(job);
}

Result<JobRegistry::Admitted> JobRegistry::admit(const Admission& a, const std::function<Result<void>()>& check,
                                                 const std::function<Result<void>()>& precondition) {
  std::lock_guard lock(mu_);
  auto first = replay(a.idempotency_key, a.requested_by, a.request);
  if (!first) return first.error();
  if (*first) return Admitted{**first, true};
  if (check) {
    if (auto refused = check(); !refused) return refused.error();
  }
  if (a.holds) {
    if (auto held = holds_.find(a.cluster); held != holds_.end()) {
      return make_error(api_error::conflict, "job " + held->second + " holds cluster '" + a.cluster + "'");
    }
  }
  if (precondition) {
    if (auto refused = precondition(); !refused) return refused.error();
  }
  Job& job = add_job(a.kind, a.cluster, a.requested_by);
  job.dry_run = a.dry_run;
  if (a.holds) holds_[a.cluster] = job.id;
  remember(a.idempotency_key, job.id, a.requested_by, a.request);
  job.state = JobState::queued;  // until a worker takes it
  changed(job, true);
  return Admitted{job.id, false};
}

void JobRegistry::launched() {
  std::lock_guard lock(mu_);
  ++running_;
}

void JobRegistry::started(const std::string& job_id) {
  std::lock_guard lock(mu_);
  Job& job = jobs_[job_id];
  if (job.state != JobState::queued) return;
  job.state = JobState::running;
  changed(job, true);
}

void JobRegistry::set_progress(const std::string& job_id, Detail progress) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.finished()) return;
  it->second.progress = std::move(progress);
  changed(it->second, false);
}

bool JobRegistry::cancel_requested(const std::string& job_id) {
  std::lock_guard lock(mu_);
  return cancels_.count(job_id) > 0;
}

Result<void> JobRegistry::take_hold(const std::string& cluster, const std::string& job_id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.finished()) {
    return make_error(api_error::bad_request, "job " + job_id + " is not running");
  }
  if (auto held = holds_.find(cluster); held != holds_.end()) {
    if (held->second == job_id) return ok();
    return make_error(api_error::conflict, "job " + held->second + " holds cluster '" + cluster + "'");
  }
  holds_[cluster] = job_id;
  return ok();
}

void JobRegistry::set_result(const std::string& job_id, Detail result) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || it->second.finished()) return;
  it->second.result = std::move(result);
  changed(it->second, true);
}

void JobRegistry::record_step(const std::string& job_id, const JobStep& step) {
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
  // window (docs/benchmarks.md, "The SQLite job journal"). The event stream
  // still sends each step as it starts.
  changed(job, step.state != StepState::running);
  if (step.state == StepState::running) {
    if (step_start_hook_) step_start_hook_(job_id, step.name);
    return;
  }
  const auto level = step.state == StepState::failed ? spdlog::level::err : spdlog::level::info;
  log::event(*logger(), level, {.cluster = job.cluster, .job = job_id, .step = step.name}, "step {} in {} ms",
             protocol::to_string(step.state), step.finished_at_ms - step.started_at_ms);
}

void JobRegistry::finish(const std::string& job_id, JobState state, Detail result) {
  std::lock_guard lock(mu_);
  auto& job = jobs_[job_id];
  if (job.finished()) return;  // the crash path after a normal finish
  if (auto cancel = cancels_.find(job_id); cancel != cancels_.end()) {
    // Stopped at a hold check, before the fence: nothing was changed. (A
    // rollout says itself what its cancel stopped.)
    if (job.kind != JobKind::rollout && !committed_.count(job_id) && state != JobState::succeeded) {
      state = JobState::cancelled;
      result["error"] = "cancelled";
      result["message"] = "cancelled by " + cancel->second + " before the fence: nothing was changed";
    }
    cancels_.erase(cancel);
  }
  committed_.erase(job_id);
  job.state = state;
  job.result = std::move(result);
  job.progress = Detail();
  index(job);
  if (auto held = holds_.find(job.cluster); held != holds_.end() && held->second == job_id) holds_.erase(held);
  log::event(*logger(), state == JobState::succeeded ? spdlog::level::info : spdlog::level::warn,
             {.cluster = job.cluster, .job = job_id}, "job {}", protocol::to_string(state));
  changed(job, true);
  --running_;
  idle_.notify_all();
}

bool JobRegistry::holds(const std::string& cluster, const std::string& job_id) {
  std::lock_guard lock(mu_);
  if (cancels_.count(job_id)) return false;
  if (auto job = jobs_.find(job_id); job != jobs_.end() && job->second.dry_run) return true;
  auto held = holds_.find(cluster);
  return held != holds_.end() && held->second == job_id;
}

bool JobRegistry::commits(const std::string& cluster, const std::string& job_id) {
  std::lock_guard lock(mu_);
  if (cancels_.count(job_id)) return false;
  auto held = holds_.find(cluster);
  if (held == holds_.end() || held->second != job_id) return false;
  committed_.insert(job_id);  // decided under the same lock as cancel's check
  return true;
}

std::optional<std::string> JobRegistry::holder(const std::string& cluster) {
  std::lock_guard lock(mu_);
  auto held = holds_.find(cluster);
  if (held == holds_.end()) return std::nullopt;
  return held->second;
}

std::set<std::string> JobRegistry::held_clusters() {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  for (const auto& [cluster, job] : holds_) out.insert(out.end(), cluster);
  return out;
}

Result<Job> JobRegistry::cancel(const std::string& id, const std::string& requested_by) {
  std::unique_lock lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) {
    if (archive_ && archive_(id)) {
      return make_error(api_error::conflict, "job " + id + " ended long ago: there is nothing to cancel");
    }
    return make_error(api_error::not_found, "no job '" + id + "'");
  }
  Job& job = it->second;
  if (job.finished()) {
    return make_error(api_error::conflict, "job " + id + " already ended " + std::string(protocol::to_string(job.state)) +
                                               ": there is nothing to cancel");
  }

  if (job.kind == JobKind::rollout) {
    // No new child starts; the running ones finish (they are pivots of their
    // own, each cancellable by its id). The rollout's runner learns of it
    // from the sinks and ends the rollout once its children ended.
    // The cancel is a step of its transcript: what the runner reads.
    cancels_.emplace(id, requested_by);
    JobStep step;
    step.name = "cancel";
    step.state = StepState::succeeded;
    step.started_at_ms = step.finished_at_ms = clock_.wall_ms();
    step.detail = {{"requested_by", requested_by}};
    step.summary = "cancelled by " + requested_by + ": no new pivot starts; the running ones finish";
    job.steps.push_back(std::move(step));
    log::event(*logger(), spdlog::level::warn, {.job = id},
               "cancel requested by {}: the rollout starts no more pivots", requested_by);
    changed(job, true);
    return job;
  }
  if (job.kind != JobKind::pivot && job.kind != JobKind::pivot_status) {
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

Result<Job> JobRegistry::job(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(id);
  if (it != jobs_.end()) return it->second;
  if (archive_) {
    if (auto archived = archive_(id)) return *archived;
  }
  return make_error(api_error::not_found, "no job '" + id + "'");
}

std::vector<Job> JobRegistry::jobs(const std::optional<std::string>& cluster, std::size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Job> out;
  for (auto it = job_order_.rbegin(); it != job_order_.rend() && out.size() < limit; ++it) {
    const auto& job = jobs_.at(*it);
    if (!cluster || job.cluster == *cluster) out.push_back(job);
  }
  return out;
}

std::optional<std::string> JobRegistry::last_job_of(const std::string& cluster) {
  std::lock_guard lock(mu_);
  auto it = last_job_.find(cluster);
  if (it == last_job_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> JobRegistry::attention_of(const std::string& cluster) {
  std::lock_guard lock(mu_);
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

std::vector<Job> JobRegistry::claim_unfinished() {
  std::lock_guard lock(mu_);
  std::vector<Job> out;
  for (const std::string& id : job_order_) {
    const Job& job = jobs_[id];
    if (job.finished()) continue;
    if ((job.kind == JobKind::pivot && !job.dry_run) || job.kind == JobKind::failover) {
      holds_[job.cluster] = id;
      committed_.insert(id);
    }
    out.push_back(job);
  }
  return out;
}

void JobRegistry::unclaim(const std::string& job_id) {
  std::lock_guard lock(mu_);
  auto job = jobs_.find(job_id);
  if (job == jobs_.end()) return;
  if (auto held = holds_.find(job->second.cluster); held != holds_.end() && held->second == job_id) holds_.erase(held);
  committed_.erase(job_id);
}

void JobRegistry::detach(const std::string& job_id) {
  std::lock_guard lock(mu_);
  auto job = jobs_.find(job_id);
  if (job == jobs_.end() || job->second.finished() || running_ == 0) return;
  --running_;
  idle_.notify_all();
}

void JobRegistry::wait_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [&] { return running_ == 0; });
}

bool JobRegistry::wait_idle_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_.wait_for(lock, timeout, [&] { return running_ == 0; });
}

}  // namespace pivot::controller
