#pragma once
// Three "hosts" as network namespaces (scripts/netns; docs/harness.md
// "Partitions"): ctl for pivotd and the test's clients, p1 for the primary's
// mysqld and agent, reps for every other node; each pair joined by a link
// that can be cut alone. Made when constructed, deleted when destroyed, and
// by a reaper if this process dies first. Needs root: without it the
// constructor throws (a partition test fails, it never skips).
//
// The namespaces' addresses are only ever used from inside them: a test
// enters ctl (enter_ctl) before it starts anything that reaches them, so
// that every process it spawns runs there too, and leaves before the
// namespaces go.

#include <filesystem>
#include <memory>
#include <string>

namespace pivot::test {

class Reaper;

class NetworkNamespaces {
 public:
  explicit NetworkNamespaces(const std::filesystem::path& dir);
  ~NetworkNamespaces();  // leave(), scripts/netns down; never throws
  NetworkNamespaces(const NetworkNamespaces&) = delete;
  NetworkNamespaces& operator=(const NetworkNamespaces&) = delete;

  // host: "ctl", "p1" or "reps".
  std::string name(const std::string& host) const;     // the namespace's name
  std::string address(const std::string& host) const;  // its address
  // "I=NS@ADDR" for scripts/cluster up --netns (ClusterOptions::netns).
  std::string node_in(int node, const std::string& host) const;

  // This thread (the test's main thread: every thread and process it starts
  // afterwards) into ctl, and back to where it was.
  void enter_ctl();
  void leave();

  // link: "ctl-p1", "p1-reps" or "ctl-reps"; down (a partition) or up again.
  void cut(const std::string& link) const;
  void heal(const std::string& link) const;

 private:
  std::string env(const std::string& key) const;
  void run(const std::string& command, const std::string& link) const;

  std::filesystem::path dir_;
  std::unique_ptr<Reaper> reaper_;
  int home_fd_ = -1;  // the namespace this thread was in before enter_ctl
};

}  // namespace pivot::test
