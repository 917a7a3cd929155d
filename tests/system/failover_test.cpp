// A manual failover on a real cluster (issue 15): refused while the primary
// lives; with db1's mysqld SIGKILLed, the most advanced survivor is promoted,
// every survivor replicates from it, and every acknowledged write whose
// events the replicas had received is on it (the relay logs applied first).
#include <thread>

#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

class Failover : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("sysfailover"); }

  // POST .../failover until pivotd finds the primary dead (409 until then),
  // then follows the job to its end.
  nlohmann::json fail_over(std::chrono::seconds detect_within) {
    nlohmann::json refused;
    const auto deadline = std::chrono::steady_clock::now() + detect_within;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = stack().api("POST", cluster_path("/failover"), nlohmann::json::object());
      if (r.status == 202) {
        const std::string id = r.body["job"];
        nlohmann::json job;
        EXPECT_TRUE(wait_until(
            [&] {
              job = stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer").body;
              const std::string state = job.value("state", "");
              return state != "queued" && state != "running";
            },
            60s));
        return job;
      }
      refused = r.body;
      std::this_thread::sleep_for(250ms);
    }
    ADD_FAILURE() << "pivotd never found the primary dead; last answer: " << refused.dump();
    return nullptr;
  }

  // After the test the suite's next one starts from a reset cluster (db1
  // primary again): the killed server is started first.
  void TearDown() override {
    StackTest::TearDown();
    try {
      cluster().start_node(1);
    } catch (const std::exception&) {
      // already running (the refusal test)
    }
  }
};

TEST_F(Failover, IsRefusedWhileThePrimaryLives) {
  auto r = stack().api("POST", cluster_path("/failover"), nlohmann::json::object());
  EXPECT_EQ(r.status, 409) << r.body.dump();
  EXPECT_NE(r.body.value("message", "").find("use pivot"), std::string::npos) << r.body.dump();
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0") << "db1 untouched";
  auto jobs = stack().api("GET", "/v1/jobs?cluster=" + stack().cluster_name(), nullptr, "viewer").body;
  for (const auto& j : jobs) EXPECT_NE(j.value("kind", ""), "failover") << "no failover job: " << j.dump();
}

TEST_F(Failover, AKilledPrimaryIsReplacedWithNothingReceivedLost) {
  constexpr int kRows = 200;
  for (int i = 1; i <= kRows; ++i) {
    cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (" + std::to_string(i) + ", 'db1', 0)", Account::app);
  }
  // Every acknowledged row received by every replica (not necessarily
  // applied): what the failover must not lose.
  const std::string written = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  for (int node = 2; node <= 5; ++node) {
    ASSERT_TRUE(wait_until([&] { return cluster().record(node, "SHOW SLAVE STATUS")["Gtid_IO_Pos"] == written; }, 15s))
        << "db" << node << " did not receive " << written;
  }
  cluster().stop(1, StopMode::kill);

  const auto job = fail_over(30s);
  ASSERT_FALSE(job.is_null());
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  const std::string new_primary = job["result"]["new_primary"];
  EXPECT_TRUE(new_primary == "db2" || new_primary == "db3") << job.dump(2);
  EXPECT_EQ(job["result"]["old_primary"], "db1");
  EXPECT_TRUE(job["result"]["to_writable_ms"].is_number()) << job["result"].dump();
  std::vector<std::string> steps;
  for (const auto& s : job["steps"]) steps.push_back(s["name"]);
  EXPECT_EQ(steps.front(), "check");
  EXPECT_NE(std::find(steps.begin(), steps.end(), "stop_io"), steps.end());
  EXPECT_NE(std::find(steps.begin(), steps.end(), "apply_relay"), steps.end());

  const int winner = new_primary == "db2" ? 2 : 3;
  EXPECT_EQ(cluster().value(winner, "SELECT @@global.read_only"), "0") << "the new primary takes writes";
  cluster().execute(winner, "INSERT INTO pivot_test.probe VALUES (" + std::to_string(kRows + 1) + ", 'new', 0)",
                    Account::app);
  // Every survivor replicates from the winner, read-only, and holds every row.
  expect_replicating_from(winner, {1});
  // sync_replicas would ask the dead db1 too: each survivor waits here.
  const std::string position = cluster().value(winner, "SELECT @@global.gtid_binlog_pos");
  for (int node = 2; node <= 5; ++node) {
    if (node == winner) continue;
    EXPECT_EQ(cluster().value(node, "SELECT MASTER_GTID_WAIT('" + position + "', 30)"), "0") << "db" << node;
  }
  const std::string expected = std::to_string(kRows + 1);
  const std::string checksum = cluster().record(winner, "CHECKSUM TABLE pivot_test.probe")["Checksum"];
  for (int node = 2; node <= 5; ++node) {
    EXPECT_EQ(cluster().value(node, "SELECT COUNT(*) FROM pivot_test.probe"), expected) << "db" << node;
    EXPECT_EQ(cluster().record(node, "CHECKSUM TABLE pivot_test.probe")["Checksum"], checksum) << "db" << node;
  }
}

}  // namespace
}  // namespace pivot::test
