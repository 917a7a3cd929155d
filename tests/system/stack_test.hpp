#pragma once
// The fixture of the system tests: a 5-node cluster (db1 primary, db2 and db3
// replicas, db4 backup, db5 analytics) with pivotd and five secure agents,
// one stack per suite; each test starts from the reset topology.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pivot/test/cluster_test.hpp"
#include "pivot_stack.hpp"
#include "probe_process.hpp"

namespace pivot::test {

class StackTest : public ClusterTest {
 protected:
  // `failpoints`: see PivotStack::start_pivotd; `ssl`: ClusterOptions::ssl;
  // `pivotd_yaml`: lines added to pivotd.yaml (DIR/pivotd.extra.yaml, kept
  // when scripts/stack rewrites the file).
  static void start_stack(const std::string& name, const std::string& failpoints = "", bool ssl = false,
                          const std::string& pivotd_yaml = "") {
    start_stack_on({.nodes = 5, .name = name, .ssl = ssl}, failpoints, pivotd_yaml);
  }
  // The same on a cluster made with `options` (5 nodes; network namespaces:
  // ClusterOptions::netns), pivotd's agent endpoints on `controller_host`.
  static void start_stack_on(const ClusterOptions& options, const std::string& failpoints = "",
                             const std::string& pivotd_yaml = "", const std::string& controller_host = "") {
    start_cluster(options);
    if (!has_cluster()) return;
    try {
      // Beside the cluster, not in it: each reaper then finds its own directory.
      stack_ = std::make_unique<PivotStack>(cluster(), cluster().dir().string() + "-stack", controller_host);
      if (!pivotd_yaml.empty()) {
        std::ofstream(stack_->dir() / "pivotd.extra.yaml") << pivotd_yaml;
        std::ofstream(stack_->dir() / "pivotd.yaml", std::ios::app) << pivotd_yaml;
      }
      stack_->start_pivotd(failpoints);
      stack_->start_agents();
    } catch (const std::exception& e) {
      stack_error_ = e.what();
      stack_.reset();
    }
  }
  static void TearDownTestSuite() {
    stack_.reset();
    ClusterTest::TearDownTestSuite();
  }
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_TRUE(stack_) << "no pivotd stack: " << stack_error_;
    stack_->write_spec({});
    stack_->wait_ready();
  }
  void TearDown() override {
    if (HasFailure() && stack_) std::cout << "---- pivotd log ----\n" << stack_->pivotd_log() << "\n";
    ClusterTest::TearDown();
  }
  // Every node but `primary` (and the `down` ones: a failover's dead
  // primary) replicates from it with both threads running, read-only.
  void expect_replicating_from(int primary, const std::vector<int>& down = {}) {
    for (int node = 1; node <= cluster().nodes(); ++node) {
      if (node == primary || std::find(down.begin(), down.end(), node) != down.end()) continue;
      EXPECT_TRUE(wait_until(
          [&] {
            auto r = cluster().record(node, "SHOW SLAVE STATUS");
            return r["Master_Port"] == std::to_string(cluster().port(primary)) && r["Slave_IO_Running"] == "Yes" &&
                   r["Slave_SQL_Running"] == "Yes";
          },
          std::chrono::seconds(15)))
          << "db" << node << " does not replicate from db" << primary << "\n" << cluster().status();
      EXPECT_EQ(cluster().value(node, "SELECT @@global.read_only"), "1") << "db" << node;
    }
    EXPECT_EQ(cluster().value(primary, "SELECT @@global.read_only"), "0");
  }
  // `admin`, an account with ALL PRIVILEGES (READ_ONLY ADMIN: read_only does
  // not stop it, as for root and many application accounts), created on the
  // primary so that every node has it, and a copy of the probe table for each
  // of its probes. Returns its password file.
  std::filesystem::path create_admin(const std::vector<std::string>& tables) const {
    const auto password_file = stack_->dir() / "admin.password";
    std::ofstream(password_file) << "adm1n-Pw\n";
    cluster().execute(1, "CREATE USER IF NOT EXISTS 'admin'@'%' IDENTIFIED BY 'adm1n-Pw'; "
                         "GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%'");
    for (const auto& table : tables) {
      cluster().execute(1, "CREATE TABLE IF NOT EXISTS pivot_test." + table + " LIKE pivot_test.probe");
    }
    cluster().sync_replicas();
    return password_file;
  }
  // A route file naming db1, and a post_promote hook (its path) that points
  // it at the new primary, as a proxy's traffic switch would.
  std::pair<std::filesystem::path, std::string> route_with_hook() const {
    const auto route = stack_->dir() / "route";
    std::ofstream(route) << stack_->node_address(1) << "\n";
    const std::string hook = stack_->write_hook("route-traffic", "echo \"$PIVOT_NEW_PRIMARY\" > " + route.string() +
                                                                     ".tmp && mv " + route.string() + ".tmp " +
                                                                     route.string());
    return {route, hook};
  }
  // write_probe writing through `route` as the app account (no READ_ONLY ADMIN).
  std::unique_ptr<ProbeProcess> start_probe(const std::filesystem::path& route) const {
    std::string nodes;
    for (int i = 1; i <= cluster().nodes(); ++i) nodes += (i > 1 ? "," : "") + stack_->node_address(i);
    return std::make_unique<ProbeProcess>(std::vector<std::string>{
        "--nodes", nodes, "--route", route.string(), "--user", "app", "--password-file",
        cluster().password_file(Account::app).string(), "--database", "pivot_test", "--settle-timeout-ms", "20000",
        "--duration-ms", "120000"});
  }
  // Ends the probe: nothing acknowledged lost, no split brain, checksums
  // equal, writes acknowledged, and the route ending on `final_primary`.
  void expect_probe_lost_nothing(ProbeProcess& probe, int final_primary) const {
    auto outcome = probe.finish(std::chrono::seconds(60));
    ASSERT_TRUE(outcome.report) << outcome.describe();
    const auto& report = *outcome.report;
    std::cout << "write_probe: " << report.dump().substr(0, 600) << "\n";
    EXPECT_EQ(outcome.exit_code, 0) << outcome.describe();
    EXPECT_EQ(report.at("lost"), 0);
    EXPECT_EQ(report.at("split_brain"), false);
    EXPECT_EQ(report.at("checksums_equal"), true);
    EXPECT_GT(report.at("acked").get<int>(), 0);
    EXPECT_EQ(report.at("final_primary"), stack_->node_address(final_primary));
  }
  static PivotStack& stack() { return *stack_; }
  std::string cluster_path(const std::string& rest = "") const { return "/v1/clusters/" + stack_->cluster_name() + rest; }
  // Until pivotd observes `node` as the primary: a pivot names its expected
  // primary, and right after a pivot the agents' snapshots may still show
  // none (the old primary read-only, the new one's snapshot not yet in).
  void wait_observed_primary(const std::string& node) {
    ASSERT_TRUE(wait_until([&] { return stack_->api("GET", cluster_path(), nullptr, "viewer").body.value("primary", "") == node; },
                           std::chrono::seconds(10)))
        << "pivotd does not observe " << node << " as the primary: "
        << stack_->api("GET", cluster_path(), nullptr, "viewer").body.dump();
  }

  static inline std::unique_ptr<PivotStack> stack_;
  static inline std::string stack_error_;
};

}  // namespace pivot::test
