#include "pivot/controller/systemd_watchdog.hpp"

#include <systemd/sd-daemon.h>

namespace pivot::controller {

bool bus_alive(std::chrono::steady_clock::time_point now, std::chrono::steady_clock::time_point last_loop,
               std::chrono::milliseconds max_silence) {
  return now - last_loop <= max_silence;
}

SystemdWatchdog::SystemdWatchdog(boost::asio::io_context& io, LastLoop bus_last_loop,
                                 std::shared_ptr<spdlog::logger> log)
    : timer_(io), bus_last_loop_(std::move(bus_last_loop)), log_(std::move(log)) {}

bool SystemdWatchdog::start() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return false;
  // Half the period, as sd_watchdog_enabled(3) advises; the bus may be silent
  // as long (its poll wakes every 100 ms, so a healthy one never is).
  every_ = std::chrono::milliseconds(std::max<std::uint64_t>(usec / 2000, 1));
  log_->info("systemd watchdog: WATCHDOG=1 every {} ms while the bus thread loops", every_.count());
  sd_notify(0, "WATCHDOG=1");
  schedule();
  return true;
}

void SystemdWatchdog::schedule() {
  timer_.expires_after(every_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void SystemdWatchdog::tick() {
  const auto now = std::chrono::steady_clock::now();
  const auto last = bus_last_loop_();
  if (bus_alive(now, last, every_)) {
    sd_notify(0, "WATCHDOG=1");
    if (withholding_) log_->warn("systemd watchdog: the bus thread loops again; WATCHDOG=1 resumed");
    withholding_ = false;
  } else if (!withholding_) {
    withholding_ = true;
    log_->error("systemd watchdog: the bus thread has not looped for {} ms; WATCHDOG=1 withheld, systemd will "
                "restart pivotd if it stays stuck",
                std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count());
  }
  schedule();
}

}  // namespace pivot::controller
