// write_probe against a real 3-node cluster: it must report a clean planned
// switchover as clean, and it must catch a loss and a split brain that the
// test makes on purpose. Each scenario runs the real binary as a subprocess.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "pivot/test/cluster_test.hpp"
#include "probe_process.hpp"

namespace pivot::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class WriteProbe : public ClusterTest {
 protected:
  std::string node_name(int node) const { return cluster().host() + ":" + std::to_string(cluster().port(node)); }

  // The probe writing to every node as `app`, at the default 5 ms.
  std::unique_ptr<ProbeProcess> start_probe(std::int64_t settle_timeout_ms,
                                            const std::vector<std::string>& more_args = {}) const {
    std::string nodes;
    for (int i = 1; i <= cluster().nodes(); ++i) nodes += (i > 1 ? "," : "") + node_name(i);
    std::vector<std::string> args{
        "--nodes", nodes, "--user", "app", "--password-file", cluster().password_file(Account::app).string(),
        "--database", std::string(Cluster::kTestDatabase), "--settle-timeout-ms", std::to_string(settle_timeout_ms),
        // A safety bound: the test stops it long before through the stop file.
        "--duration-ms", "60000"};
    args.insert(args.end(), more_args.begin(), more_args.end());
    auto probe = std::make_unique<ProbeProcess>(args);
    EXPECT_TRUE(probe->wait_ready(10s)) << probe->finish(1s).describe();
    return probe;
  }

  struct SwitchoverTimes {
    std::int64_t fenced_at = 0;    // epoch ms, just before the fence
    std::int64_t promoted_at = 0;  // epoch ms, just after the candidate became writable
  };

  // The SQL-only planned switchover of ARCHITECTURE.md; `after_promote` is
  // the traffic switch (a proxy's route), run at once like post_promote.
  SwitchoverTimes switch_over(int old_primary, int candidate, const std::function<void()>& after_promote = {}) const {
    SwitchoverTimes times;
    times.fenced_at = now_ms();
    fence(old_primary);
    const std::string position = cluster().value(old_primary, "SELECT @@gtid_binlog_pos");
    EXPECT_EQ(cluster().value(candidate, "SELECT MASTER_GTID_WAIT('" + position + "', 10)"), "0");
    promote(candidate);
    times.promoted_at = now_ms();
    if (after_promote) after_promote();
    for (int node = 1; node <= cluster().nodes(); ++node) {
      if (node != old_primary && node != candidate) repoint(node, candidate);
    }
    demote(old_primary, candidate);
    return times;
  }

  // read_only, then every `app` session killed: the fence of ARCHITECTURE.md.
  void fence(int node) const {
    cluster().execute(node, "SET GLOBAL read_only = 1");
    for (const auto& row : cluster().query(node, "SELECT id FROM information_schema.processlist WHERE user = 'app'")) {
      cluster().try_query(node, "KILL " + row.at(0));  // a session may end on its own meanwhile
    }
  }

  void promote(int node) const { cluster().execute(node, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0"); }

  std::string change_master_to(int source) const {
    return "CHANGE MASTER TO MASTER_HOST='" + cluster().host() + "', MASTER_PORT=" +
           std::to_string(cluster().port(source)) + ", MASTER_USER='repl', MASTER_PASSWORD='" +
           cluster().password(Account::repl) +
           "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1";
  }

  void repoint(int replica, int source) const {
    cluster().execute(replica, "STOP SLAVE; " + change_master_to(source) + "; START SLAVE");
  }

  // The old primary becomes a replica from its own position: with an empty
  // gtid_slave_pos the new primary would resend everything (FIELD_NOTES).
  void demote(int old_primary, int source) const {
    cluster().execute(old_primary, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos; " +
                                       change_master_to(source) + "; START SLAVE");
  }

  // The parsed JSON line; its headline goes to the test log for the record.
  static json report_of(const ProbeOutcome& outcome) {
    EXPECT_TRUE(outcome.report.has_value()) << outcome.describe();
    const json report = outcome.report.value_or(json::object());
    std::cout << "write_probe: exit " << outcome.exit_code << " acked=" << report.value("acked", -1)
              << " lost=" << report.value("lost", -1) << " split_brain=" << report.value("split_brain", false)
              << " write_blocked_ms=" << report.value("write_blocked_ms", -1)
              << " checksums_equal=" << report.value("checksums_equal", false) << "\n";
    return report;
  }

  static const json& node_entry(const json& report, const std::string& name) {
    for (const auto& node : report.at("nodes")) {
      if (node.at("node") == name) return node;
    }
    throw std::runtime_error("no entry for " + name + " in " + report.dump());
  }
};

// Test order matters for time only: the fixture re-copies nodes left with
// errant transactions, so the scenarios that damage the cluster come last.
TEST_F(WriteProbe, PlannedSwitchoverLosesNothingAndShowsItsWindow) {
  auto probe = start_probe(10'000);
  std::this_thread::sleep_for(500ms);
  const SwitchoverTimes times = switch_over(1, 2);
  std::this_thread::sleep_for(500ms);

  const ProbeOutcome outcome = probe->finish(30s);
  const json report = report_of(outcome);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.describe();
  EXPECT_EQ(report.at("lost"), 0);
  EXPECT_EQ(report.at("split_brain"), false);
  EXPECT_EQ(report.at("checksums_equal"), true);
  EXPECT_EQ(report.at("settled"), true);
  EXPECT_EQ(report.at("final_primary"), node_name(2));
  // Writes went to the old primary, then to the new one, and nowhere else.
  EXPECT_GT(node_entry(report, node_name(1)).at("acked").get<int>(), 0);
  EXPECT_GT(node_entry(report, node_name(2)).at("acked").get<int>(), 0);
  EXPECT_EQ(node_entry(report, node_name(3)).at("acked"), 0);
  // The window is the switchover's: it spans the fence-to-promotion interval.
  EXPECT_GT(report.at("write_blocked_ms").get<int>(), 0);
  EXPECT_LE(report.at("blocked_from_epoch_ms").get<std::int64_t>(), times.promoted_at) << report.dump();
  EXPECT_GE(report.at("blocked_to_epoch_ms").get<std::int64_t>(), times.fenced_at) << report.dump();
  EXPECT_FALSE(report.at("blocked_until_end").get<bool>());
}

// The route written whole first, then switched by appending a line, as the
// demo's post_promote hook does (scripts/lib/stack.sh).
TEST_F(WriteProbe, RoutedClientWritesOnlyWhereTheRouteFileSays) {
  const auto route = cluster().dir() / "route";
  std::ofstream(route) << node_name(1) << "\n";
  auto probe = start_probe(10'000, {"--route", route.string()});
  std::this_thread::sleep_for(300ms);
  switch_over(1, 2, [&] { std::ofstream(route, std::ios::app) << node_name(2) << "\n"; });
  std::this_thread::sleep_for(300ms);

  const ProbeOutcome outcome = probe->finish(30s);
  const json report = report_of(outcome);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.describe();
  EXPECT_EQ(report.at("mode"), "route");
  EXPECT_EQ(report.at("lost"), 0);
  EXPECT_EQ(report.at("final_primary"), node_name(2));
  EXPECT_GT(node_entry(report, node_name(1)).at("acked").get<int>(), 0);
  EXPECT_GT(node_entry(report, node_name(2)).at("acked").get<int>(), 0);
  EXPECT_EQ(node_entry(report, node_name(3)).at("attempts"), 0) << "never routed there";
  EXPECT_GT(report.at("write_blocked_ms").get<int>(), 0);
}

// One writer thread per node with short timeouts: a server that hangs
// (SIGSTOP: it accepts connections and never answers) must not hold the
// writes to the others. Had it done so, the window would reach the 1 s
// session timeout at least.
TEST_F(WriteProbe, AHungReplicaDoesNotStallTheWritesToThePrimary) {
  auto probe = start_probe(10'000);
  std::this_thread::sleep_for(300ms);
  const pid_t replica = cluster().pid(3);
  ASSERT_GT(replica, 0);
  ASSERT_EQ(kill(replica, SIGSTOP), 0);
  struct Resume {
    pid_t pid;
    ~Resume() { kill(pid, SIGCONT); }  // also when an assertion leaves early
  } resume{replica};
  std::this_thread::sleep_for(2500ms);
  kill(replica, SIGCONT);
  std::this_thread::sleep_for(300ms);

  const ProbeOutcome outcome = probe->finish(30s);
  const json report = report_of(outcome);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.describe();
  EXPECT_EQ(report.at("lost"), 0);
  EXPECT_LT(report.at("write_blocked_ms").get<int>(), 1000) << report.dump();
  const json& hung = node_entry(report, node_name(3));
  EXPECT_GT(hung.at("connect_failures").get<int>() + hung.at("failed").get<int>(), 0) << hung.dump();
  // Most ticks of the 3 s run were acknowledged by node 1.
  EXPECT_GT(node_entry(report, node_name(1)).at("acked").get<int>(), report.at("ticks").get<int>() / 2);
}

TEST_F(WriteProbe, CatchesTwoWritableNodes) {
  auto probe = start_probe(2'000);  // node 3's own writes break its replication: do not wait long
  std::this_thread::sleep_for(200ms);
  cluster().execute(3, "SET GLOBAL read_only = 0");  // node 1 is still writable
  std::this_thread::sleep_for(300ms);
  cluster().execute(3, "SET GLOBAL read_only = 1");  // one primary again at the end:
  std::this_thread::sleep_for(200ms);                // only the ticks can tell

  const ProbeOutcome outcome = probe->finish(30s);
  const json report = report_of(outcome);
  EXPECT_EQ(outcome.exit_code, 1) << outcome.describe();
  EXPECT_EQ(report.at("split_brain"), true);
  EXPECT_GT(report.at("split_brain_ticks").get<int>(), 0);
  EXPECT_EQ(report.at("split_brain_nodes"), json::array({node_name(1), node_name(3)}));
  EXPECT_EQ(report.at("writable_at_end"), json::array({node_name(1)}));
  ASSERT_FALSE(report.at("split_brain_examples").empty());
  EXPECT_EQ(report.at("split_brain_examples")[0].at("nodes"), json::array({node_name(1), node_name(3)}));
  // What node 3 acknowledged never reached node 1, the primary that remains.
  EXPECT_EQ(report.at("lost"), node_entry(report, node_name(3)).at("acked")) << report.dump();
}

TEST_F(WriteProbe, CatchesWritesLostByPromotingALaggingReplica) {
  auto probe = start_probe(2'000);  // the old primary never catches up: do not wait long
  cluster().execute(2, "STOP SLAVE SQL_THREAD");
  std::this_thread::sleep_for(400ms);  // node 1 acknowledges writes node 2 never applies
  fence(1);
  promote(2);
  std::this_thread::sleep_for(300ms);

  const ProbeOutcome outcome = probe->finish(30s);
  const json report = report_of(outcome);
  EXPECT_EQ(outcome.exit_code, 1) << outcome.describe();
  EXPECT_EQ(report.at("final_primary"), node_name(2));
  EXPECT_EQ(report.at("lost_checked_on"), node_name(2));
  EXPECT_EQ(report.at("split_brain"), false) << "node 1 was fenced before node 2 took writes";
  EXPECT_EQ(report.at("checksums_equal"), false);
  // Counted independently: node 1's rows that node 2 does not have. Every one
  // of them was acknowledged (no session was killed while writing).
  const std::string node1_rows = "SELECT COUNT(*) FROM pivot_test.probe WHERE node = '" + node_name(1) + "'";
  const int missing = std::stoi(cluster().value(1, node1_rows)) - std::stoi(cluster().value(2, node1_rows));
  EXPECT_GT(missing, 0);
  EXPECT_EQ(report.at("lost"), missing) << report.dump();
  ASSERT_FALSE(report.at("lost_rows").empty());
  EXPECT_EQ(report.at("lost_rows")[0].at("node"), node_name(1));
}

}  // namespace
}  // namespace pivot::test
