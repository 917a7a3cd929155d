#include "network_namespaces.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "pivot/test/cluster.hpp"
#include "pivot/test/process.hpp"
#include "pivot/test/reaper.hpp"

namespace pivot::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path script() { return Cluster::script().parent_path() / "netns"; }

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

NetworkNamespaces::NetworkNamespaces(const fs::path& dir) : dir_(dir) {
  if (geteuid() != 0) {
    throw std::runtime_error("partition tests need network namespaces, so root (CAP_SYS_ADMIN, CAP_NET_ADMIN)");
  }
  reaper_ = std::make_unique<Reaper>(script(), dir_);
  auto up = run_process({script().string(), "up", "--dir", dir_.string()}, 30s);
  if (!up.ok()) {
    reaper_->fire();
    throw std::runtime_error("scripts/netns up (" + up.describe() + "):\n" + up.out + up.err);
  }
}

NetworkNamespaces::~NetworkNamespaces() {
  leave();
  auto down = run_process({script().string(), "down", "--dir", dir_.string()}, 30s);
  if (down.ok()) {
    reaper_->dismiss();
  } else {
    std::cerr << "scripts/netns down (" << down.describe() << "):\n" << down.out << down.err << "\n";
    reaper_->fire();
  }
}

std::string NetworkNamespaces::env(const std::string& key) const {
  std::ifstream in(dir_ / "netns.env");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);  // names and addresses need no quoting
  }
  throw std::runtime_error((dir_ / "netns.env").string() + " has no " + key);
}

std::string NetworkNamespaces::name(const std::string& host) const { return env("NETNS_" + upper(host)); }

std::string NetworkNamespaces::address(const std::string& host) const {
  return env("NETNS_" + upper(host) + "_ADDRESS");
}

std::string NetworkNamespaces::node_in(int node, const std::string& host) const {
  return std::to_string(node) + "=" + name(host) + "@" + address(host);
}

void NetworkNamespaces::enter_ctl() {
  if (home_fd_ < 0) home_fd_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home_fd_ < 0) throw std::runtime_error(std::string("open /proc/self/ns/net: ") + std::strerror(errno));
  const std::string path = "/run/netns/" + name("ctl");
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  const int entered = setns(fd, CLONE_NEWNET);
  const int error = errno;
  close(fd);
  if (entered != 0) throw std::runtime_error("setns " + path + ": " + std::strerror(error));
}

void NetworkNamespaces::leave() {
  if (home_fd_ < 0) return;
  if (setns(home_fd_, CLONE_NEWNET) != 0) std::cerr << "setns back home: " << std::strerror(errno) << "\n";
  close(home_fd_);
  home_fd_ = -1;
}

void NetworkNamespaces::run(const std::string& command, const std::string& link) const {
  auto r = run_process({script().string(), command, "--dir", dir_.string(), link}, 10s);
  if (!r.ok()) throw std::runtime_error("scripts/netns " + command + " " + link + ": " + r.describe() + "\n" + r.err);
}

void NetworkNamespaces::cut(const std::string& link) const { run("cut", link); }
void NetworkNamespaces::heal(const std::string& link) const { run("heal", link); }

}  // namespace pivot::test
