#include "pivot/test/free_ports.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace pivot::test {
namespace {

// Below the default ephemeral range (32768-60999) and above the 23000-24999
// band people use for manual clusters on this machine.
constexpr int kLowestPort = 25000;
constexpr int kHighestPort = 32000;
constexpr int kAttempts = 100;

int ephemeral_low() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 32768;
  in >> low;
  return low;
}

bool can_bind(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // No SO_REUSEADDR: a listener on 0.0.0.0 or a lingering connection on
  // this port must make the port count as taken.
  bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return free;
}

}  // namespace

int find_free_base_port(int count) {
  const int highest = std::min(kHighestPort, ephemeral_low() - 1) - count;
  if (highest <= kLowestPort) throw std::runtime_error("no port range below the ephemeral ports for a test cluster");
  std::mt19937 random(std::random_device{}());
  std::uniform_int_distribution<int> pick(kLowestPort, highest);
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const int base = pick(random);
    bool all_free = true;
    for (int port = base; port < base + count && all_free; ++port) all_free = can_bind(port);
    if (all_free) return base;
  }
  throw std::runtime_error("found no " + std::to_string(count) + " consecutive free ports in " +
                           std::to_string(kLowestPort) + "-" + std::to_string(highest + count));
}

}  // namespace pivot::test
