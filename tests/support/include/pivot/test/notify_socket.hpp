#pragma once
// Stands in for systemd's notify socket (sd_notify's NOTIFY_SOCKET): a
// datagram socket at a path, read back by the test. pivot-agent's and
// pivotd's READY=1, WATCHDOG=1 and STOPPING=1 are checked through it.
#include <chrono>
#include <filesystem>
#include <string>

namespace pivot::test {

class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Every datagram received within timeout, each followed by a newline.
  std::string read_for(std::chrono::milliseconds timeout);
  // How many datagrams equal to `message` arrived within timeout.
  int count_for(std::chrono::milliseconds timeout, const std::string& message);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace pivot::test
