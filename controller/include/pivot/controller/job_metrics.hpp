#pragma once
// What /metrics counts of jobs, kept as they happen (a JobStateSink beside
// the event stream): pivot_jobs_total{kind,outcome}, the duration of every
// step that ended (pivot_step_duration_seconds{kind,step}), each pivot's
// write-blocked window (pivot_write_blocked_seconds) and failovers by
// cluster (pivot_failovers_total{cluster,outcome}). Counted since pivotd
// started, as Prometheus counters are. A dry run's kind is `pivot_dry_run`.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pivot/controller/ports.hpp"
#include "pivot/controller/prometheus_text.hpp"

namespace pivot::controller {

class JobMetrics : public JobStateSink {
 public:
  // Seconds. Steps run from a millisecond (a read) to minutes (catch-up, hooks).
  static constexpr std::array<double, 14> kStepBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                      1,     2.5,  5,     10,   30,  60,   300};
  // Seconds. The fence's window: tens of ms when all is well.
  static constexpr std::array<double, 11> kWriteBlockedBounds{0.005, 0.01, 0.02, 0.05, 0.1, 0.2,
                                                              0.5,   1,    2,    5,    10};

  void job_state(const Job& job) override;
  // The four families; `clusters` are the loaded ones (each gets its
  // failover series, at 0 until one happens).
  void write(PrometheusText& out, const std::vector<std::string>& clusters) const;

 private:
  using Key = std::pair<std::string, std::string>;
  mutable std::mutex mu_;  // guards what follows
  std::map<std::string, std::set<std::size_t>> timed_;  // a running job's steps already observed
  std::map<Key, std::uint64_t> jobs_;                   // kind, outcome
  std::map<Key, HistogramCounts> steps_;                // kind, step
  HistogramCounts write_blocked_;
  std::map<Key, std::uint64_t> failovers_;  // cluster, outcome
};

}  // namespace pivot::controller
