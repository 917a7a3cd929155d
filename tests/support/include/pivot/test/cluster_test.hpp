#pragma once
// ClusterTest: the GoogleTest fixture base of integration tests. One cluster
// per test suite; every test starts from the same topology (node 1 primary,
// every other node replicating from it, test tables empty).
//
//   class PivotSwitchover : public pivot::test::ClusterTest {
//    public:
//     // Optional: another size than the default 3 nodes.
//     static void SetUpTestSuite() { start_cluster({.nodes = 5, .name = "switchover"}); }
//   };
//   TEST_F(PivotSwitchover, KeepsEveryWrite) { cluster().execute(1, "..."); }
//
// The cluster is taken down after the suite, and also when the test process
// dies (failure, abort, SIGKILL at ctest's timeout): see Cluster::start.

#include <gtest/gtest.h>

#include <memory>

#include "pivot/test/cluster.hpp"
#include "pivot/test/wait.hpp"

namespace pivot::test {

class ClusterTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() { start_cluster({}); }
  static void TearDownTestSuite();

 protected:
  // Starts the suite's cluster; a failure is reported and every test of the
  // suite then fails in SetUp with the reason.
  static void start_cluster(const ClusterOptions& options);
  static Cluster& cluster();
  static bool has_cluster() { return cluster_ != nullptr; }

  // Resets the cluster unless it was just started.
  void SetUp() override;
  // After a failed test, prints `scripts/cluster status`.
  void TearDown() override;

 private:
  static std::unique_ptr<Cluster> cluster_;
  static std::string start_error_;
  static bool fresh_;
};

}  // namespace pivot::test
