// Partitions (issue 16 item 3), with network namespaces on a real 5-node
// MariaDB cluster, its agents and pivotd, under write_probe through the route
// the post_promote hook switches. Three "hosts" (scripts/netns): ctl holds
// pivotd, this test process and everything it starts (write_probe, the
// clients); p1 holds db1's mysqld and agent; reps the other four nodes and
// their agents. Each pair of hosts has its own link:
// - ctl-p1 cut alone: pivotd hears nothing from db1's agent, but the replicas
//   still receive from db1: `degraded`, no failover;
// - ctl-p1 and p1-reps cut (db1 isolated): a failover; a client on db1's own
//   host writes there meanwhile; when the links come back db1 is fenced and
//   marked needs_rebuild with that write named.
// Root is needed (CI runs as root): without it every test fails, loudly.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "failover_stack_test.hpp"
#include "network_namespaces.hpp"
#include "pivot/test/process.hpp"

namespace pivot::test {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Partitions : public FailoverStackTest {
 protected:
  static void SetUpTestSuite() {
    std::string dir = (fs::temp_directory_path() / "pivot-netns-XXXXXX").string();
    try {
      if (mkdtemp(dir.data()) == nullptr) throw std::runtime_error("cannot create " + dir);
      netns_ = std::make_unique<NetworkNamespaces>(dir);
      // Before anything reaches the namespaces' addresses: pivotd, the
      // agents' scripts and every client start from here, inside ctl.
      netns_->enter_ctl();
    } catch (const std::exception& e) {
      netns_error_ = e.what();
      netns_.reset();
      std::error_code ignored;
      fs::remove(dir, ignored);  // empty when nothing was made in it (no root)
      return;
    }
    ClusterOptions options{.nodes = 5, .name = "syspart"};
    options.netns.push_back(netns_->node_in(1, "p1"));
    for (int node = 2; node <= 5; ++node) options.netns.push_back(netns_->node_in(node, "reps"));
    start_stack_on(options, "", "", netns_->address("ctl"));
  }
  static void TearDownTestSuite() {
    StackTest::TearDownTestSuite();  // every process first: then the namespaces go
    netns_.reset();
  }

  void SetUp() override {
    ASSERT_TRUE(netns_) << "no network namespaces: " << netns_error_;
    FailoverStackTest::SetUp();
  }
  // The links back before the next test's reset (it needs db1 reachable).
  void TearDown() override {
    for (const auto& link : cut_) {
      try {
        netns_->heal(link);
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
      }
    }
    cut_.clear();
    FailoverStackTest::TearDown();
  }

  void cut(const std::string& link) {
    netns_->cut(link);
    cut_.push_back(link);
  }
  void heal(const std::string& link) {
    netns_->heal(link);
    cut_.erase(std::remove(cut_.begin(), cut_.end(), link), cut_.end());
  }

  std::string detection() { return cluster_view()["failover"].value("detection", ""); }

  // An INSERT as `app` by a client on db1's own host (in p1, through db1's
  // address there): what a partition leaves reachable. Its error code, 0 when
  // acknowledged.
  int write_from_db1s_host(long long seq) {
    auto r = run_process({"ip", "netns", "exec", netns_->name("p1"), "mariadb", "--no-defaults", "--user=app",
                          "--host=" + cluster().host(1), "--port=" + std::to_string(cluster().port(1)),
                          "--connect-timeout=3", "--execute=INSERT INTO pivot_test.probe VALUES (" +
                              std::to_string(seq) + ", 'db1-host', 0)"},
                         15s, {{"MYSQL_PWD", cluster().password(Account::app)}});
    if (r.ok()) return 0;
    std::cout << "write on db1's host: " << r.err;
    const auto at = r.err.find("ERROR ");
    return at == std::string::npos ? -1 : std::atoi(r.err.c_str() + at + 6);
  }

  static inline std::unique_ptr<NetworkNamespaces> netns_;
  static inline std::string netns_error_;
  std::vector<std::string> cut_;
};

TEST_F(Partitions, PivotdCutFromThePrimaryAloneIsDegradedAndNothingFailsOver) {
  auto probe = auto_failover_under_routed_writes();
  if (HasFailure()) return;
  std::this_thread::sleep_for(500ms);

  cut("ctl-p1");
  // agent_dead_ms is 5 s in the stack's spec: past it, db1's agent is
  // silent, and every replica still receives from db1.
  EXPECT_TRUE(wait_until([&] { return detection() == "degraded"; }, 15s)) << cluster_view().dump(2);
  std::cout << "ctl-p1 cut: " << reasons();
  expect_no_job("failover", 4s);
  EXPECT_EQ(cluster_view()["health"]["state"], "degraded") << cluster_view()["health"].dump(2);
  for (int node = 2; node <= 5; ++node) {
    EXPECT_EQ(cluster().record(node, "SHOW SLAVE STATUS")["Slave_IO_Running"], "Yes") << "db" << node;
  }
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0") << "db1 untouched";

  heal("ctl-p1");
  EXPECT_TRUE(wait_until([&] { return detection() == "healthy"; }, 20s)) << cluster_view().dump(2);
  expect_no_job("failover", 1s);
  std::this_thread::sleep_for(1s);  // writes acknowledged by db1 again
  expect_probe_lost_nothing(*probe, 1);
  expect_replicating_from(1);
}

TEST_F(Partitions, AnIsolatedPrimaryIsReplacedAndFencedWhenItsLinksComeBack) {
  auto probe = auto_failover_under_routed_writes();
  if (HasFailure()) return;
  std::this_thread::sleep_for(500ms);

  // Clients (ctl) first, then the replicas: what db1 acknowledged to the
  // probe has reached the replicas before their link goes (asynchronous
  // replication ships in milliseconds; semi-sync would not need the pause).
  cut("ctl-p1");
  std::this_thread::sleep_for(500ms);
  cut("p1-reps");
  const auto job = next_job("failover", 40s);
  ASSERT_FALSE(job.is_null()) << "no failover of the isolated db1 within 40 s\n" << reasons();
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  std::cout << "failover result: " << job["result"].dump() << "\n";
  const std::string winner_name = job["result"].value("new_primary", "");
  ASSERT_TRUE(winner_name == "db2" || winner_name == "db3") << job.dump(2);
  const int winner = number_of(winner_name);
  expect_replicating_from(winner, {1});

  // Isolated, db1 is still writable to whoever shares its host: nothing in
  // the partition can fence it (the pre_failover hook is where STONITH goes).
  EXPECT_EQ(write_from_db1s_host(8'000'000'000'000LL), 0) << "db1 refused a write from its own host";
  const std::string extra = cluster().value(1, "SELECT @@global.gtid_binlog_pos");

  heal("p1-reps");
  heal("ctl-p1");
  const auto rejoin = next_job("rejoin", 40s);
  ASSERT_FALSE(rejoin.is_null()) << "db1 back, no rejoin job\n" << reasons();
  std::cout << "db1's return: " << rejoin["result"].dump() << "\n";
  EXPECT_EQ(rejoin["result"].value("verdict", ""), "needs_rebuild") << rejoin.dump(2);
  EXPECT_NE(rejoin["result"].value("extra_gtids", "").find(extra.substr(extra.rfind('-') + 1)), std::string::npos)
      << "the write on db1's host is not named: " << rejoin.dump(2) << " (db1 at " << extra << ")";
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "1");
  EXPECT_EQ(write_from_db1s_host(8'000'000'000'001LL), 1290) << "db1 took a write after it was fenced";
  EXPECT_EQ(cluster().value(winner, "SELECT COUNT(*) FROM pivot_test.probe WHERE node = 'db1-host'"), "0");

  auto outcome = probe->finish(60s);
  ASSERT_TRUE(outcome.report) << outcome.describe();
  const auto& report = *outcome.report;
  std::cout << "write_probe: " << report.dump().substr(0, 800) << "\n";
  EXPECT_EQ(report.at("lost"), 0);
  EXPECT_EQ(report.at("split_brain"), false);
  EXPECT_EQ(report.at("final_primary"), stack().node_address(winner));
  EXPECT_GT(report.at("acked").get<int>(), 0);
}

}  // namespace
}  // namespace pivot::test
