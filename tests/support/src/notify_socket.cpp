#include "pivot/test/notify_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include <gtest/gtest.h>

namespace pivot::test {

NotifySocket::NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
  std::filesystem::remove(path_);
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
  EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << "bind " << path_;
  timeval tv{0, 20000};  // reads wake every 20 ms to check their deadline
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

NotifySocket::~NotifySocket() {
  ::close(fd_);
  std::filesystem::remove(path_);
}

std::string NotifySocket::read_for(std::chrono::milliseconds timeout) {
  std::string all;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) all.append(buf, static_cast<size_t>(n)).append("\n");
  }
  return all;
}

int NotifySocket::count_for(std::chrono::milliseconds timeout, const std::string& message) {
  std::istringstream lines(read_for(timeout));
  int n = 0;
  for (std::string line; std::getline(lines, line);) n += line == message ? 1 : 0;
  return n;
}

}  // namespace pivot::test
