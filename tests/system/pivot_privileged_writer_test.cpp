// The fence against writers that read_only does not stop (issue 12): an
// account with ALL PRIVILEGES (READ_ONLY ADMIN, as root and many application
// accounts have) writes through the route during a pivot, a pivot back and a
// rolled-back pivot, both pooled (one session per node, reconnecting after a
// KILL) and connecting anew for every write; and root itself, over the Unix
// socket of whichever node the route names. Nothing acknowledged is lost, no
// node holds a transaction the primary lacks, checksums agree and every
// replica replicates afterwards.
#include <fstream>
#include <thread>

#include "probe_process.hpp"
#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

class PivotPrivilegedWriter : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("syspriv"); }

  void SetUp() override {
    StackTest::SetUp();
    if (HasFatalFailure()) return;
    password_file_ = create_admin({"probe_pooled", "probe_per_write", "probe_root"});
    route_ = stack().dir() / "route";
    std::ofstream(route_) << stack().node_address(1) << "\n";
    hook_ = stack().write_hook("route-traffic", "echo \"$PIVOT_NEW_PRIMARY\" > " + route_.string() + ".tmp && mv " +
                                                    route_.string() + ".tmp " + route_.string());
  }

  // write_probe as `admin` through the route, into its own table.
  std::unique_ptr<ProbeProcess> admin_probe(const std::string& table, bool per_write) const {
    std::string nodes;
    for (int i = 1; i <= cluster().nodes(); ++i) nodes += (i > 1 ? "," : "") + stack().node_address(i);
    std::vector<std::string> args{"--nodes", nodes, "--route", route_.string(), "--user", "admin",
                                  "--password-file", password_file_.string(), "--database", "pivot_test",
                                  "--table", table, "--timeout-s", "3", "--settle-timeout-ms", "20000",
                                  "--duration-ms", "120000"};
    if (per_write) args.push_back("--connect-per-write");
    return std::make_unique<ProbeProcess>(args);
  }

  // write_probe as root over the Unix socket of whichever node the route names.
  std::unique_ptr<ProbeProcess> root_probe(const std::string& table) const {
    std::string nodes;
    std::vector<std::string> args{"--route", route_.string(), "--user", "root", "--database", "pivot_test",
                                  "--table", table, "--timeout-s", "3", "--settle-timeout-ms", "20000",
                                  "--duration-ms", "120000"};
    for (int i = 1; i <= cluster().nodes(); ++i) {
      nodes += (i > 1 ? "," : "") + stack().node_address(i);
      args.insert(args.end(), {"--socket", stack().node_address(i) + "=" + cluster().socket(i).string()});
    }
    args.insert(args.end(), {"--nodes", nodes});
    return std::make_unique<ProbeProcess>(args);
  }

  static void expect_nothing_lost(ProbeProcess& probe, const std::string& final_primary) {
    auto outcome = probe.finish(60s);
    ASSERT_TRUE(outcome.report) << outcome.describe();
    const auto& report = *outcome.report;
    std::cout << "write_probe: " << report.dump().substr(0, 600) << "\n";
    EXPECT_EQ(outcome.exit_code, 0) << outcome.describe();
    EXPECT_EQ(report.at("lost"), 0) << report.dump(2);
    EXPECT_EQ(report.at("split_brain"), false);
    EXPECT_EQ(report.at("checksums_equal"), true);
    EXPECT_GT(report.at("acked").get<int>(), 0);
    EXPECT_EQ(report.at("final_primary"), final_primary);
  }

  // No node holds a transaction the primary lacks (an errant one would stop
  // replication, or show as a position the primary never reaches).
  void expect_no_errant_transaction(int primary) {
    cluster().sync_replicas(primary);
    const std::string position = cluster().value(primary, "SELECT @@global.gtid_binlog_pos");
    for (int node = 1; node <= cluster().nodes(); ++node) {
      EXPECT_EQ(cluster().value(node, "SELECT @@global.gtid_current_pos"), position) << "db" << node;
    }
  }

  static std::string step_state(const nlohmann::json& job, const std::string& name) {
    for (const auto& step : job["steps"]) {
      if (step["name"] == name) return step["state"];
    }
    return "absent";
  }

  std::filesystem::path password_file_, route_;
  std::string hook_;
};

TEST_F(PivotPrivilegedWriter, PivotAndBackLoseNothingWrittenWithAllPrivileges) {
  stack().write_spec({.hooks = {{"post_promote", hook_}}, .priority = {{"db2", 10}}});
  auto pooled = admin_probe("probe_pooled", false);
  auto per_write = admin_probe("probe_per_write", true);
  auto root = root_probe("probe_root");
  ASSERT_TRUE(pooled->wait_ready(10s));
  ASSERT_TRUE(per_write->wait_ready(10s));
  ASSERT_TRUE(root->wait_ready(10s));
  std::this_thread::sleep_for(300ms);

  auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db1"}});
  std::cout << "pivot 1: " << job.dump().substr(0, 3000) << "\n";
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(step_state(job, "fence_lock"), "succeeded");
  EXPECT_EQ(step_state(job, "confirm_fence"), "succeeded");
  EXPECT_EQ(step_state(job, "release_fence"), "succeeded");
  EXPECT_EQ(step_state(job, "verify_old_primary"), "succeeded");
  std::this_thread::sleep_for(300ms);
  expect_replicating_from(2);

  stack().wait_ready();
  wait_observed_primary("db2");
  job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db1"}, {"expected_primary", "db2"}});
  std::cout << "pivot 2: " << job.dump().substr(0, 3000) << "\n";
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(step_state(job, "verify_old_primary"), "succeeded");
  std::this_thread::sleep_for(300ms);

  expect_nothing_lost(*pooled, stack().node_address(1));
  expect_nothing_lost(*per_write, stack().node_address(1));
  expect_nothing_lost(*root, stack().node_address(1));
  expect_replicating_from(1);
  expect_no_errant_transaction(1);
}

TEST_F(PivotPrivilegedWriter, ARolledBackPivotLosesNothingWrittenWithAllPrivileges) {
  stack().write_spec({.catch_up_timeout_ms = 700, .hooks = {{"post_promote", hook_}}});
  auto pooled = admin_probe("probe_pooled", false);
  auto per_write = admin_probe("probe_per_write", true);
  auto root = root_probe("probe_root");
  ASSERT_TRUE(pooled->wait_ready(10s));
  ASSERT_TRUE(per_write->wait_ready(10s));
  ASSERT_TRUE(root->wait_ready(10s));
  // db2's SQL thread cannot apply while another session holds the global
  // read lock: its catch-up times out and the pivot rolls back, while the
  // admin writers queue on db1's fence.
  BackgroundProcess lock({"/usr/bin/mariadb", "--socket", cluster().socket(2).string(), "-u", "root", "-e",
                          "FLUSH TABLES WITH READ LOCK; SELECT SLEEP(60)"});
  ASSERT_TRUE(wait_until(
      [&] {
        return cluster().value(2, "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE "
                                  "'SELECT SLEEP(60)%'") == "1";
      },
      10s));
  std::this_thread::sleep_for(300ms);

  auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}});
  std::cout << "pivot: " << job.dump().substr(0, 3000) << "\n";
  EXPECT_EQ(job["state"], "rolled_back") << job.dump(2);
  EXPECT_EQ(step_state(job, "rollback_release_fence"), "succeeded");
  EXPECT_EQ(step_state(job, "rollback_old_primary_writable"), "succeeded");
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0") << "the old primary must be writable again";
  std::this_thread::sleep_for(300ms);  // writes after the rollback, on db1 again
  lock.kill_now();

  expect_nothing_lost(*pooled, stack().node_address(1));
  expect_nothing_lost(*per_write, stack().node_address(1));
  expect_nothing_lost(*root, stack().node_address(1));
  expect_replicating_from(1);
  expect_no_errant_transaction(1);
}

}  // namespace
}  // namespace pivot::test
