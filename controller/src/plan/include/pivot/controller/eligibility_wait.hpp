#pragma once
// Waiting for eligibility (ARCHITECTURE.md, "Waiting for eligibility"): a
// pivot-status or pivot job with wait_s > 0 keeps running while the cluster is
// not eligible. This is what such a job shows as its `progress` while it
// waits, from the pivot status it sees at each look: the failing checks, the
// candidate's lag and how fast it falls, and when the lag check would pass at
// that rate. Pure: the service samples, this reads.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "pivot/controller/detail.hpp"
#include "pivot/controller/pivot_status.hpp"

namespace pivot::controller {

class EligibilityWait {
 public:
  // Lag samples older than this do not count toward the rate.
  static constexpr std::uint64_t kRateWindowMs = 30000;

  EligibilityWait(std::uint64_t started_ms, std::uint64_t deadline_ms) : started_ms_(started_ms), deadline_ms_(deadline_ms) {}

  // One look at the cluster at `now_ms` (steady): its pivot status and the
  // candidate's seconds_behind (nullopt: unknown, e.g. its IO thread is down).
  void look(std::uint64_t now_ms, const PivotStatus& status, std::optional<double> candidate_lag_s,
            int max_lag_seconds);
  bool expired(std::uint64_t now_ms) const { return now_ms >= deadline_ms_; }

  // {waited_ms, remaining_ms, candidate, failing: [{id, detail}], lag_s?,
  //  lag_falls_s_per_s?, lag_passes_in_s?, summary}
  Detail progress(std::uint64_t now_ms) const;

  // The candidate's lag falls by this many seconds per second over the
  // window (negative: it grows); nullopt with fewer than two samples.
  std::optional<double> lag_rate() const;
  // Seconds until the lag is at max_lag_seconds at that rate; nullopt when
  // unknown or not falling; 0 when it is already there.
  std::optional<double> lag_passes_in_s() const;

 private:
  struct Sample {
    std::uint64_t at_ms;
    double lag_s;
  };
  std::uint64_t started_ms_;
  std::uint64_t deadline_ms_;
  PivotStatus last_;
  std::optional<double> lag_s_;
  int max_lag_seconds_ = 0;
  std::deque<Sample> samples_;  // within kRateWindowMs of the newest; one candidate's
};

// What a waiting job keeps in its result while it waits (journaled with the
// job), so that the next pivotd start resumes it with what is left of its
// wait_s, whether pivotd was stopped or killed meanwhile.
struct SavedWait {
  std::optional<std::string> candidate;
  std::optional<std::string> expected_primary;  // a pivot's, as requested
  std::uint64_t wait_s = 0;
  std::uint64_t deadline_at_ms = 0;  // wall clock: the job's creation + wait_s
};
// {"waiting": {"candidate", "expected_primary", "wait_s", "deadline_at_ms"}}
Detail saved_wait_result(const SavedWait& wait);
// The saved wait of a job's result; nullopt when it holds none (a job that
// never waited, or one saved by a pivotd from before).
std::optional<SavedWait> saved_wait_of(const Detail& result);

}  // namespace pivot::controller
