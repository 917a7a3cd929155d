#pragma once
// Time as pivotctl needs it to poll a job, and the wall clock's for a
// maintenance window given as a duration ("2h" from now): a port, so that
// tests follow a job through many polls with a manual clock and no real
// sleeps, and know what "now" was.

#include <cstdint>

namespace pivot::ctl {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint64_t now_ms() = 0;  // monotonic; only differences matter
  virtual void sleep_ms(std::uint64_t ms) = 0;
  virtual std::uint64_t wall_ms() = 0;  // milliseconds since the Unix epoch
};

class SteadyClock : public Clock {
 public:
  std::uint64_t now_ms() override;
  void sleep_ms(std::uint64_t ms) override;
  std::uint64_t wall_ms() override;
};

}  // namespace pivot::ctl
