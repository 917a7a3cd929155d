#pragma once
// The fixture of the failover system tests (auto_failover_test,
// failover_faults_test): the 5-node stack, the jobs pivotd starts by itself
// followed as they come, and the faults a test leaves behind (killed or
// SIGSTOPped servers, SIGSTOPped agents) undone after it. Each test starts
// from a pivotd with an empty journal (no cooldown or mark left by the one
// before) and from the reset topology.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "stack_test.hpp"

namespace pivot::test {

class FailoverStackTest : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    if (HasFatalFailure()) return;
    // Every job so far is another test's: only new ones count.
    for (const auto& j : jobs()) seen_.insert(j.value("id", ""));
  }

  // The stopped processes resume, the killed servers start again, and pivotd
  // forgets this test's failovers (cooldown, marks) before the next test
  // resets the topology: auto_failover off first, so that the reset is never
  // taken for a death.
  void TearDown() override {
    StackTest::TearDown();
    if (!stack_) return;  // the suite has no stack: SetUp failed, nothing to undo
    try {
      for (int node : paused_agents_) stack().resume_agent(node);
      for (int node : paused_) cluster().resume(node);
      paused_agents_.clear();
      paused_.clear();
      if (!stack().pivotd_running()) stack().start_pivotd();
      stack().write_spec({});
      for (int node : killed_) cluster().start_node(node);
      stack().stop_pivotd();
      for (const char* f : {"journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm"}) {
        std::filesystem::remove(stack().dir() / "state" / "pivotd" / f);
      }
      stack().start_pivotd();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cleaning up after the test: " << e.what();
    }
  }

  void kill(int node) {
    cluster().stop(node, StopMode::kill);
    killed_.push_back(node);
  }
  void start(int node) {
    cluster().start_node(node);
    killed_.erase(std::remove(killed_.begin(), killed_.end(), node), killed_.end());
  }
  // A hung mysqld (SIGSTOP): its port accepts connections that never get an answer.
  void pause(int node) {
    cluster().pause(node);
    paused_.push_back(node);
  }
  void resume(int node) {
    cluster().resume(node);
    paused_.erase(std::remove(paused_.begin(), paused_.end(), node), paused_.end());
  }
  // A silent agent (SIGSTOP): its connections stay open, it sends nothing.
  void pause_agent(int node) {
    stack().pause_agent(node);
    paused_agents_.push_back(node);
  }
  void resume_agent(int node) {
    stack().resume_agent(node);
    paused_agents_.erase(std::remove(paused_agents_.begin(), paused_agents_.end(), node), paused_agents_.end());
  }

  // auto_failover on, with the post_promote hook that switches the route,
  // and write_probe writing through that route: writing when it returns.
  std::unique_ptr<ProbeProcess> auto_failover_under_routed_writes() {
    auto [route, hook] = route_with_hook();
    stack().write_spec({.auto_failover = true, .hooks = {{"post_promote", hook}}});
    auto probe = start_probe(route);
    EXPECT_TRUE(probe->wait_ready(std::chrono::seconds(10))) << "write_probe did not start writing";
    return probe;
  }

  nlohmann::json jobs() {
    return stack().api("GET", "/v1/jobs?cluster=" + stack().cluster_name(), nullptr, "viewer").body;
  }

  // The next job of `kind` no earlier wait saw, once it ended; null when none
  // ended within `timeout`.
  nlohmann::json next_job(const std::string& kind, std::chrono::seconds timeout) {
    nlohmann::json found;
    wait_until(
        [&] {
          for (const auto& j : jobs()) {
            if (j.value("kind", "") != kind || seen_.count(j.value("id", ""))) continue;
            const std::string state = j.value("state", "");
            if (state == "queued" || state == "running") return false;
            found = j;
            seen_.insert(j.value("id", ""));
            return true;
          }
          return false;
        },
        timeout);
    return found;
  }

  // No job of `kind` started over `period`.
  void expect_no_job(const std::string& kind, std::chrono::seconds period) {
    const auto end = std::chrono::steady_clock::now() + period;
    while (std::chrono::steady_clock::now() < end) {
      for (const auto& j : jobs()) {
        if (j.value("kind", "") == kind && !seen_.count(j.value("id", ""))) {
          ADD_FAILURE() << "unexpected " << kind << " job: " << j.dump(2);
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  nlohmann::json cluster_view() { return stack().api("GET", cluster_path(), nullptr, "viewer").body; }

  // Every reason pivotd gives for the cluster, one string.
  std::string reasons() {
    const auto view = cluster_view();
    std::string out;
    for (const auto* key : {"failover", "health"}) {
      if (view.contains(key) && view[key].contains("reasons")) {
        for (const auto& r : view[key]["reasons"]) out += r.get<std::string>() + "\n";
      }
    }
    return out;
  }

  // db<node> as a number from "db<node>".
  static int number_of(const std::string& name) { return std::stoi(name.substr(2)); }

  std::vector<int> killed_, paused_, paused_agents_;
  std::set<std::string> seen_;
};

}  // namespace pivot::test
