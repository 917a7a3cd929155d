// A replication account that REQUIRES SSL (scripts/cluster up --ssl): every
// node still replicates after a pivot and back, and after a rollback that
// pointed the candidate at the old primary again. The old primary never had
// a source whose SSL settings it could keep: its agent takes the TLS of its
// replication config (without it, measured: db1 never replicates from db2).
// The rolled-back candidate's RESET SLAVE ALL did not forget its SSL
// settings (MariaDB 10.11 keeps them in memory until a restart, measured);
// the config would cover a restart in between.
#include "stack_test.hpp"

namespace pivot::test {
namespace {

class SslReplication : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("sysssl", "", true); }

  // Every other node replicates from `primary` (expect_replicating_from) over TLS.
  void expect_tls_replicas_of(int primary) {
    expect_replicating_from(primary);
    for (int node = 1; node <= cluster().nodes(); ++node) {
      if (node == primary) continue;
      EXPECT_EQ(cluster().record(node, "SHOW SLAVE STATUS")["Master_SSL_Allowed"], "Yes") << "db" << node;
    }
  }
};

TEST_F(SslReplication, EveryNodeReplicatesAfterAPivotAndBack) {
  ASSERT_TRUE(cluster().ssl());
  auto there = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db1"}});
  ASSERT_EQ(there["state"], "succeeded") << there.dump(2);
  expect_tls_replicas_of(2);
  cluster().execute(2, "INSERT INTO pivot_test.probe VALUES (1, 'on db2', 0)", Account::app);
  cluster().sync_replicas(2);

  // pivotd must see db1 replicating before it may become the candidate again.
  ASSERT_TRUE(wait_until(
      [&] {
        auto status = stack().run_job(cluster_path("/pivot-status"), {{"candidate", "db1"}});
        return status["result"]["eligible"] == true;
      },
      std::chrono::seconds(10)));
  auto back = stack().run_job(cluster_path("/pivot"), {{"candidate", "db1"}, {"expected_primary", "db2"}});
  ASSERT_EQ(back["state"], "succeeded") << back.dump(2);
  expect_tls_replicas_of(1);
}

class SslRollback : public SslReplication {
 protected:
  // db2's switch to writable runs but its answer is lost: the rollback points
  // db2, reset by the promote, at db1 again.
  static void SetUpTestSuite() { start_stack("syssslrb", "promote/set_read_only:drop_answer", true); }
};

TEST_F(SslRollback, TheCandidateReplicatesAgainAfterARollback) {
  auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", "db2"}, {"expected_primary", "db1"}});
  ASSERT_EQ(job["state"], "rolled_back") << job.dump(2);
  expect_tls_replicas_of(1);
}

}  // namespace
}  // namespace pivot::test
