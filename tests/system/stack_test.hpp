#pragma once
// The fixture of the system tests: a 5-node cluster (db1 primary, db2 and db3
// replicas, db4 backup, db5 analytics) with pivotd and five secure agents,
// one stack per suite; each test starts from the reset topology.
#include <memory>

#include "pivot/test/cluster_test.hpp"
#include "pivot_stack.hpp"

namespace pivot::test {

class StackTest : public ClusterTest {
 protected:
  static void start_stack(const std::string& name) {
    start_cluster({.nodes = 5, .name = name});
    if (!has_cluster()) return;
    try {
      stack_ = std::make_unique<PivotStack>(cluster(), cluster().dir() / "stack");
      stack_->start_pivotd();
      stack_->start_agents();
    } catch (const std::exception& e) {
      stack_error_ = e.what();
      stack_.reset();
    }
  }
  static void TearDownTestSuite() {
    stack_.reset();
    ClusterTest::TearDownTestSuite();
  }
  void SetUp() override {
    ClusterTest::SetUp();
    ASSERT_TRUE(stack_) << "no pivotd stack: " << stack_error_;
    stack_->write_spec({});
    stack_->wait_ready();
  }
  void TearDown() override {
    if (HasFailure() && stack_) std::cout << "---- pivotd log ----\n" << stack_->pivotd_log() << "\n";
    ClusterTest::TearDown();
  }
  static PivotStack& stack() { return *stack_; }
  std::string cluster_path(const std::string& rest = "") const { return "/v1/clusters/" + stack_->cluster_name() + rest; }

  static inline std::unique_ptr<PivotStack> stack_;
  static inline std::string stack_error_;
};

}  // namespace pivot::test
