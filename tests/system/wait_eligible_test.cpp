// Waiting for eligibility on a real cluster (issue 23): a fourth node joins a
// running three-node cluster from a copy that is behind (its SQL thread held
// back, as a copy restored from a backup that starts late), is added to the
// spec and reloaded, waited for and pivoted to under writes, and the old
// primary is retired from the spec and ignored; a deadline too short ends
// not eligible with nothing changed; a waiting job is cancelled.
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <thread>

#include "pivot/test/process.hpp"
#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

class WaitForEligibility : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("syswait"); }

  // Node `node`'s SQL thread stopped, and pivotd seeing it so (a wait that
  // began on an older report would find it eligible at once).
  void stop_sql_thread(int node) {
    cluster().execute(node, "STOP SLAVE SQL_THREAD");
    expect_seen_sql_stopped(node);
  }
  void expect_seen_sql_stopped(int node) {
    const std::string name = "db" + std::to_string(node);
    ASSERT_TRUE(wait_until(
        [&] {
          const auto view = stack().api("GET", cluster_path(), nullptr, "viewer").body;  // kept: the loop reads into it
          for (const auto& n : view["nodes"]) {
            if (n["name"] == name && n["state"].is_object() && n["state"]["replica"].is_object()) {
              return n["state"]["replica"]["sql_running"] == false;
            }
          }
          return false;
        },
        10s))
        << "pivotd never saw " << name << "'s SQL thread stopped: "
        << stack().api("GET", cluster_path(), nullptr, "viewer").body.dump();
  }

  // The node names pivotd's view of the cluster lists.
  std::vector<std::string> listed_nodes() {
    const auto view = stack().api("GET", cluster_path(), nullptr, "viewer").body;  // kept: the loop reads into it
    std::vector<std::string> names;
    for (const auto& n : view["nodes"]) names.push_back(n["name"]);
    return names;
  }

  // The messages pivotd counted from `node`'s agent (GET /v1/agents), -1 if unlisted.
  long long agent_messages(const std::string& node) {
    const auto agents = stack().api("GET", "/v1/agents", nullptr, "viewer").body;  // kept: the loop reads into it
    for (const auto& a : agents["agents"]) {
      if (a["node"] == node) return a["messages"].get<long long>();
    }
    return -1;
  }

  // The spec of a cluster of db1, db2, db3 that db4 joins as a replica (and,
  // once db1 is retired, names as the expected primary).
  static SpecOptions joined_by_db4(std::vector<int> nodes, const std::string& hook = "") {
    const bool retired = std::find(nodes.begin(), nodes.end(), 1) == nodes.end();
    SpecOptions spec{.roles = {{"db4", retired ? "primary" : "replica"}}, .nodes = std::move(nodes)};
    if (!hook.empty()) spec.hooks = {{"post_promote", hook}};
    return spec;
  }

  void TearDown() override {
    StackTest::TearDown();
    // The next test's reset expects replication running (a node may be the
    // primary now: then it has no source, and nothing to start).
    for (int node : {2, 4}) {
      if (!cluster().record(node, "SHOW SLAVE STATUS")["Master_Host"].empty()) {
        cluster().execute(node, "START SLAVE SQL_THREAD");
      }
    }
    if (HasFailure()) {
      // The join test stops db4's agent and restarts pivotd; the next test waits for both.
      if (!stack().pivotd_running()) stack().start_pivotd();
      try {
        stack().start_agent(4);
      } catch (const std::exception&) {  // it was running
      }
    }
  }
};

// The seed's flow of docs/operations.md section 14, end to end.
TEST_F(WaitForEligibility, ANewNodeJoinsIsWaitedForAndPivotedToUnderWritesThenTheOldPrimaryIsRetired) {
  auto [route, hook] = route_with_hook();
  // A running three-node cluster; db4 (a mariadbd replicating from db1) is
  // not in it yet, its agent not installed (pivotd restarted: it never heard
  // db4), and db5 plays no part (not in any spec).
  stack().stop_agent(4);
  stack().write_spec(joined_by_db4({1, 2, 3}, hook));
  stack().stop_pivotd();
  stack().start_pivotd();
  stack().wait_ready();
  ASSERT_EQ(listed_nodes(), (std::vector<std::string>{"db1", "db2", "db3"}));
  // db4 is a copy that falls behind: its SQL thread held back while writes go on.
  cluster().execute(4, "STOP SLAVE SQL_THREAD");
  auto probe = start_probe(route);
  ASSERT_TRUE(probe->wait_ready(10s));

  // Added to the spec before its agent runs: pivot status names it.
  stack().write_spec(joined_by_db4({1, 2, 3, 4}, hook));
  const auto unknown = stack().run_job(cluster_path("/pivot-status"), {{"candidate", "db4"}});
  EXPECT_EQ(unknown["result"]["eligible"], false) << unknown.dump(2);
  EXPECT_NE(unknown.dump().find("db4's agent has never reported"), std::string::npos) << unknown.dump(2);
  stack().start_agent(4);
  expect_seen_sql_stopped(4);

  // db4 starts applying only after pivotctl began to wait.
  std::thread release([&] {
    std::this_thread::sleep_for(5s);
    cluster().execute(4, "START SLAVE SQL_THREAD");
  });
  auto run = run_process({built_binary("pivotctl", PIVOT_DEFAULT_BIN_DIR).string(), "--controller",
                          "http://127.0.0.1:" + std::to_string(stack().http_port()), "pivot", stack().cluster_name(),
                          "--candidate", "db4", "--wait", "2m", "--yes"},
                         180s, {{"PIVOT_TOKEN", stack().token("operator")}});
  release.join();
  std::cout << run.out << "\n";
  EXPECT_EQ(run.exit_code, 0) << run.describe() << run.out << run.err;
  EXPECT_NE(run.out.find("waiting for"), std::string::npos) << "the wait's progress is shown:\n" << run.out;
  EXPECT_NE(run.out.find("db4 is the new primary"), std::string::npos) << run.out;
  expect_probe_lost_nothing(*probe, 4);
  expect_replicating_from(4, {5});  // db5, outside the spec, still replicates from db1
  const auto jobs = stack().api("GET", "/v1/jobs?cluster=" + stack().cluster_name() + "&limit=1", nullptr, "viewer").body;
  ASSERT_TRUE(jobs.is_array() && !jobs.empty() && jobs[0]["kind"] == "pivot") << jobs.dump(2);
  const std::string pivot_id = jobs[0]["id"];

  // Retire db1: removed from the spec, it is no longer shown or commanded;
  // its agent's messages are still counted; the pivot's record keeps its name.
  stack().write_spec(joined_by_db4({2, 3, 4}));
  EXPECT_EQ(listed_nodes(), (std::vector<std::string>{"db2", "db3", "db4"}));
  const long long before = agent_messages("db1");
  const auto pivot = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}});
  EXPECT_EQ(pivot["state"], "succeeded") << pivot.dump(2);
  EXPECT_EQ(pivot.dump().find("\"db1\""), std::string::npos) << "db1 appears in a pivot of the retired spec: "
                                                               << pivot.dump(2);
  EXPECT_TRUE(wait_until([&] { return agent_messages("db1") > before; }, 5s)) << "db1's agent is still heard (and ignored)";
  EXPECT_EQ(cluster().record(1, "SHOW SLAVE STATUS")["Master_Port"], std::to_string(cluster().port(4)))
      << "the pivot to db2 left retired db1 as it was, replicating from db4";
  const auto old = stack().api("GET", "/v1/jobs/" + pivot_id, nullptr, "viewer").body;
  EXPECT_EQ(old["result"]["old_primary"], "db1") << old.dump(2);
}

TEST_F(WaitForEligibility, ADeadlineTooShortEndsNotEligibleWithNothingChanged) {
  stack().write_spec(joined_by_db4({1, 2, 3, 4}));
  stack().wait_ready();
  stop_sql_thread(4);
  const auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db4"}, {"wait_s", 3}}, 30s);
  EXPECT_EQ(job["state"], "failed") << job.dump(2);
  EXPECT_EQ(job["result"]["error"], "not_eligible") << job.dump(2);
  EXPECT_EQ(job["result"]["eligible"], false);
  EXPECT_GE(job["result"]["waited_ms"].get<long long>(), 2500) << job.dump(2);
  EXPECT_TRUE(job["steps"].empty()) << "no step ran: " << job.dump(2);
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0") << "db1 is still the primary";
  EXPECT_EQ(cluster().value(4, "SELECT @@global.read_only"), "1");
}

TEST_F(WaitForEligibility, AWaitingPivotStatusShowsItsProgressHoldsNothingAndIsCancelled) {
  stop_sql_thread(2);
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

// A pipeline's wait survives `systemctl restart pivotd`: the job is still
// running after the restart, waiting with what is left of wait_s, and
// answers once db2 has caught up.
TEST_F(WaitForEligibility, AWaitingPivotStatusIsResumedByARestartedPivotd) {
  stop_sql_thread(2);
  auto started = stack().api("POST", cluster_path("/pivot-status"), {{"candidate", "db2"}, {"wait_s", 120}});
  ASSERT_EQ(started.status, 202) << started.body.dump();
  const auto posted = std::chrono::steady_clock::now();  // the job was created before this
  const std::string id = started.body["job"];
  ASSERT_TRUE(wait_until([&] { return stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer").body.contains("progress"); }, 10s));
  stack().stop_pivotd();
  stack().start_pivotd();
  nlohmann::json job;
  ASSERT_TRUE(wait_until(
      [&] {
        job = stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer").body;
        return job.contains("progress") && job["state"] == "running";
      },
      15s))
      << "resumed and waiting again: " << job.dump(2);
  const auto resumed_after =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - posted).count();
  EXPECT_LT(job["progress"]["remaining_ms"].get<long long>(), 120000) << job.dump(2);
  EXPECT_EQ(job["result"]["waiting"]["wait_s"], 120) << job.dump(2);
  cluster().execute(2, "START SLAVE SQL_THREAD");
  ASSERT_TRUE(wait_until(
      [&] {
        job = stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer").body;
        return job["state"] != "running";
      },
      30s))
      << job.dump(2);
  EXPECT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(job["result"]["eligible"], true) << job.dump(2);
  EXPECT_GE(job["result"]["waited_ms"].get<long long>(), resumed_after)
      << "counted from the job's creation, the restart included: " << job.dump(2);
}

// A typo saved into a running cluster's spec and reloaded: refused, logged,
// and the cluster stays watched with the spec it had (not dropped from pivotd).
TEST_F(WaitForEligibility, ATypoInAReloadedSpecKeepsTheClusterWatchedWithItsLoadedSpec) {
  const auto file = stack().dir() / "clusters.d" / (stack().cluster_name() + ".yaml");
  std::string text;
  {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto typo = text.find("role: primary");
  ASSERT_NE(typo, std::string::npos) << text;
  std::ofstream(file) << text.substr(0, typo) << "role: primry" << text.substr(typo + 13);
  const auto pid = std::stoi(run_process({"cat", (stack().dir() / "run" / "pivotd.pid").string()}, 5s).out);
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  EXPECT_TRUE(wait_until(
      [&] { return stack().pivotd_log().find("its spec file was refused: the spec loaded before stays in force") !=
                   std::string::npos; },
      10s))
      << stack().pivotd_log();
  EXPECT_EQ(stack().api("GET", cluster_path(), nullptr, "viewer").status, 200) << "the cluster is still watched";
  const auto status = stack().run_job(cluster_path("/pivot-status"), {{"candidate", "db2"}});
  EXPECT_EQ(status["result"]["eligible"], true) << status.dump(2);
}

}  // namespace
}  // namespace pivot::test
