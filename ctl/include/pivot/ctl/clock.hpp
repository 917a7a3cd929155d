#pragma once
// Time as pivotctl needs it to poll a job: a port, so that tests follow a job
// through many polls with a manual clock and no real sleeps.

#include <cstdint>

namespace pivot::ctl {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint64_t now_ms() = 0;  // monotonic; only differences matter
  virtual void sleep_ms(std::uint64_t ms) = 0;
};

class SteadyClock : public Clock {
 public:
  std::uint64_t now_ms() override;
  void sleep_ms(std::uint64_t ms) override;
};

}  // namespace pivot::ctl
