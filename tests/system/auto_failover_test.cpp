// pivotd's own failover on a real cluster (issue 15): the failover guard
// replaces a SIGKILLed primary under writes with auto_failover; the old
// primary, when it returns, rejoins or is marked needs_rebuild and kept
// read-only; a silent agent alone is degraded, not dead; the cooldown and
// maintenance hold back an automatic failover (an acknowledge or a manual
// one gets through); a primary that restarted read-only is reopened.
// Each test starts from a pivotd with an empty journal and the reset topology
// (failover_stack_test.hpp).
#include <thread>

#include "failover_stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

// "0-1-42,1-2-7" -> the sequence number of domain 0, server `server`; -1 when absent.
long long seq_of(const std::string& gtids, int server) {
  const std::string prefix = "0-" + std::to_string(server) + "-";
  std::size_t at = 0;
  while (at < gtids.size()) {
    const auto end = std::min(gtids.find(',', at), gtids.size());
    const auto one = gtids.substr(at, end - at);
    const auto start = one.find_first_not_of(' ');
    if (start != std::string::npos && one.compare(start, prefix.size(), prefix) == 0) {
      return std::stoll(one.substr(start + prefix.size()));
    }
    at = end + 1;
  }
  return -1;
}

class AutoFailover : public FailoverStackTest {
 protected:
  static void SetUpTestSuite() { start_stack("sysautofo"); }

  // Writes `rows` rows on db1 and waits until every replica has received them.
  void write_and_ship(int first, int rows) {
    for (int i = first; i < first + rows; ++i) {
      cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (" + std::to_string(i) + ", 'db1', 0)", Account::app);
    }
    const std::string written = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
    for (int node = 2; node <= 5; ++node) {
      ASSERT_TRUE(wait_until([&] { return cluster().record(node, "SHOW SLAVE STATUS")["Gtid_IO_Pos"] == written; }, 15s))
          << "db" << node << " did not receive " << written;
    }
  }

  // Kills db1 and waits for pivotd's own failover; its winner's number.
  int automatic_failover_of_db1() {
    kill(1);
    const auto job = next_job("failover", 40s);
    EXPECT_FALSE(job.is_null()) << "no automatic failover within 40 s\n" << reasons();
    if (job.is_null()) return 0;
    EXPECT_EQ(job["state"], "succeeded") << job.dump(2);
    EXPECT_EQ(job["requested_by"], "pivotd");
    EXPECT_TRUE(job["result"]["detect_ms"].is_number()) << job["result"].dump();
    const std::string winner = job["result"].value("new_primary", "");
    EXPECT_TRUE(winner == "db2" || winner == "db3") << job.dump(2);
    return winner.empty() ? 0 : number_of(winner);
  }
};

// The probe writes through the route file the post_promote hook rewrites; its
// verdict is taken while db1 is still dead (unreachable at the end).
TEST_F(AutoFailover, AKilledPrimaryIsReplacedUnderWritesAndOnlyWritesAfterItsLastKnownPositionMayBeLost) {
  auto [route, hook] = route_with_hook();
  stack().write_spec({.auto_failover = true, .hooks = {{"post_promote", hook}}});
  auto probe_process = start_probe(route);
  auto& probe = *probe_process;
  ASSERT_TRUE(probe.wait_ready(10s));
  std::this_thread::sleep_for(1s);
  const int winner = automatic_failover_of_db1();
  ASSERT_NE(winner, 0);
  const auto job = jobs()[0];
  std::this_thread::sleep_for(1s);  // writes acknowledged by the new primary

  auto outcome = probe.finish(60s);
  ASSERT_TRUE(outcome.report) << outcome.describe();
  const auto& report = *outcome.report;
  std::cout << "write_probe: " << report.dump().substr(0, 800) << "\n";
  EXPECT_EQ(report.at("split_brain"), false);
  EXPECT_EQ(report.at("checksums_equal"), true);
  EXPECT_EQ(report.at("final_primary"), stack().node_address(winner));
  EXPECT_GT(report.at("acked").get<int>(), 0);
  const std::string db1 = stack().node_address(1);
  const std::string shipped =
      cluster().value(winner, "SELECT COALESCE(MAX(seq), -1) FROM pivot_test.probe WHERE node = '" + db1 + "'");
  EXPECT_NE(shipped, "-1") << "the probe wrote to db1 before it died";
  // What the job names: the last position pivotd knew of db1. The new
  // primary holds all of it unless the job says what it lacks; a lost row is
  // later than everything db1 shipped (a suffix of its writes).
  const auto& result = job["result"];
  std::cout << "failover result: " << result.dump() << "\n";
  const std::string known = result.value("last_known_primary_position", "");
  const auto may_be_lost = result.value("may_be_lost", nlohmann::json());
  const std::string holds = cluster().value(winner, "SELECT @@global.gtid_binlog_state");
  if (may_be_lost.is_null() || (may_be_lost.is_string() && may_be_lost.get<std::string>().empty())) {
    EXPECT_GE(seq_of(holds, 1), seq_of(known, 1)) << "the new primary lacks what pivotd knew of db1: " << holds
                                                  << " against " << known;
  }
  for (const auto& row : report.at("lost_rows")) {
    EXPECT_EQ(row.at("node"), db1) << "only db1's unshipped tail may be lost: " << row.dump();
    EXPECT_GT(row.at("seq").get<long long>(), std::stoll(shipped)) << "a lost row before one db1 shipped: " << row.dump();
  }
  expect_replicating_from(winner, {1});
  const auto view = cluster_view();
  ASSERT_TRUE(view.contains("failover")) << view.dump(2);
  EXPECT_EQ(view["failover"]["last_failover"].value("old_primary", ""), "db1") << view["failover"].dump(2);
  EXPECT_FALSE(view["failover"].value("cooldown_until", nlohmann::json()).is_null()) << view["failover"].dump(2);
}

TEST_F(AutoFailover, AnOldPrimaryWithNothingExtraRejoinsWhenItReturns) {
  stack().write_spec({.auto_failover = true});
  write_and_ship(1, 50);
  const int winner = automatic_failover_of_db1();
  ASSERT_NE(winner, 0);
  start(1);  // read_only=ON from its config
  const auto rejoin = next_job("rejoin", 40s);
  ASSERT_FALSE(rejoin.is_null()) << "no rejoin of db1\n" << reasons();
  ASSERT_EQ(rejoin["state"], "succeeded") << rejoin.dump(2);
  EXPECT_EQ(rejoin["result"]["verdict"], "rejoin") << rejoin.dump(2);
  expect_replicating_from(winner);
  cluster().execute(winner, "INSERT INTO pivot_test.probe VALUES (1000, 'new', 0)", Account::app);
  EXPECT_TRUE(wait_until([&] { return cluster().value(1, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq = 1000") == "1"; }, 15s));
  EXPECT_EQ(cluster().record(1, "CHECKSUM TABLE pivot_test.probe")["Checksum"],
            cluster().record(winner, "CHECKSUM TABLE pivot_test.probe")["Checksum"]);
}

// A transaction only db1 has (its replicas' IO threads were stopped when it
// committed): on return db1 is kept read-only and marked needs_rebuild with
// that transaction named, until an operator clears the mark.
TEST_F(AutoFailover, AnOldPrimaryWithAnExtraTransactionIsMarkedNeedsRebuildAndStaysReadOnly) {
  stack().write_spec({.auto_failover = true});
  write_and_ship(1, 10);
  for (int node = 2; node <= 5; ++node) cluster().execute(node, "STOP SLAVE IO_THREAD");
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (500, 'only-db1', 0)", Account::app);
  const std::string extra = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  kill(1);
  // The replicas try their source again: each finds it gone (error 2003).
  for (int node = 2; node <= 5; ++node) cluster().execute(node, "START SLAVE IO_THREAD");
  const auto job = next_job("failover", 40s);
  ASSERT_FALSE(job.is_null()) << reasons();
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  const int winner = number_of(job["result"]["new_primary"]);

  start(1);
  const auto rejoin = next_job("rejoin", 40s);
  ASSERT_FALSE(rejoin.is_null()) << reasons();
  EXPECT_EQ(rejoin["result"]["verdict"], "needs_rebuild") << rejoin.dump(2);
  EXPECT_NE(rejoin["result"].value("extra_gtids", "").find(extra), std::string::npos) << rejoin.dump(2);
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "1");
  EXPECT_EQ(cluster().record(1, "SHOW SLAVE STATUS")["Slave_SQL_Running"], "") << "db1 must not replicate";
  EXPECT_EQ(cluster().value(winner, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq = 500"), "0");
  auto view = cluster_view();
  nlohmann::json db1;
  for (const auto& n : view["nodes"]) {
    if (n["name"] == "db1") db1 = n;
  }
  ASSERT_FALSE(db1.value("needs_rebuild", nlohmann::json()).is_null()) << db1.dump(2);
  EXPECT_EQ(view["health"]["state"], "needs_attention") << view["health"].dump(2);
  expect_no_job("rejoin", 3s);  // marked: pivotd does not try again

  auto cleared = stack().api("POST", cluster_path("/acknowledge"), {{"comment", "db1 rebuilt"}, {"rebuilt", {"db1"}}});
  EXPECT_EQ(cleared.status, 200) << cleared.body.dump();
  view = cluster_view();
  for (const auto& n : view["nodes"]) {
    if (n["name"] == "db1") {
      EXPECT_TRUE(n.value("needs_rebuild", nlohmann::json()).is_null()) << n.dump(2);
    }
  }
}

// pivotd SIGKILLed (a crash failpoint) as its automatic failover begins to
// repoint, after the winner became writable: the next pivotd rolls it forward.
TEST_F(AutoFailover, AFailoverInterruptedAfterPromoteIsRolledForwardByTheNextPivotd) {
  stack().write_spec({.auto_failover = true});
  stack().stop_pivotd();
  stack().start_pivotd("repoint:crash");
  stack().wait_ready();
  write_and_ship(1, 20);
  kill(1);
  ASSERT_TRUE(wait_until([&] { return !stack().pivotd_running(); }, 40s, 50ms)) << stack().pivotd_log();
  stack().start_pivotd();
  const auto job = next_job("failover", 60s);
  ASSERT_FALSE(job.is_null()) << reasons();
  EXPECT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(job["result"]["recovered"]["way"], "roll_forward") << job.dump(2);
  const int winner = number_of(job["result"].value("new_primary", "db0"));
  ASSERT_TRUE(winner == 2 || winner == 3) << job.dump(2);
  expect_replicating_from(winner, {1});
  EXPECT_EQ(cluster().value(winner, "SELECT COUNT(*) FROM pivot_test.probe"), "20");
}

// ... as it chooses (every IO thread stopped, nobody promoted yet): the next
// pivotd rolls it back (the IO threads started again), and its guard, finding
// db1 still dead, fails over anew.
TEST_F(AutoFailover, AFailoverInterruptedBeforePromoteIsRolledBackAndTheGuardFailsOverAnew) {
  stack().write_spec({.auto_failover = true});
  stack().stop_pivotd();
  stack().start_pivotd("choose:crash");
  stack().wait_ready();
  write_and_ship(1, 20);
  kill(1);
  ASSERT_TRUE(wait_until([&] { return !stack().pivotd_running(); }, 40s, 50ms)) << stack().pivotd_log();
  std::string interrupted;
  stack().start_pivotd();
  for (const auto& j : jobs()) {
    if (j.value("kind", "") == "failover" && !seen_.count(j.value("id", ""))) interrupted = j.value("id", "");
  }
  ASSERT_FALSE(interrupted.empty()) << jobs().dump(2);
  nlohmann::json recovered;
  ASSERT_TRUE(wait_until(
      [&] {
        recovered = stack().api("GET", "/v1/jobs/" + interrupted, nullptr, "viewer").body;
        return recovered.value("state", "") != "running" && recovered.value("state", "") != "queued";
      },
      60s));
  seen_.insert(interrupted);
  EXPECT_EQ(recovered["state"], "rolled_back") << recovered.dump(2);
  EXPECT_EQ(recovered["result"]["recovered"]["way"], "roll_back") << recovered.dump(2);
  const auto again = next_job("failover", 60s);
  ASSERT_FALSE(again.is_null()) << reasons();
  EXPECT_EQ(again["state"], "succeeded") << again.dump(2);
  const int winner = number_of(again["result"].value("new_primary", "db0"));
  ASSERT_TRUE(winner == 2 || winner == 3) << again.dump(2);
  expect_replicating_from(winner, {1});
  EXPECT_EQ(cluster().value(winner, "SELECT COUNT(*) FROM pivot_test.probe"), "20");
}

// db2 and db3 stopped receiving (their IO threads stopped) while db1 took
// writes that only db4 (backup) and db5 (analytics) received: the winner, a
// replica, catches up from one of them before it becomes writable.
TEST_F(AutoFailover, TheWinnerCatchesUpFromABackupNodeThatHoldsMore) {
  stack().write_spec({.auto_failover = true});
  write_and_ship(1, 10);
  for (int node : {2, 3}) cluster().execute(node, "STOP SLAVE IO_THREAD");
  for (int i = 100; i < 130; ++i) {
    cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (" + std::to_string(i) + ", 'db1', 0)", Account::app);
  }
  const std::string written = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  for (int node : {4, 5}) {
    ASSERT_TRUE(wait_until([&] { return cluster().record(node, "SHOW SLAVE STATUS")["Gtid_IO_Pos"] == written; }, 15s));
  }
  kill(1);
  for (int node : {2, 3}) cluster().execute(node, "START SLAVE IO_THREAD");
  const auto job = next_job("failover", 40s);
  ASSERT_FALSE(job.is_null()) << reasons();
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  bool caught_up = false;
  for (const auto& s : job["steps"]) caught_up = caught_up || (s["name"] == "catch_up" && s["state"] == "succeeded");
  EXPECT_TRUE(caught_up) << job.dump(2);
  const std::string winner = job["result"].value("new_primary", "");
  ASSERT_TRUE(winner == "db2" || winner == "db3") << job.dump(2);
  const int w = number_of(winner);
  EXPECT_EQ(cluster().value(w, "SELECT COUNT(*) FROM pivot_test.probe"), "40") << "everything db4 and db5 held";
  expect_replicating_from(w, {1});
  const std::string position = cluster().value(w, "SELECT @@global.gtid_binlog_pos");
  const std::string checksum = cluster().record(w, "CHECKSUM TABLE pivot_test.probe")["Checksum"];
  for (int node = 2; node <= 5; ++node) {
    if (node == w) continue;
    EXPECT_EQ(cluster().value(node, "SELECT MASTER_GTID_WAIT('" + position + "', 30)"), "0") << "db" << node;
    EXPECT_EQ(cluster().record(node, "CHECKSUM TABLE pivot_test.probe")["Checksum"], checksum) << "db" << node;
  }
}

// db1's agent killed, mysqld alive: the replicas still receive from it (one
// with its SQL thread stopped by an operator, IO running): degraded, never dead.
TEST_F(AutoFailover, ASilentAgentWhoseReplicasStillReceiveIsDegradedAndNothingFailsOver) {
  stack().write_spec({.auto_failover = true});
  cluster().execute(2, "STOP SLAVE SQL_THREAD");
  stack().stop_agent(1);
  // agent_dead_ms is 5 s in the stack's spec: well past it.
  EXPECT_TRUE(wait_until([&] { return cluster_view()["failover"].value("detection", "") == "degraded"; }, 15s))
      << cluster_view().dump(2);
  expect_no_job("failover", 4s);
  EXPECT_EQ(cluster_view()["health"]["state"], "degraded");
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0") << "db1 untouched";
  stack().start_agent(1);
  cluster().execute(2, "START SLAVE SQL_THREAD");
}

TEST_F(AutoFailover, TheCooldownHoldsBackASecondFailureUntilAnOperatorAcknowledges) {
  stack().write_spec({.auto_failover = true});
  write_and_ship(1, 20);
  const int first = automatic_failover_of_db1();
  ASSERT_NE(first, 0);
  expect_replicating_from(first, {1});
  kill(first);
  EXPECT_TRUE(wait_until([&] { return reasons().find("cooldown") != std::string::npos; }, 20s)) << reasons();
  expect_no_job("failover", 3s);

  auto ack = stack().api("POST", cluster_path("/acknowledge"), {{"comment", "db1 looked at"}});
  ASSERT_EQ(ack.status, 200) << ack.body.dump();
  const auto second = next_job("failover", 40s);
  ASSERT_FALSE(second.is_null()) << reasons();
  EXPECT_EQ(second["state"], "succeeded") << second.dump(2);
  const std::string winner = second["result"].value("new_primary", "");
  EXPECT_TRUE(winner == "db2" || winner == "db3") << second.dump(2);
  EXPECT_NE(number_of(winner), first);
}

TEST_F(AutoFailover, MaintenanceHoldsBackAnAutomaticFailoverAndAPivotButNotAManualFailover) {
  stack().write_spec({.auto_failover = true});
  auto set = stack().api("PUT", cluster_path("/maintenance"), {{"until", "2099-01-01T00:00:00Z"}, {"reason", "kernel upgrade"}});
  ASSERT_EQ(set.status, 200) << set.body.dump();
  auto pivot = stack().api("POST", cluster_path("/pivot"), {{"candidate", "db2"}});
  EXPECT_EQ(pivot.status, 409) << pivot.body.dump();
  write_and_ship(1, 10);
  kill(1);
  EXPECT_TRUE(wait_until([&] { return reasons().find("kernel upgrade") != std::string::npos; }, 20s)) << reasons();
  expect_no_job("failover", 3s);
  EXPECT_EQ(cluster_view()["health"]["state"], "maintenance");

  auto manual = stack().run_job(cluster_path("/failover"));
  EXPECT_EQ(manual["state"], "succeeded") << manual.dump(2);
  EXPECT_NE(manual["requested_by"], "pivotd") << "the operator's token: " << manual.dump(2);
}

// Every node runs with read_only=ON in its config: db1 restarted comes back
// read-only with no failover (auto_failover off: pivotd says why it waits).
TEST_F(AutoFailover, APrimaryThatRestartedReadOnlyIsReopenedByTheOperator) {
  cluster().stop(1, StopMode::graceful);
  cluster().start_node(1);
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "1");
  EXPECT_TRUE(wait_until([&] { return reasons().find("pivotctl reopen") != std::string::npos; }, 30s)) << reasons();
  const auto job = stack().run_job(cluster_path("/reopen"));
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  EXPECT_EQ(job["kind"], "reopen");
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0");
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (700, 'reopened', 0)", Account::app);
  expect_replicating_from(1);
}

}  // namespace
}  // namespace pivot::test
