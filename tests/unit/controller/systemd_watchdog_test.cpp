// pivotd's systemd watchdog speaks sd_notify's real protocol: a datagram
// socket stands in for systemd (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID),
// and WATCHDOG=1 arrives while the bus loops and stops when it is stuck.
#include "pivot/controller/systemd_watchdog.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "pivot/test/notify_socket.hpp"

namespace pivot::controller {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(BusAlive, WithinTheSilenceAllowed) {
  const auto now = Clock::now();
  EXPECT_TRUE(bus_alive(now, now - 100ms, 500ms));
  EXPECT_TRUE(bus_alive(now, now - 500ms, 500ms));
  EXPECT_FALSE(bus_alive(now, now - 501ms, 500ms));
}

// systemd's end of sd_notify, and the watchdog period it would ask for.
class FakeSystemd {
 public:
  FakeSystemd() : socket_(std::filesystem::temp_directory_path() / ("pivot-notify-" + std::to_string(::getpid()))) {
    ::setenv("NOTIFY_SOCKET", socket_.path().c_str(), 1);
    ::setenv("WATCHDOG_USEC", "100000", 1);  // 100 ms: a ping every 50 ms
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  }
  ~FakeSystemd() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  // WATCHDOG=1 datagrams waiting now.
  int pings() { return socket_.count_for(std::chrono::milliseconds(30), "WATCHDOG=1"); }

 private:
  test::NotifySocket socket_;
};

TEST(SystemdWatchdog, PingsWhileTheBusLoopsAndWithholdsWhenItIsStuck) {
  FakeSystemd systemd;
  boost::asio::io_context io;
  std::atomic<bool> stuck{false};
  const auto stuck_since = Clock::now();
  SystemdWatchdog watchdog(
      io, [&] { return stuck ? stuck_since : Clock::now(); }, spdlog::default_logger());
  ASSERT_TRUE(watchdog.start());

  io.run_for(400ms);
  const int alive = systemd.pings();
  EXPECT_GE(alive, 4) << "one at start, then every 50 ms";

  stuck = true;
  io.run_for(100ms);  // at most one tick still sees the bus as fresh
  systemd.pings();
  io.run_for(400ms);
  EXPECT_EQ(systemd.pings(), 0) << "a stuck bus must let systemd's watchdog fire";

  stuck = false;
  io.run_for(200ms);
  EXPECT_GE(systemd.pings(), 1) << "pings resume when the bus loops again";
}

TEST(SystemdWatchdog, DoesNothingWithoutAWatchdogPeriod) {
  ::unsetenv("WATCHDOG_USEC");
  boost::asio::io_context io;
  SystemdWatchdog watchdog(io, [] { return Clock::now(); }, spdlog::default_logger());
  EXPECT_FALSE(watchdog.start());
}

}  // namespace
}  // namespace pivot::controller
