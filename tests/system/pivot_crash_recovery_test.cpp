// pivotd killed mid-pivot (issue 14): SIGKILLed by a crash failpoint as a
// step starts, or once a command ran and before pivotd learnt its answer,
// then started again; the new pivotd finds the job running in its journal
// and recovers it. With an app client (pooled, reconnecting at once) and an
// ALL PRIVILEGES client (a connection per write) writing through the route
// the whole time: one writable primary, every other node replicating from
// it, no acknowledged write lost, no errant transaction, checksums equal, and
// a job that says where it stopped and which way it went.
//
// Two suites, two ctest entries (they run side by side): crashes up to
// promote roll back; from the candidate's writable switch on they roll
// forward. The second also crashes the recovery itself, and restarts pivotd
// with a node whose agent stays silent.
#include <algorithm>
#include <csignal>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "pivot/test/process.hpp"
#include "probe_process.hpp"
#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

struct CrashCase {
  const char* failpoint;    // PIVOT_FAILPOINT for the first pivotd
  const char* state;        // the recovered job's end
  const char* way;          // result.recovered.way
  int primary;              // the primary afterwards (1: db1 kept, 2: db2 promoted)
  // Either way is right, each checked as itself: a rollback as above, or a
  // roll forward to db2 (the writable switch follows the reset to the agent
  // without waiting for its answer, issue 22: a crash on that answer may come
  // before or after the switch went out).
  bool or_forward = false;
};

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// "promote/set_read_only:crash" -> "promote_set_read_only_crash".
std::string case_name(const ::testing::TestParamInfo<CrashCase>& info) {
  std::string name = info.param.failpoint;
  std::replace_if(name.begin(), name.end(), [](char ch) { return ch == '/' || ch == ':'; }, '_');
  return name;
}

class CrashRecovery : public StackTest {
 protected:
  void SetUp() override {
    // A case that failed may have left pivotd down: the next still runs.
    if (stack_ && !stack_->pivotd_running()) stack_->start_pivotd();
    StackTest::SetUp();
    if (HasFatalFailure()) return;
    password_file_ = create_admin({"probe_admin"});
    std::tie(route_, hook_) = route_with_hook();
    stack().write_spec({.hooks = {{"post_promote", hook_}}, .priority = {{"db2", 10}}});
  }

  std::unique_ptr<ProbeProcess> admin_probe() const {
    std::string nodes;
    for (int i = 1; i <= cluster().nodes(); ++i) nodes += (i > 1 ? "," : "") + stack().node_address(i);
    return std::make_unique<ProbeProcess>(std::vector<std::string>{
        "--nodes", nodes, "--route", route_.string(), "--user", "admin", "--password-file", password_file_.string(),
        "--database", "pivot_test", "--table", "probe_admin", "--timeout-s", "3", "--connect-per-write",
        "--settle-timeout-ms", "20000", "--duration-ms", "180000"});
  }

  // pivotd restarted with `failpoints` ("" none), the cluster seen again.
  void restart_pivotd(const std::string& failpoints) {
    if (stack().pivotd_running()) stack().stop_pivotd();
    stack().start_pivotd(failpoints);
    stack().wait_ready();
  }

  // Starts a pivot db1 -> db2 under a pivotd armed with `failpoint`, and
  // waits for that pivotd to die of it. Returns the job's id.
  std::string pivot_until_crash(const std::string& failpoint) {
    restart_pivotd(failpoint);
    auto started = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db1"}});
    EXPECT_EQ(started.status, 202) << started.body.dump();
    EXPECT_TRUE(wait_until([&] { return !stack().pivotd_running(); }, 60s, 50ms))
        << "pivotd did not die at " << failpoint << "\n" << stack().pivotd_log();
    return started.body.value("job", "");
  }

  // The job once it ended, under the pivotd running now.
  nlohmann::json wait_job(const std::string& id) {
    nlohmann::json job;
    const bool ended = wait_until(
        [&] {
          auto r = stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer");
          job = r.body;
          const std::string state = r.status == 200 ? job.value("state", "") : "";
          return !state.empty() && state != "running" && state != "queued";
        },
        90s, 50ms);
    EXPECT_TRUE(ended) << "job " << id << " did not end: " << job.dump(2);
    return job;
  }

  static bool has_step(const nlohmann::json& job, const std::string& name) {
    for (const auto& step : job["steps"]) {
      if (step["name"] == name) return true;
    }
    return false;
  }

  // Nothing acknowledged lost; no node with a transaction the primary lacks.
  void expect_whole(int primary, std::vector<std::unique_ptr<ProbeProcess>>& probes) {
    std::this_thread::sleep_for(300ms);  // writes on the primary after the recovery
    expect_replicating_from(primary);
    for (auto& probe : probes) {
      auto outcome = probe->finish(60s);
      ASSERT_TRUE(outcome.report) << outcome.describe();
      const auto& report = *outcome.report;
      std::cout << "write_probe: " << report.dump().substr(0, 400) << "\n";
      EXPECT_EQ(report.at("lost"), 0) << report.dump(2);
      EXPECT_EQ(report.at("split_brain"), false);
      EXPECT_EQ(report.at("checksums_equal"), true);
      EXPECT_EQ(report.at("final_primary"), stack().node_address(primary));
    }
    cluster().sync_replicas(primary);
    const std::string position = cluster().value(primary, "SELECT @@global.gtid_binlog_pos");
    for (int node = 1; node <= cluster().nodes(); ++node) {
      EXPECT_EQ(cluster().value(node, "SELECT @@global.gtid_current_pos"), position) << "db" << node;
    }
  }

  std::vector<std::unique_ptr<ProbeProcess>> start_probes() {
    std::vector<std::unique_ptr<ProbeProcess>> probes;
    probes.push_back(start_probe(route_));
    probes.push_back(admin_probe());
    for (auto& p : probes) EXPECT_TRUE(p->wait_ready(10s));
    std::this_thread::sleep_for(300ms);
    return probes;
  }

  void run_case(const CrashCase& c) {
    auto probes = start_probes();
    const std::string id = pivot_until_crash(c.failpoint);
    ASSERT_FALSE(id.empty());
    restart_pivotd("");
    const auto job = wait_job(id);
    std::cout << c.failpoint << ": " << job.dump().substr(0, 4000) << "\n";
    const bool forward = c.or_forward && job["result"]["recovered"]["way"] == "roll_forward";
    EXPECT_EQ(job["state"], forward ? "succeeded" : c.state) << job.dump(2);
    EXPECT_EQ(job["result"]["recovered"]["way"], forward ? "roll_forward" : c.way) << job.dump(2);
    if (std::string(c.way) != "nothing_changed") {
      EXPECT_TRUE(has_step(job, "recover")) << job.dump(2);
    }
    expect_whole(forward ? 2 : c.primary, probes);
  }

  std::filesystem::path password_file_, route_;
  std::string hook_;
};

class CrashBeforePromote : public CrashRecovery, public ::testing::WithParamInterface<CrashCase> {
 protected:
  static void SetUpTestSuite() { start_stack("syscrashb"); }
};

TEST_P(CrashBeforePromote, LeavesTheOldPrimaryAndLosesNothing) { run_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    EachStep, CrashBeforePromote,
    ::testing::Values(CrashCase{"check:crash", "failed", "nothing_changed", 1},
                      CrashCase{"pre_pivot:crash", "failed", "nothing_changed", 1},
                      CrashCase{"fence_read_only:crash", "rolled_back", "roll_back", 1},
                      // The fence's one command (read_only and the lock) ran, its answer unread.
                      CrashCase{"fence_read_only/fence_writes:crash", "rolled_back", "roll_back", 1},
                      CrashCase{"fence_lock:crash", "rolled_back", "roll_back", 1},
                      CrashCase{"capture_position:crash", "rolled_back", "roll_back", 1},
                      CrashCase{"catch_up:crash", "rolled_back", "roll_back", 1},
                      CrashCase{"catch_up/wait_for_position:crash", "rolled_back", "roll_back", 1},
                      CrashCase{"confirm_fence:crash", "rolled_back", "roll_back", 1},
                      CrashCase{"promote/reset_replication:crash", "rolled_back", "roll_back", 1, true},
                      CrashCase{"promote:crash", "rolled_back", "roll_back", 1}),
    case_name);

class CrashAfterPromote : public CrashRecovery, public ::testing::WithParamInterface<CrashCase> {
 protected:
  static void SetUpTestSuite() { start_stack("syscrasha"); }
};

TEST_P(CrashAfterPromote, FinishesOnTheNewPrimaryAndLosesNothing) { run_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(
    EachStep, CrashAfterPromote,
    ::testing::Values(CrashCase{"promote/set_read_only:crash", "succeeded", "roll_forward", 2},
                      CrashCase{"post_promote:crash", "succeeded", "roll_forward", 2},
                      CrashCase{"fence_kill_connections:crash", "succeeded", "roll_forward", 2},
                      CrashCase{"release_fence:crash", "succeeded", "roll_forward", 2},
                      CrashCase{"release_fence/release_fence:crash", "succeeded", "roll_forward", 2},
                      CrashCase{"repoint_replicas:crash", "succeeded", "roll_forward", 2},
                      CrashCase{"demote_old_primary:crash", "succeeded", "roll_forward", 2},
                      CrashCase{"post_pivot:crash", "succeeded", "roll_forward", 2},
                      CrashCase{"verify:crash", "succeeded", "roll_forward", 2},
                      CrashCase{"verify_old_primary:crash", "succeeded", "roll_forward", 2}),
    case_name);

// The recovery itself dies as it asks the nodes; the third pivotd still
// rolls the pivot back from where it stood.
TEST_F(CrashAfterPromote, ARecoveryKilledInTurnIsRecoveredAgain) {
  auto probes = start_probes();
  const std::string id = pivot_until_crash("catch_up:crash");
  ASSERT_FALSE(id.empty());
  stack().start_pivotd("recover/report_position:crash");
  EXPECT_TRUE(wait_until([&] { return !stack().pivotd_running(); }, 60s, 50ms)) << stack().pivotd_log();
  restart_pivotd("");
  const auto job = wait_job(id);
  std::cout << "recovered twice: " << job.dump().substr(0, 4000) << "\n";
  EXPECT_EQ(job["state"], "rolled_back") << job.dump(2);
  EXPECT_EQ(job["result"]["recovered"]["after_step"], "catch_up");
  expect_whole(1, probes);
}

// A node the recovery needs stays silent: the job ends failed and nothing is
// touched (db1 stays fenced: read-only), until the operator acts.
TEST_F(CrashAfterPromote, ASilentOldPrimaryEndsItFailedWithNothingTouched) {
  const std::string id = pivot_until_crash("catch_up:crash");
  ASSERT_FALSE(id.empty());
  stack().stop_agent(1);  // its fence session closes with it: the lock goes, read_only stays
  stack().start_pivotd("");
  const auto job = wait_job(id);
  std::cout << "silent db1: " << job.dump().substr(0, 3000) << "\n";
  EXPECT_EQ(job["state"], "failed") << job.dump(2);
  EXPECT_EQ(job["result"]["error"], "needs_attention");
  EXPECT_NE(job["result"]["message"].get<std::string>().find("db1 did not answer"), std::string::npos);
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "1") << "db1 was touched";
  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "1") << "db2 was made writable";
  stack().start_agent(1);
  // The cluster waits for the operator, and says so, until one node is writable.
  EXPECT_TRUE(wait_until([&] {
    auto health = stack().api("GET", cluster_path(), nullptr, "viewer").body["health"];
    return health.value("state", "") == "needs_attention";
  }, 10s)) << stack().api("GET", cluster_path(), nullptr, "viewer").body.dump(2);
}

// `systemctl stop` while a job runs longer than stop_timeout_s (a slow
// post_pivot hook): pivotd waits that long, leaves the job in its journal and
// exits 0 before systemd would SIGKILL it; the next start finishes the pivot.
TEST_F(CrashAfterPromote, AStopThatOutlastsStopTimeoutLeavesTheJobToRecovery) {
  const auto marker = stack().dir() / "slow-hook.ran";
  const auto hook_pid = stack().dir() / "slow-hook.pid";
  std::filesystem::remove(marker);
  // Slow once (within hook_timeout_ms), quick when the recovery runs it again.
  const std::string slow = stack().write_hook(
      "slow-notify", "[ -e " + marker.string() + " ] && exit 0; touch " + marker.string() + "; echo $$ > " +
                         hook_pid.string() + "; exec sleep 4");
  stack().write_spec({.hooks = {{"post_promote", hook_}, {"post_pivot", slow}}, .priority = {{"db2", 10}}});
  const auto yaml = stack().dir() / "pivotd.yaml";
  const std::string original = read_text(yaml);
  std::ofstream(yaml, std::ios::app) << "stop_timeout_s: 1\n";
  restart_pivotd("");
  auto probes = start_probes();

  auto started = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db1"}});
  ASSERT_EQ(started.status, 202) << started.body.dump();
  const std::string id = started.body["job"];
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(hook_pid); }, 30s, 20ms)) << "post_pivot never ran";
  const auto stopping = std::chrono::steady_clock::now();
  stack().stop_pivotd();
  const auto took = std::chrono::steady_clock::now() - stopping;
  // scripts/stack would SIGKILL it after 10 s.
  EXPECT_LT(took, 8s) << "pivotd did not leave at stop_timeout_s";
  EXPECT_NE(stack().pivotd_log().find("leaving them to crash recovery at the next start"), std::string::npos);

  std::ofstream(yaml, std::ios::trunc) << original;
  restart_pivotd("");
  const auto job = wait_job(id);
  std::cout << "stopped in post_pivot: " << job.dump().substr(0, 3000) << "\n";
  EXPECT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(job["result"]["recovered"]["way"], "roll_forward");
  EXPECT_EQ(job["result"]["recovered"]["interrupted_step"], "post_pivot");
  expect_whole(2, probes);
  // The first hook's sleep outlived its pivotd: ended here, by its PID.
  if (const std::string pid = read_text(hook_pid); !pid.empty()) ::kill(std::stoi(pid), SIGKILL);
}

// An operator cancels a pivot whose pre_pivot hook still runs: it ends
// cancelled, nothing is sent to a node; a pivot past its fence is refused.
TEST_F(CrashAfterPromote, ACancelStopsAPivotBeforeItsFenceAndIsRefusedAfter) {
  const auto release = stack().dir() / "pre-pivot.release";
  std::filesystem::remove(release);
  // Waits (bounded) until the test lets it go.
  const std::string waiting = stack().write_hook(
      "pre-pivot-wait", "for i in $(seq 1 100); do [ -e " + release.string() + " ] && exit 0; sleep 0.05; done");
  stack().write_spec({.hooks = {{"pre_pivot", waiting}, {"post_promote", hook_}}, .priority = {{"db2", 10}}});
  auto probes = start_probes();
  const std::string db1_before = cluster().value(1, "SELECT @@global.read_only");

  auto started = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db1"}});
  ASSERT_EQ(started.status, 202) << started.body.dump();
  const std::string id = started.body["job"];
  ASSERT_TRUE(wait_until([&] {
    auto job = stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer").body;
    return has_step(job, "pre_pivot");
  }, 10s, 20ms));
  // The cancel waits for the job; the hook ends only once pivotd logged the
  // cancel. (Releasing it first raced the cancel's request against the few
  // hundred microseconds from the hook's end to the fence, and lost since the
  // steps' starts and ends are written without an fsync of their own.)
  auto cancelling = std::async(std::launch::async, [&] { return stack().api("POST", "/v1/jobs/" + id + "/cancel"); });
  const auto cancel_logged = [&] {
    std::istringstream log(stack().pivotd_log());
    for (std::string line; std::getline(log, line);) {
      if (line.find("cancel requested by") != std::string::npos && line.find("job=" + id) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(wait_until(cancel_logged, 10s, 10ms));
  std::ofstream(release) << "go\n";
  auto cancelled = cancelling.get();
  ASSERT_EQ(cancelled.status, 200) << cancelled.body.dump();
  const auto job = wait_job(id);
  EXPECT_EQ(job["state"], "cancelled") << job.dump(2);
  EXPECT_FALSE(has_step(job, "fence_read_only")) << job.dump(2);
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), db1_before) << "db1 was touched";
  expect_whole(1, probes);

  // Past the fence: refused, and the pivot goes on to its end.
  stack().write_spec({.hooks = {{"post_promote", hook_}, {"post_pivot", waiting}}, .priority = {{"db2", 10}}});
  std::filesystem::remove(release);
  auto again = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db1"}});
  ASSERT_EQ(again.status, 202) << again.body.dump();
  const std::string second = again.body["job"];
  ASSERT_TRUE(wait_until([&] {
    return has_step(stack().api("GET", "/v1/jobs/" + second, nullptr, "viewer").body, "post_pivot");
  }, 10s, 20ms));
  auto refused = stack().api("POST", "/v1/jobs/" + second + "/cancel");
  EXPECT_EQ(refused.status, 409) << refused.body.dump();
  EXPECT_EQ(refused.body.value("error", ""), "conflict");
  std::ofstream(release) << "go\n";
  EXPECT_EQ(wait_job(second)["state"], "succeeded");
}

// Jobs and Idempotency-Keys outlive pivotd: after a restart the job reads
// as it ended, the same key with the same request returns the same job, and
// the key with another request is refused.
TEST_F(CrashAfterPromote, JobsAndIdempotencyKeysOutliveARestart) {
  // curl: the API helper's transport sends no Idempotency-Key.
  auto post = [&](const std::string& body) {
    auto r = run_process({"/usr/bin/curl", "-sS", "-X", "POST", "-H", "Authorization: Bearer " + stack().token("operator"),
                          "-H", "Idempotency-Key: restart-key-1", "-H", "Content-Type: application/json", "-d", body,
                          "-w", "\n%{http_code}",
                          "http://127.0.0.1:" + std::to_string(stack().http_port()) + cluster_path("/pivot")},
                         10s);
    const auto newline = r.out.rfind('\n');
    return std::make_pair(r.out.substr(newline + 1), nlohmann::json::parse(r.out.substr(0, newline), nullptr, false));
  };
  const std::string dry = R"({"candidate": "db2", "dry_run": true})";
  auto [status, first] = post(dry);
  ASSERT_EQ(status, "202") << first.dump();
  const std::string id = first["job"];
  const auto before = wait_job(id);

  restart_pivotd("");
  auto after = stack().api("GET", "/v1/jobs/" + id, nullptr, "viewer");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.body["state"], before["state"]);
  EXPECT_EQ(after.body["steps"], before["steps"]);
  EXPECT_EQ(after.body["result"], before["result"]);
  auto [replay_status, replay] = post(dry);
  EXPECT_EQ(replay_status, "202") << replay.dump();
  EXPECT_EQ(replay["job"], id) << "the key's first job, from before the restart";
  auto [other_status, other] = post(R"({"candidate": "db3", "dry_run": true})");
  EXPECT_EQ(other_status, "422") << other.dump();
  EXPECT_EQ(other.value("error", ""), "idempotency_mismatch");
}

}  // namespace
}  // namespace pivot::test
