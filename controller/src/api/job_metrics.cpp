#include "pivot/controller/job_metrics.hpp"

namespace pivot::controller {
namespace {

constexpr std::array<const char*, 4> kOutcomes{"succeeded", "failed", "rolled_back", "cancelled"};

std::string kind_of(const Job& job) {
  // A rollout's dry run is a rollout's: only a pivot's dry run is a kind of its own.
  return job.dry_run && job.kind == JobKind::pivot ? "pivot_dry_run" : std::string(protocol::to_string(job.kind));
}

}  // namespace

void JobMetrics::job_state(const Job& job) {
  std::lock_guard lock(mu_);
  const std::string kind = kind_of(job);
  auto& timed = timed_[job.id];
  for (std::size_t i = 0; i < job.steps.size(); ++i) {
    const auto& step = job.steps[i];
    if (step.state == StepState::running || timed.count(i)) continue;
    timed.insert(i);
    const double seconds =
        step.finished_at_ms >= step.started_at_ms ? static_cast<double>(step.finished_at_ms - step.started_at_ms) / 1000 : 0;
    steps_[{kind, step.name}].observe(kStepBounds, seconds);
  }
  if (!job.finished()) return;
  timed_.erase(job.id);
  const std::string outcome(protocol::to_string(job.state));
  ++jobs_[{kind, outcome}];
  if (job.kind == JobKind::failover) ++failovers_[{job.cluster, outcome}];
  if (job.kind == JobKind::pivot && !job.dry_run) {
    if (const Detail* blocked = job.result.find("write_blocked_ms"); blocked && blocked->is_number()) {
      write_blocked_.observe(kWriteBlockedBounds, blocked->as_double() / 1000);
    }
  }
}

void JobMetrics::write(PrometheusText& out, const std::vector<std::string>& clusters) const {
  std::lock_guard lock(mu_);
  out.family("pivot_jobs_total", "counter", "Jobs ended since pivotd started, by kind and outcome (the job's final state).");
  std::map<Key, std::uint64_t> jobs;
  for (auto kind : protocol::EnumNames<JobKind>::names) {
    for (const char* outcome : kOutcomes) jobs[{std::string(kind), outcome}] = 0;
  }
  for (const char* outcome : kOutcomes) jobs[{"pivot_dry_run", outcome}] = 0;
  for (const auto& [key, n] : jobs_) jobs[key] = n;
  for (const auto& [key, n] : jobs) {
    out.sample("pivot_jobs_total", {{"kind", key.first}, {"outcome", key.second}}, static_cast<double>(n));
  }

  out.family("pivot_step_duration_seconds", "histogram", "How long each job step took, by job kind and step, once it ended.");
  for (const auto& [key, h] : steps_) {
    out.histogram("pivot_step_duration_seconds", {{"kind", key.first}, {"step", key.second}}, kStepBounds, h.counts,
                  h.sum);
  }

  out.family("pivot_write_blocked_seconds", "histogram",
             "Each finished pivot's write-blocked window: the old primary fenced to the new one writable.");
  out.histogram("pivot_write_blocked_seconds", {}, kWriteBlockedBounds, write_blocked_.counts, write_blocked_.sum);

  out.family("pivot_failovers_total", "counter",
             "Failovers ended since pivotd started, by cluster and outcome (the failover job's final state).");
  std::map<Key, std::uint64_t> failovers;
  for (const auto& cluster : clusters) {
    for (const char* outcome : kOutcomes) failovers[{cluster, outcome}] = 0;
  }
  for (const auto& [key, n] : failovers_) failovers[key] = n;
  for (const auto& [key, n] : failovers) {
    out.sample("pivot_failovers_total", {{"cluster", key.first}, {"outcome", key.second}}, static_cast<double>(n));
  }
}

}  // namespace pivot::controller
