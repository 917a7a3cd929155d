// The main job, end to end: a pivot requested over the REST API while
// write_probe writes through a route that the post_promote hook switches.
// Nothing acknowledged is lost, no two nodes take writes, checksums agree,
// and every other node (the old primary included) replicates from the new
// primary. Then a second pivot takes the cluster back.
#include <fstream>
#include <thread>

#include "probe_process.hpp"
#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

class PivotUnderLoad : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("sysload"); }
};

TEST_F(PivotUnderLoad, PivotAndBackLoseNothing) {
  const auto [route, hook] = route_with_hook();
  stack().write_spec({.hooks = {{"post_promote", hook}}, .priority = {{"db2", 10}}});
  auto probe = start_probe(route);
  ASSERT_TRUE(probe->wait_ready(10s));
  std::this_thread::sleep_for(300ms);  // writes before the pivot

  // No candidate named: the rules choose db2 (promotable, replicating, priority 10).
  auto job = stack().run_job(cluster_path("/pivot"), {{"expected_primary", "db1"}});
  std::cout << "pivot 1: " << job.dump() << "\n";
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(job["result"]["old_primary"], "db1");
  EXPECT_EQ(job["result"]["new_primary"], "db2");
  EXPECT_GT(job["result"]["write_blocked_ms"].get<double>(), 0);
  EXPECT_EQ(job["requested_by"], "pipeline");
  std::this_thread::sleep_for(300ms);  // writes between the pivots
  expect_replicating_from(2);

  // And back, naming the candidate.
  stack().wait_ready();
  wait_observed_primary("db2");
  job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db1"}, {"expected_primary", "db2"}});
  std::cout << "pivot 2: " << job.dump() << "\n";
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(job["result"]["new_primary"], "db1");
  std::this_thread::sleep_for(300ms);  // writes after

  expect_probe_lost_nothing(*probe, 1);
  expect_replicating_from(1);
}

TEST_F(PivotUnderLoad, ASecondPivotWhileOneRunsGets409) {
  // A slow post_promote hook keeps the first pivot running.
  const std::string hook = stack().write_hook("slow", "sleep 2");
  stack().write_spec({.hooks = {{"post_promote", hook}}});
  auto first = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db2"}});
  ASSERT_EQ(first.status, 202) << first.body.dump();
  auto second = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db3"}});
  EXPECT_EQ(second.status, 409) << second.body.dump();
  EXPECT_EQ(second.body["error"], "conflict");
  // A dry run takes no lock and still answers.
  auto dry = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db3"}, {"dry_run", true}});
  EXPECT_EQ(dry.status, 202) << dry.body.dump();
  const std::string id = first.body["job"];
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer");
        return r.body.value("state", "") == "succeeded";
      },
      30s));
}

}  // namespace
}  // namespace pivot::test
