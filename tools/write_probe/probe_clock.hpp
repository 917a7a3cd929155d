#pragma once
// Time as the probe measures it: a steady clock anchored once to the wall
// clock (so timestamps read as dates, and a wall-clock step during a run moves
// nothing), and the shared tick plan every writer follows.

#include <chrono>
#include <cstdint>

namespace pivot::tools {

class ProbeClock {
 public:
  using Steady = std::chrono::steady_clock;

  ProbeClock()
      : steady_anchor_(Steady::now()),
        wall_anchor_us_(std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count()) {}

  // Microseconds since the Unix epoch.
  std::int64_t now_us() const { return to_us(Steady::now()); }
  std::int64_t to_us(Steady::time_point t) const {
    return wall_anchor_us_ +
           std::chrono::duration_cast<std::chrono::microseconds>(t - steady_anchor_).count();
  }
  Steady::time_point steady_at(std::int64_t us) const {
    return steady_anchor_ + std::chrono::microseconds(us - wall_anchor_us_);
  }

 private:
  Steady::time_point steady_anchor_;
  std::int64_t wall_anchor_us_;
};

// Tick k starts at k * interval_us (epoch microseconds) on every writer: "two
// nodes acknowledged the same tick" is then well defined, and tick numbers
// never repeat from one run to the next.
struct TickPlan {
  std::int64_t first_tick = 0;
  std::int64_t interval_us = 5000;

  static TickPlan starting_after(std::int64_t t_us, std::int64_t interval_us) {
    return TickPlan{t_us / interval_us + 1, interval_us};
  }
  std::int64_t start_us() const { return time_of(first_tick); }
  std::int64_t time_of(std::int64_t tick) const { return tick * interval_us; }
  // The first tick of the run that starts at or after t: a writer that fell
  // behind skips ticks rather than sending one late.
  std::int64_t first_tick_from(std::int64_t t_us) const {
    const std::int64_t tick = (t_us + interval_us - 1) / interval_us;
    return tick > first_tick ? tick : first_tick;
  }
};

}  // namespace pivot::tools
