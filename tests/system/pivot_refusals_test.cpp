// What pivotd refuses, on a real cluster: candidates that must never be
// promoted, a catch-up that does not finish in time (rolled back: the old
// primary writable again), a failing pre_pivot hook (nothing changes), and
// agents that are not who they say they are (nothing they send counts).
#include <thread>

#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

class PivotRefusals : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("sysrefuse"); }

  static nlohmann::json check(const nlohmann::json& result, const std::string& id) {
    for (const auto& c : result["checks"]) {
      if (c["id"] == id) return c;
    }
    return nullptr;
  }

  void expect_untouched() {
    EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0") << "db1 must still take writes";
    for (int node = 2; node <= cluster().nodes(); ++node) {
      EXPECT_TRUE(wait_until(
          [&] {
            auto r = cluster().record(node, "SHOW SLAVE STATUS");
            return r["Master_Port"] == std::to_string(cluster().port(1)) && r["Slave_IO_Running"] == "Yes" &&
                   r["Slave_SQL_Running"] == "Yes";
          },
          15s))
          << "db" << node << "\n" << cluster().status();
    }
    cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (999999, 'after', 0)", Account::app);
  }
};

TEST_F(PivotRefusals, BackupAnalyticsAndStoppedSqlAreNotCandidates) {
  for (const auto& [node, word] : {std::pair{"db4", "backup"}, std::pair{"db5", "analytics"}}) {
    auto job = stack().run_job(cluster_path("/pivot-status"), {{"candidate", node}});
    ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
    EXPECT_EQ(job["result"]["eligible"], false) << job.dump(2);
    auto promotable = check(job["result"], "candidate_promotable");
    ASSERT_FALSE(promotable.is_null()) << job.dump(2);
    EXPECT_EQ(promotable["ok"], false);
    EXPECT_NE(promotable["detail"].get<std::string>().find(word), std::string::npos) << promotable.dump();
  }
  // Chosen automatically: a replica, and the backup is listed with its reason.
  auto chosen = stack().run_job(cluster_path("/pivot-status"));
  EXPECT_EQ(chosen["result"]["eligible"], true) << chosen.dump(2);
  const std::string candidate = chosen["result"]["candidate"];
  EXPECT_TRUE(candidate == "db2" || candidate == "db3") << candidate;
  bool backup_listed = false;
  for (const auto& r : chosen["result"]["rejected"]) {
    if (r["node"] == "db4") backup_listed = r["reason"].get<std::string>().find("backup") != std::string::npos;
  }
  EXPECT_TRUE(backup_listed) << chosen["result"]["rejected"].dump();

  cluster().execute(3, "STOP SLAVE SQL_THREAD");
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = stack().api("GET", cluster_path(), nullptr, "viewer");
        for (const auto& n : r.body["nodes"]) {
          if (n["name"] == "db3") return !n["state"].is_null() && n["state"]["replica"]["sql_running"] == false;
        }
        return false;
      },
      10s));
  auto stopped = stack().run_job(cluster_path("/pivot-status"), {{"candidate", "db3"}});
  EXPECT_EQ(stopped["result"]["eligible"], false);
  auto replicating = check(stopped["result"], "candidate_replicating");
  ASSERT_FALSE(replicating.is_null()) << stopped.dump(2);
  EXPECT_EQ(replicating["ok"], false) << replicating.dump();

  // A pivot to a refused candidate fails with the checks and changes nothing.
  auto pivot = stack().run_job(cluster_path("/pivot"), {{"candidate", "db4"}});
  EXPECT_EQ(pivot["state"], "failed") << pivot.dump(2);
  EXPECT_FALSE(check(pivot["result"], "candidate_promotable").is_null()) << pivot.dump(2);
  cluster().execute(3, "START SLAVE SQL_THREAD");
  expect_untouched();
}

TEST_F(PivotRefusals, ASlowCatchUpRollsBack) {
  stack().write_spec({.catch_up_timeout_ms = 700});
  // db2's SQL thread cannot apply while another session holds the global read lock.
  BackgroundProcess lock({"/usr/bin/mariadb", "--socket", cluster().socket(2).string(), "-u", "root", "-e",
                          "FLUSH TABLES WITH READ LOCK; SELECT SLEEP(60)"});
  ASSERT_TRUE(wait_until(
      [&] { return cluster().value(2, "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(60)%'") == "1"; },
      10s));
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (1, 'behind', 0)", Account::app);

  auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}});
  EXPECT_EQ(job["state"], "rolled_back") << job.dump(2);
  bool catch_up_failed = false;
  for (const auto& step : job["steps"]) {
    if (step["name"] == "catch_up") catch_up_failed = step["state"] == "failed";
  }
  EXPECT_TRUE(catch_up_failed) << job.dump(2);
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0") << "the old primary must be writable again";
  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "1") << "the candidate was never promoted";
  lock.kill_now();
  expect_untouched();
  cluster().sync_replicas();  // db2 applies what it was held back from
  EXPECT_EQ(cluster().value(2, "SELECT COUNT(*) FROM pivot_test.probe WHERE node = 'behind'"), "1");
}

TEST_F(PivotRefusals, AFailingPrePivotHookChangesNothing) {
  const std::string hook = stack().write_hook("freeze", "echo 'change freeze until Monday'; exit 3");
  stack().write_spec({.hooks = {{"pre_pivot", hook}}});
  auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}});
  EXPECT_EQ(job["state"], "failed") << job.dump(2);
  bool hook_reported = false, fenced = false;
  for (const auto& step : job["steps"]) {
    if (step["name"] == "pre_pivot") hook_reported = step["detail"].dump().find("change freeze") != std::string::npos;
    if (step["name"] == "fence_read_only") fenced = true;
  }
  EXPECT_TRUE(hook_reported) << job.dump(2);
  EXPECT_FALSE(fenced) << job.dump(2);
  expect_untouched();
}

TEST_F(PivotRefusals, UnknownKeysAndImpostorsChangeNothing) {
  const std::string db3_server_id = cluster().value(3, "SELECT @@server_id");
  // An agent with a key pivotd does not know, and one with db2's key claiming
  // to be db3; both report db1's mysqld, whose server_id would give them away.
  auto stranger = stack().start_impostor("stranger", "db3", 1);
  auto impostor = stack().start_impostor("db2", "db3", 1);
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = stack().api("GET", "/v1/agents", nullptr, "viewer");
        return r.body.value("rejected_keys", 0) > 0 && r.body.value("rejected_messages", 0) > 0;
      },
      15s))
      << stack().api("GET", "/v1/agents", nullptr, "viewer").body.dump(2);
  // Several heartbeats later db3 is still db3.
  for (int i = 0; i < 6; ++i) {
    auto r = stack().api("GET", cluster_path(), nullptr, "viewer");
    for (const auto& n : r.body["nodes"]) {
      if (n["name"] == "db3") {
        EXPECT_EQ(std::to_string(n["state"]["server_id"].get<int>()), db3_server_id);
      }
    }
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_NE(stack().pivotd_log().find("claims"), std::string::npos);
  stranger->kill_now();
  impostor->kill_now();
  expect_untouched();
}

TEST_F(PivotRefusals, TokensAreChecked) {
  EXPECT_EQ(stack().api("GET", "/v1/clusters", nullptr, "").status, 401);
  EXPECT_EQ(stack().api("GET", "/v1/clusters", nullptr, "not-a-token").status, 401);
  EXPECT_EQ(stack().api("GET", "/v1/clusters", nullptr, "viewer").status, 200);
  EXPECT_EQ(stack().api("POST", cluster_path("/pivot"), {{"candidate", "db2"}}, "viewer").status, 403);
  auto typo = stack().api("POST", cluster_path("/pivot"), {{"candiate", "db2"}});
  EXPECT_EQ(typo.status, 400) << typo.body.dump();
  auto wrong = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db3"}});
  EXPECT_EQ(wrong.status, 412) << wrong.body.dump();
  expect_untouched();
}

}  // namespace
}  // namespace pivot::test
