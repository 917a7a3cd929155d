#pragma once
// The real Clock: steady for deadlines and ages, wall for the job transcript.
#include <chrono>

#include "pivot/controller/ports.hpp"

namespace pivot::controller {

// ms on the steady clock: the bus's receipt times use the same origin.
inline std::uint64_t steady_ms_of(std::chrono::steady_clock::time_point t) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

class SystemClock : public Clock {
 public:
  std::uint64_t steady_ms() override { return steady_ms_of(std::chrono::steady_clock::now()); }
  std::uint64_t wall_ms() override {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
  }
};

}  // namespace pivot::controller
