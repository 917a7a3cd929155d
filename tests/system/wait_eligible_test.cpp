// Waiting for eligibility on a real cluster (issue 23): a pivot whose
// candidate is not yet eligible (db2's SQL thread stopped, as a copy restored
// from a backup that starts late) waits, shows what it waits for, and pivots
// as soon as db2 has caught up, under writes; a deadline too short ends it
// not eligible with nothing changed; a waiting job is cancelled.
#include <thread>

#include "pivot/test/process.hpp"
#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

class WaitForEligibility : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("syswait"); }

  // db2's SQL thread stopped, and pivotd seeing it so (a wait that began on
  // an older report would find db2 eligible at once).
  void stop_db2_sql_thread() {
    cluster().execute(2, "STOP SLAVE SQL_THREAD");
    ASSERT_TRUE(wait_until(
        [&] {
          const auto view = stack().api("GET", cluster_path(), nullptr, "viewer").body;  // kept: the loop reads into it
          for (const auto& n : view["nodes"]) {
            if (n["name"] == "db2" && n["state"].is_object() && n["state"]["replica"].is_object()) {
              return n["state"]["replica"]["sql_running"] == false;
            }
          }
          return false;
        },
        10s))
        << "pivotd never saw db2's SQL thread stopped: " << stack().api("GET", cluster_path(), nullptr, "viewer").body.dump();
  }

  void TearDown() override {
    StackTest::TearDown();
    // The next test's reset expects replication running (db2 may be the
    // primary now: then it has no source, and nothing to start).
    if (!cluster().record(2, "SHOW SLAVE STATUS")["Master_Host"].empty()) cluster().execute(2, "START SLAVE SQL_THREAD");
  }
};

TEST_F(WaitForEligibility, PivotctlWaitsForItsCandidateAndPivotsOnceItCaughtUpUnderWrites) {
  auto [route, hook] = route_with_hook();
  stack().write_spec({.hooks = {{"post_promote", hook}}});
  stop_db2_sql_thread();
  auto probe = start_probe(route);
  ASSERT_TRUE(probe->wait_ready(10s));
  // db2 starts applying only after pivotctl began to wait.
  std::thread release([&] {
    std::this_thread::sleep_for(4s);
    cluster().execute(2, "START SLAVE SQL_THREAD");
  });
  auto run = run_process({built_binary("pivotctl", PIVOT_DEFAULT_BIN_DIR).string(), "--controller",
                          "http://127.0.0.1:" + std::to_string(stack().http_port()), "pivot", stack().cluster_name(),
                          "--candidate", "db2", "--wait", "2m", "--yes"},
                         180s, {{"PIVOT_TOKEN", stack().token("operator")}});
  release.join();
  std::cout << run.out << "\n";
  EXPECT_EQ(run.exit_code, 0) << run.describe() << run.out << run.err;
  EXPECT_NE(run.out.find("waiting for"), std::string::npos) << "the wait's progress is shown:\n" << run.out;
  EXPECT_NE(run.out.find("db2 is the new primary"), std::string::npos) << run.out;
  expect_probe_lost_nothing(*probe, 2);
  expect_replicating_from(2);
}

TEST_F(WaitForEligibility, ADeadlineTooShortEndsNotEligibleWithNothingChanged) {
  stop_db2_sql_thread();
  const auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}, {"wait_s", 3}}, 30s);
  EXPECT_EQ(job["state"], "failed") << job.dump(2);
  EXPECT_EQ(job["result"]["error"], "not_eligible") << job.dump(2);
  EXPECT_EQ(job["result"]["eligible"], false);
  EXPECT_GE(job["result"]["waited_ms"].get<long long>(), 2500) << job.dump(2);
  EXPECT_TRUE(job["steps"].empty()) << "no step ran: " << job.dump(2);
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0") << "db1 is still the primary";
  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "1");
}

TEST_F(WaitForEligibility, AWaitingPivotStatusShowsItsProgressHoldsNothingAndIsCancelled) {
  stop_db2_sql_thread();
  auto started = stack().api("POST", cluster_path("/pivot-status"), {{"candidate", "db2"}, {"wait_s", 120}});
  ASSERT_EQ(started.status, 202) << started.body.dump();
  const std::string id = started.body["job"];
  nlohmann::json job;
  ASSERT_TRUE(wait_until(
      [&] {
        job = stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer").body;
        return job.contains("progress") && !job["progress"]["failing"].empty();
      },
      10s))
      << job.dump(2);
  EXPECT_EQ(job["state"], "running");
  EXPECT_EQ(job["progress"]["candidate"], "db2");
  // It holds nothing: a pivot to db3 may run meanwhile.
  const auto other = stack().run_job(cluster_path("/pivot"), {{"candidate", "db3"}, {"dry_run", true}});
  EXPECT_EQ(other["state"], "succeeded") << other.dump(2);
  auto cancelled = stack().api("POST", "/v1/jobs/" + id + "/cancel", nlohmann::json::object());
  EXPECT_EQ(cancelled.status, 200) << cancelled.body.dump();
  EXPECT_TRUE(wait_until([&] { return stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer").body["state"] == "cancelled"; }, 10s));
}

}  // namespace
}  // namespace pivot::test
