#pragma once
// pivotd's side of systemd's watchdog (WatchdogSec= in pivotd.service): on
// the main io_context, WATCHDOG=1 every half period, but only while the bus
// thread still goes round its poll loop. A pivotd whose API answers but whose
// bus is stuck hears no agent and decides on stale data: better restarted.
// Without WATCHDOG_USEC in the environment (not under systemd, or no
// WatchdogSec=) it does nothing.

#include "pivot/asio.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include <spdlog/spdlog.h>

namespace pivot::controller {

// Pure: may WATCHDOG=1 go out, given when the bus last looped?
bool bus_alive(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point last_loop,
               std::chrono::milliseconds max_silence);

class SystemdWatchdog {
 public:
  using LastLoop = std::function<std::chrono::steady_clock::time_point()>;
  SystemdWatchdog(boost::asio::io_context& io, LastLoop bus_last_loop, std::shared_ptr<spdlog::logger> log);
  // Reads the period systemd asked for; false (and nothing scheduled) when none.
  bool start();

 private:
  void schedule();
  void tick();

  boost::asio::steady_timer timer_;
  LastLoop bus_last_loop_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::milliseconds every_{0};
  bool withholding_ = false;
};

}  // namespace pivot::controller
