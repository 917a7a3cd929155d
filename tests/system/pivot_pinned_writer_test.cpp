// A client pinned to the old primary's address (no proxy, no route) with
// READ_ONLY ADMIN: read_only does not stop it, so once the fence's lock is
// released after the promotion it writes on the demoted old primary again.
// The fence cannot prevent that (docs/fence.md, "does not guarantee"); the
// job must not be silent about it: it ends failed, naming db1's transactions.
// Its own suite and cluster: the test leaves db1 with errant transactions.
#include <thread>

#include "probe_process.hpp"
#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;

class PivotPinnedWriter : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("syspin"); }
};

TEST_F(PivotPinnedWriter, WritesOnTheOldPrimaryAfterTheFenceAreNamedNeverSilent) {
  cluster().execute(1, "CREATE TABLE IF NOT EXISTS pivot_test.probe_pinned LIKE pivot_test.probe");
  cluster().sync_replicas();
  // root over db1's socket, every 5 ms, to db1 only.
  ProbeProcess pinned({"--node", stack().node_address(1), "--socket",
                       stack().node_address(1) + "=" + cluster().socket(1).string(), "--user", "root", "--database",
                       "pivot_test", "--table", "probe_pinned", "--timeout-s", "3", "--settle-timeout-ms", "2000",
                       "--duration-ms", "60000"});
  ASSERT_TRUE(pinned.wait_ready(10s));
  std::this_thread::sleep_for(300ms);

  auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db1"}});
  std::cout << "pivot: " << job.dump().substr(0, 4000) << "\n";
  std::this_thread::sleep_for(300ms);
  pinned.finish(30s);

  EXPECT_EQ(job["state"], "failed") << job.dump(2);
  EXPECT_EQ(job["result"]["new_primary"], "db2") << "the pivot itself went through";
  nlohmann::json verify_old;
  for (const auto& step : job["steps"]) {
    if (step["name"] == "verify_old_primary") verify_old = step;
  }
  ASSERT_FALSE(verify_old.is_null()) << job.dump(2);
  EXPECT_EQ(verify_old["state"], "failed");
  const std::string transactions = verify_old["detail"].value("transactions", "");
  EXPECT_NE(transactions.find("0-1-"), std::string::npos)
      << "db1's own transactions after the fence must be named: " << verify_old.dump(2);
  EXPECT_NE(job["result"]["message"].get<std::string>().find("db1"), std::string::npos);
  // Before the release the lock held them: nothing of db1's is in db2 past the capture.
  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "0");
}

}  // namespace
}  // namespace pivot::test
