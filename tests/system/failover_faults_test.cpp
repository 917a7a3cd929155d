// The faults that fool other failover tools (issue 16 item 3), on a real
// 5-node MariaDB cluster with its agents and pivotd, under write_probe
// writing through the route the post_promote hook switches:
// - a hung primary (its mysqld SIGSTOPped: its port still accepts
//   connections): its agent's probe times out, the replicas lose it, pivotd
//   fails over; when it wakes (SIGCONT) it is fenced at once, and ends
//   read-only, rejoined or needs_rebuild (with any write a client pinned to
//   its address committed before the fence counted in its extra transactions);
// - a silent host (its agent and mysqld SIGSTOPped together): the agent is
//   silent for agent_dead_ms and the replicas lost it: the same.
// docs/failover.md "Faults" says what each does and what pivot does about it.
#include <functional>
#include <iostream>
#include <thread>

#include "failover_stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

long long ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

class FailoverFaults : public FailoverStackTest {
 protected:
  static void SetUpTestSuite() { start_stack("sysfaults"); }

  // What a client that does not follow the route (a cron job pinned to the
  // old primary's address) sees on db1 once it is back: direct INSERTs as
  // `app`, a new session each, one after the other, until one is refused
  // (read-only, 1290) or `bound` passes. Returns how many were acknowledged.
  int direct_writes_acknowledged_on_db1(std::chrono::seconds bound) {
    const auto start = Clock::now();
    int acknowledged = 0, tries = 0;
    long long seq = 9'000'000'000'000LL;
    while (Clock::now() - start < bound) {
      ++tries;
      const auto outcome = cluster().try_query(
          1, "INSERT INTO pivot_test.probe VALUES (" + std::to_string(seq++) + ", 'direct', 0)", Account::app);
      if (outcome.ok()) {
        ++acknowledged;
        continue;
      }
      if (outcome.error_code == 1290) {
        std::cout << "direct writes on db1 after it woke: " << tries << " tried, " << acknowledged
                  << " acknowledged; the first refusal (read-only) " << ms_since(start) << " ms after\n";
        return acknowledged;
      }
      std::this_thread::sleep_for(20ms);  // not answering yet: try again
    }
    ADD_FAILURE() << "db1 was not read-only " << bound.count() << " s after it woke\n" << reasons();
    return acknowledged;
  }

  // The fault on db1 (`fault`) under writes: pivotd's own failover; then the
  // fault undone (`recover`): db1 fenced within a bound, read-only and
  // rejoined or marked needs_rebuild (so marked when it took a write after
  // it woke), every row the probe had acknowledged on the new primary.
  void fail_over_and_fence_on_return(const std::function<void()>& fault, const std::function<void()>& recover) {
    auto probe = auto_failover_under_routed_writes();
    if (HasFailure()) return;
    std::this_thread::sleep_for(1s);

    const auto faulted = Clock::now();
    fault();
    const auto job = next_job("failover", 40s);
    ASSERT_FALSE(job.is_null()) << "no failover within 40 s of the fault\n" << reasons();
    const auto failed_over_ms = ms_since(faulted);
    ASSERT_EQ(job["state"], "succeeded") << job.dump(2);
    EXPECT_EQ(job["requested_by"], "pivotd");
    EXPECT_EQ(job["result"].value("old_primary", ""), "db1") << job.dump(2);
    const std::string winner_name = job["result"].value("new_primary", "");
    ASSERT_TRUE(winner_name == "db2" || winner_name == "db3") << job.dump(2);
    const int winner = number_of(winner_name);
    std::cout << "fault -> failover job ended: " << failed_over_ms << " ms; result " << job["result"].dump() << "\n";
    expect_replicating_from(winner, {1});
    std::this_thread::sleep_for(1s);  // writes acknowledged by the new primary

    recover();
    const int acknowledged_after = direct_writes_acknowledged_on_db1(15s);
    const auto rejoin = next_job("rejoin", 40s);
    ASSERT_FALSE(rejoin.is_null()) << "db1 back, no rejoin job\n" << reasons();
    const std::string verdict = rejoin["result"].value("verdict", "");
    EXPECT_TRUE(verdict == "rejoin" || verdict == "needs_rebuild") << rejoin.dump(2);
    std::cout << "db1's return: " << rejoin["result"].dump() << "\n";
    // A client pinned to db1's address can commit there between its waking
    // and the fence (docs/failover.md "Faults"): such a write is never taken
    // for part of the cluster: db1 is marked needs_rebuild with it counted.
    const std::string direct_rows =
        cluster().value(1, "SELECT COUNT(*) FROM pivot_test.probe WHERE node = 'direct'");
    EXPECT_EQ(std::stoi(direct_rows), acknowledged_after) << "an acknowledged direct write is missing on db1";
    if (acknowledged_after > 0) {
      EXPECT_EQ(verdict, "needs_rebuild") << "db1 took writes after it woke and was still let rejoin: " << rejoin.dump(2);
      EXPECT_GE(rejoin["result"].value("extra_count", 0), acknowledged_after) << rejoin.dump(2);
    }
    EXPECT_EQ(cluster().value(winner, "SELECT COUNT(*) FROM pivot_test.probe WHERE node = 'direct'"), "0");
    EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "1");
    EXPECT_EQ(cluster().value(winner, "SELECT @@global.read_only"), "0");
    if (verdict == "rejoin") expect_replicating_from(winner);

    // Stopped while db1 is back: every node is read again at the end.
    auto outcome = probe->finish(60s);
    ASSERT_TRUE(outcome.report) << outcome.describe();
    const auto& report = *outcome.report;
    std::cout << "write_probe: " << report.dump().substr(0, 800) << "\n";
    EXPECT_EQ(report.at("lost"), 0) << "an acknowledged write is missing on " << winner_name;
    EXPECT_EQ(report.at("split_brain"), false);
    EXPECT_EQ(report.at("final_primary"), stack().node_address(winner));
    EXPECT_GT(report.at("acked").get<int>(), 0);
    const std::string checksum = cluster().record(winner, "CHECKSUM TABLE pivot_test.probe")["Checksum"];
    for (int node = 2; node <= 5; ++node) {
      if (node == winner) continue;
      EXPECT_EQ(cluster().record(node, "CHECKSUM TABLE pivot_test.probe")["Checksum"], checksum) << "db" << node;
    }
  }
};

// SIGSTOP: the kernel still completes TCP handshakes on db1's port, so a
// plain connect check calls it alive; its agent's probe times out
// (probe_timeout_ms) and the replicas' IO threads time out
// (slave_net_timeout) and cannot reconnect.
TEST_F(FailoverFaults, AHungPrimaryIsReplacedAndTakesNoWriteWhenItWakes) {
  fail_over_and_fence_on_return([&] { pause(1); }, [&] { resume(1); });
}

// The whole host silent: agent and mysqld stopped together. pivotd hears
// nothing from db1 for agent_dead_ms, and every fresh replica lost it.
TEST_F(FailoverFaults, ASilentHostIsReplacedAndItsOldPrimaryIsFencedWhenItReturns) {
  fail_over_and_fence_on_return(
      [&] {
        pause_agent(1);
        pause(1);
      },
      // The agent first: the window in which db1 takes writes before it is
      // fenced is then measured from mysqld's waking, as for a hung primary.
      [&] {
        resume_agent(1);
        resume(1);
      });
}

}  // namespace
}  // namespace pivot::test
