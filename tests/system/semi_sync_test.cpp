// policy.durability semi_sync on real MariaDB (issue 16 items 1 and 2): the
// agents keep semi-sync as pivotd's guard asks (the primary's source side
// active with AFTER_SYNC, the replica side on the promotable replicas, off on
// the backup and analytics nodes), pivot status checks it and names a node
// whose side is off, a pivot turns the new primary's source side on before
// it is writable and the demoted one's off; a SIGKILLed primary under
// write_probe is failed over with the result saying none lost and no
// acknowledged row missing, and the old primary, restarted as a semi-sync
// replica (scripts/cluster's --init-rpl-role=SLAVE), rejoins; so does one
// killed while a commit it binlogged waited for an acknowledgement (the
// tail is truncated at its restart).
#include <fstream>
#include <iterator>
#include <thread>

#include "failover_stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

class SemiSync : public FailoverStackTest {
 protected:
  static void SetUpTestSuite() { start_stack("syssemisync"); }

  // db<node>'s semi_sync as pivotd shows it (null when unknown).
  nlohmann::json semi_sync_of(int node) {
    const auto view = cluster_view();  // kept: a range-for over a temporary's member would dangle
    for (const auto& n : view["nodes"]) {
      if (n.value("name", "") == "db" + std::to_string(node) && n.contains("state") && n["state"].is_object()) {
        return n["state"].value("semi_sync", nlohmann::json());
      }
    }
    return nullptr;
  }

  // Until pivotd shows `primary` keeping semi-sync as the policy asks, and
  // the servers agree: its source side active with AFTER_SYNC; the replica
  // side on every other promotable node (`replicas`) and acknowledging; both
  // sides off on db4 (backup) and db5 (analytics).
  void expect_kept(int primary, const std::vector<int>& replicas) {
    const bool shown = wait_until(
        [&] {
          const auto p = semi_sync_of(primary);
          if (p.is_null() || p.value("source", false) != true || p.value("source_active", false) != true ||
              p.value("wait_point", "") != "AFTER_SYNC") {
            return false;
          }
          for (int node : replicas) {
            const auto r = semi_sync_of(node);
            if (r.is_null() || r.value("replica", false) != true || r.value("source", true) != false) return false;
          }
          for (int node : {4, 5}) {
            const auto r = semi_sync_of(node);
            if (r.is_null() || r.value("replica", true) != false || r.value("source", true) != false) return false;
          }
          return true;
        },
        30s);
    ASSERT_TRUE(shown) << "pivotd does not show semi-sync kept with db" << primary << " primary:\n"
                       << cluster_view()["nodes"].dump(1) << "\n---- pivotd log ----\n" << stack().pivotd_log();
    // The servers themselves, as root.
    EXPECT_EQ(cluster().record(primary, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")["Value"], "ON");
    EXPECT_EQ(cluster().value(primary, "SELECT @@global.rpl_semi_sync_master_wait_point"), "AFTER_SYNC");
    const auto timeout_ms = std::stoll(cluster().value(primary, "SELECT @@global.rpl_semi_sync_master_timeout"));
    EXPECT_EQ(semi_sync_of(primary).value("timeout_ms", 0LL), timeout_ms);
    EXPECT_GE(timeout_ms, 20000) << "longer than detection plus failover";
    for (int node : replicas) {
      EXPECT_TRUE(wait_until(
          [&] {
            return cluster().record(node, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_slave_status'")["Value"] == "ON";
          },
          15s))
          << "db" << node << "'s IO thread does not acknowledge (restarted after its replica side went on?)";
    }
    EXPECT_TRUE(wait_until(
        [&] {
          return cluster().record(primary, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'")["Value"] ==
                 std::to_string(replicas.size());
        },
        15s))
        << "db" << primary << " does not count every promotable replica as a semi-sync client";
  }

  nlohmann::json check_of(const nlohmann::json& job, const std::string& id) {
    for (const auto& c : job["result"]["checks"]) {
      if (c["id"] == id) return c;
    }
    return nullptr;
  }

  SpecOptions semi_sync_spec(bool auto_failover = false, const std::string& post_promote = "") {
    SpecOptions o;
    o.durability = "semi_sync";
    o.auto_failover = auto_failover;
    if (!post_promote.empty()) o.hooks = {{"post_promote", post_promote}};
    return o;
  }
};

TEST_F(SemiSync, KeptByTheAgentsCheckedAndMovedByAPivot) {
  auto [route, hook] = route_with_hook();
  stack().write_spec(semi_sync_spec(false, hook));
  expect_kept(1, {2, 3});
  auto status = stack().run_job(cluster_path("/pivot-status"), {{"candidate", "db2"}});
  auto semi = check_of(status, "semi_sync_settings");
  ASSERT_FALSE(semi.is_null()) << status.dump(2);
  EXPECT_EQ(semi["ok"], true) << semi.dump();
  EXPECT_NE(semi["detail"].get<std::string>().find("db1's source side is active (AFTER_SYNC"), std::string::npos)
      << semi.dump();

  // In a maintenance window pivotd leaves the settings alone: db2's replica
  // side turned off by hand stays off, and so does db3's kill_conn_timeout
  // put back to MariaDB's default (5 s: a failover's stop_io would wait it
  // on a hung primary); pivot status names both.
  ASSERT_EQ(stack().api("PUT", cluster_path("/maintenance"), {{"until", "2099-01-01T00:00:00Z"}, {"reason", "semi-sync test"}})
                .status,
            200);
  cluster().execute(2, "SET GLOBAL rpl_semi_sync_slave_enabled = OFF");
  cluster().execute(3, "SET GLOBAL rpl_semi_sync_slave_kill_conn_timeout = 5");
  ASSERT_TRUE(wait_until(
      [&] {
        return semi_sync_of(2).value("replica", true) == false && semi_sync_of(3).value("kill_conn_timeout_s", 0) == 5;
      },
      10s));
  status = stack().run_job(cluster_path("/pivot-status"), {{"candidate", "db2"}});
  semi = check_of(status, "semi_sync_settings");
  EXPECT_EQ(semi["ok"], false) << semi.dump();
  EXPECT_NE(semi["detail"].get<std::string>().find("db2 has the semi-sync replica side off"), std::string::npos)
      << semi.dump();
  EXPECT_NE(semi["detail"].get<std::string>().find("db3's rpl_semi_sync_slave_kill_conn_timeout is 5 s"),
            std::string::npos)
      << semi.dump();
  EXPECT_EQ(status["result"]["eligible"], false);
  // The window closed, the guard turns it on again (and restarts its IO
  // thread) and lowers db3's timeout to 1 s.
  ASSERT_EQ(stack().api("DELETE", cluster_path("/maintenance")).status, 200);
  expect_kept(1, {2, 3});
  EXPECT_TRUE(wait_until([&] { return semi_sync_of(3).value("kill_conn_timeout_s", 0) == 1; }, 15s))
      << semi_sync_of(3).dump();
  EXPECT_EQ(cluster().value(3, "SELECT @@global.rpl_semi_sync_slave_kill_conn_timeout"), "1");

  // A pivot to db2 under writes: db2's source side on before it is writable,
  // db1's off once demoted; nothing acknowledged lost.
  auto probe = start_probe(route);
  ASSERT_TRUE(probe->wait_ready(10s));
  std::this_thread::sleep_for(1s);
  auto pivot = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}});
  ASSERT_EQ(pivot["state"], "succeeded") << pivot.dump(2);
  for (const auto& step : pivot["steps"]) {
    if (step["name"] != "promote") continue;
    EXPECT_NE(step.value("summary", "").find("semi-sync source side active"), std::string::npos) << step.dump(2);
  }
  wait_observed_primary("db2");
  expect_kept(2, {1, 3});
  std::this_thread::sleep_for(1s);  // writes acknowledged by db2
  expect_probe_lost_nothing(*probe, 2);
  expect_replicating_from(2);
}

TEST_F(SemiSync, AKilledPrimaryIsFailedOverWithNoneLostAndRejoinsAfterItsRestart) {
  auto [route, hook] = route_with_hook();
  stack().write_spec(semi_sync_spec(true, hook));
  expect_kept(1, {2, 3});
  auto probe = start_probe(route);
  ASSERT_TRUE(probe->wait_ready(10s));
  std::this_thread::sleep_for(1500ms);
  const std::string before_kill = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  kill(1);
  const auto job = next_job("failover", 40s);
  ASSERT_FALSE(job.is_null()) << "no automatic failover within 40 s\n" << reasons();
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  const auto& result = job["result"];
  std::cout << "failover result: " << result.dump() << "\n";
  EXPECT_EQ(result["lost"], "none") << result.dump(2);
  EXPECT_NE(result.value("lost_reason", "").find("semi-sync active with AFTER_SYNC"), std::string::npos);
  const std::string winner_name = result.value("new_primary", "");
  ASSERT_TRUE(winner_name == "db2" || winner_name == "db3") << job.dump(2);
  const int winner = number_of(winner_name);
  const int other = winner == 2 ? 3 : 2;
  // The new primary's source side came on in its promotion, before it took writes.
  for (const auto& step : job["steps"]) {
    if (step["name"] != "promote") continue;
    EXPECT_NE(step.value("summary", "").find("semi-sync source side active"), std::string::npos) << step.dump(2);
  }
  std::this_thread::sleep_for(1s);  // writes acknowledged by the new primary
  // Every row the probe had acknowledged is on the new primary.
  expect_probe_lost_nothing(*probe, winner);
  std::cout << "db1 at its kill (as read just before): " << before_kill << "\n";

  // db1 restarts as a semi-sync replica: a tail no replica acknowledged is
  // truncated, so it rejoins instead of needing a rebuild.
  start(1);
  const auto rejoin = next_job("rejoin", 40s);
  ASSERT_FALSE(rejoin.is_null()) << "no rejoin of db1\n" << reasons();
  ASSERT_EQ(rejoin["state"], "succeeded") << rejoin.dump(2);
  EXPECT_EQ(rejoin["result"]["verdict"], "rejoin") << rejoin.dump(2);
  expect_replicating_from(winner);
  expect_kept(winner, {1, other});
  EXPECT_TRUE(wait_until(
      [&] {
        return cluster().record(1, "CHECKSUM TABLE pivot_test.probe")["Checksum"] ==
               cluster().record(winner, "CHECKSUM TABLE pivot_test.probe")["Checksum"];
      },
      15s))
      << "db1 does not hold what db" << winner << " holds";
}

// A commit db1 binlogged that no replica acknowledged (their IO threads
// stopped, its client still waiting) when db1 was killed: the failover says
// none lost (the client was never told it committed), and db1, restarted as
// a semi-sync replica, truncates that tail at crash recovery and rejoins,
// where an asynchronous cluster's old primary with such a transaction is
// marked needs_rebuild (AutoFailover.AnOldPrimaryWithAnExtraTransaction...).
TEST_F(SemiSync, AnUnacknowledgedTailIsTruncatedAtRestartAndTheOldPrimaryRejoins) {
  stack().write_spec(semi_sync_spec(true));
  expect_kept(1, {2, 3});
  cluster().execute(1, "INSERT INTO pivot_test.probe VALUES (1, 'acknowledged', 0)", Account::app);
  for (int node = 2; node <= 5; ++node) cluster().execute(node, "STOP SLAVE IO_THREAD");
  const std::string before = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  BackgroundProcess waiting({"/usr/bin/mariadb", "--no-defaults", "--socket", cluster().socket(1).string(), "-u", "root",
                             "-e", "INSERT INTO pivot_test.probe VALUES (700, 'never-acknowledged', 0)"});
  std::string tail;
  ASSERT_TRUE(wait_until(
      [&] {
        tail = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
        return tail != before && cluster().value(1, "SELECT COUNT(*) FROM information_schema.processlist WHERE "
                                                    "state LIKE 'Waiting for semi-sync ACK%'") == "1";
      },
      10s))
      << "the commit is not binlogged and waiting for an acknowledgement";
  kill(1);
  for (int node = 2; node <= 5; ++node) cluster().execute(node, "START SLAVE IO_THREAD");
  const auto job = next_job("failover", 40s);
  ASSERT_FALSE(job.is_null()) << reasons();
  ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
  std::cout << "failover result: " << job["result"].dump() << "\n";
  EXPECT_EQ(job["result"]["lost"], "none") << job["result"].dump(2);
  const int winner = number_of(job["result"]["new_primary"]);
  EXPECT_EQ(cluster().value(winner, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq = 700"), "0");
  EXPECT_EQ(cluster().value(winner, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq = 1"), "1");

  start(1);
  std::ifstream log(cluster().dir() / "node1" / "error.log");
  const std::string errors((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(errors.find("Successfully truncated binlog"), std::string::npos)
      << "db1 kept its unacknowledged tail (" << tail << ")";
  const auto rejoin = next_job("rejoin", 40s);
  ASSERT_FALSE(rejoin.is_null()) << reasons();
  EXPECT_EQ(rejoin["result"]["verdict"], "rejoin") << rejoin.dump(2);
  expect_replicating_from(winner);
  EXPECT_EQ(cluster().value(1, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq = 700"), "0")
      << "the never-acknowledged row is gone from db1 too";
}

}  // namespace
}  // namespace pivot::test
