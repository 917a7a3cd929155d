// The exact rollback on the real stack (issue 12 item 3): pivotd runs with
// the test-only failpoint promote/set_read_only:drop_answer, so db2's switch
// to writable runs but its answer is lost. The rollback makes db2 read-only
// again and compares its position with the captured one:
// - nothing written there meanwhile: rolled back, write_probe loses nothing,
//   every node replicates from db1 again;
// - a row written on db2 while it was writable: the job ends failed with the
//   old primary fenced and the transaction's GTID named, never dropped.
#include <thread>

#include <gmock/gmock.h>

#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

class LostPromoteAnswer : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("syslost", "promote/set_read_only:drop_answer"); }

  static const nlohmann::json* step(const nlohmann::json& job, const std::string& name) {
    for (const auto& s : job["steps"]) {
      if (s["name"] == name) return &s;
    }
    return nullptr;
  }
};

TEST_F(LostPromoteAnswer, RollsBackLosingNothingWhenNothingWasWrittenOnTheCandidate) {
  const auto [route, hook] = route_with_hook();
  stack().write_spec({.hooks = {{"post_promote", hook}}});
  auto probe = start_probe(route);
  ASSERT_TRUE(probe->wait_ready(10s));
  std::this_thread::sleep_for(300ms);

  auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db1"}});
  std::cout << "pivot: " << job.dump().substr(0, 3000) << "\n";
  ASSERT_EQ(job["state"], "rolled_back") << job.dump(2);
  EXPECT_EQ(job["result"]["error"], "no_answer");
  EXPECT_THAT(job["result"]["message"].get<std::string>(), ::testing::HasSubstr("failpoint"));
  const auto* compared = step(job, "rollback_candidate_position");
  ASSERT_NE(compared, nullptr) << "the candidate's position was not compared";
  EXPECT_EQ((*compared)["state"], "succeeded");
  EXPECT_EQ((*compared)["detail"]["beyond"], "");
  EXPECT_EQ((*compared)["detail"]["position"], (*compared)["detail"]["captured"]);
  for (const char* undo : {"rollback_candidate_read_only", "rollback_old_primary_writable", "rollback_candidate_repoint"}) {
    ASSERT_NE(step(job, undo), nullptr) << undo;
    EXPECT_EQ((*step(job, undo))["state"], "succeeded") << undo;
  }
  EXPECT_EQ(step(job, "post_promote"), nullptr) << "the traffic must not move to a candidate that was rolled back";
  EXPECT_THAT(stack().pivotd_log(), ::testing::HasSubstr("FAILPOINT ARMED: promote/set_read_only:drop_answer"));
  EXPECT_THAT(stack().pivotd_log(), ::testing::HasSubstr("FAILPOINT promote/set_read_only:drop_answer fired"));
  std::this_thread::sleep_for(300ms);  // writes after the rollback

  expect_probe_lost_nothing(*probe, 1);
  expect_replicating_from(1);
}

// Last in the suite: it leaves the cluster fenced, as an operator would find it.
TEST_F(LostPromoteAnswer, ATransactionWrittenOnTheCandidateMeanwhileIsNamedAndTheClusterStaysFenced) {
  cluster().execute(1, "CREATE TABLE IF NOT EXISTS pivot_test.lost_answer (id INT PRIMARY KEY)");
  cluster().sync_replicas(1);

  auto started = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db2"}});
  ASSERT_EQ(started.status, 202) << started.body.dump();
  // The failpoint holds the lost answer for the command's timeout (5 s): a
  // client writes on db2 as soon as it is writable, as one would through a
  // route that moved early.
  ASSERT_TRUE(wait_until([&] { return cluster().value(2, "SELECT @@global.read_only") == "0"; }, 5s, 5ms))
      << "db2 never became writable";
  cluster().execute(2, "INSERT INTO pivot_test.lost_answer VALUES (1)", Account::app);
  const std::string written = cluster().value(2, "SELECT @@global.gtid_binlog_pos");

  nlohmann::json job;
  ASSERT_TRUE(wait_until(
      [&] {
        job = stack().api("GET", "/v1/jobs/" + started.body["job"].get<std::string>(), nullptr, "viewer").body;
        const std::string state = job.value("state", "");
        return state != "running" && state != "queued" && !state.empty();
      },
      30s, 20ms));
  std::cout << "pivot: " << job.dump().substr(0, 3000) << "\n";
  ASSERT_EQ(job["state"], "failed") << job.dump(2);
  EXPECT_EQ(job["result"]["error"], "candidate_written");
  const std::string named = job["result"]["rollback"]["candidate_transactions"];
  EXPECT_EQ(named.substr(0, named.find(' ')), written) << "the GTID the client wrote on db2 is named";
  EXPECT_THAT(job["result"]["message"].get<std::string>(), ::testing::HasSubstr(written));
  EXPECT_EQ(step(job, "rollback_old_primary_writable"), nullptr) << "db1 must stay fenced";

  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "1") << "db1 stays fenced";
  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "1") << "db2 is read-only again";
  EXPECT_EQ(cluster().value(2, "SELECT COUNT(*) FROM pivot_test.lost_answer"), "1") << "the row is kept";
}

}  // namespace
}  // namespace pivot::test
