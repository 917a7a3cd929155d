#pragma once
// A fixed-bucket latency histogram, as Prometheus keeps one: what pivotd's bus
// records for every agent message (the agent's ts_ms to the model updated)
// and /metrics shows as pivot_agent_message_latency_seconds. Pure.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace pivot::controller {

struct LatencyHistogram {
  // Upper bounds, ms; one more bucket past the last holds the rest (+Inf).
  // Fine below 10 ms, where the goal is (ARCHITECTURE.md "Scale-out").
  static constexpr std::array<double, 20> kBoundsMs{0.1, 0.2, 0.3, 0.5, 0.75, 1,  1.5, 2,   3,   5,
                                                    7.5, 10,  15,  25,  50,   100, 250, 500, 1000, 2500};
  std::array<std::uint64_t, kBoundsMs.size() + 1> counts{};  // per bucket, not cumulative
  double sum_ms = 0;

  static std::size_t bucket_of(double ms) {
    return static_cast<std::size_t>(std::lower_bound(kBoundsMs.begin(), kBoundsMs.end(), ms) - kBoundsMs.begin());
  }
  std::uint64_t count() const {
    std::uint64_t n = 0;
    for (auto c : counts) n += c;
    return n;
  }
};

}  // namespace pivot::controller
