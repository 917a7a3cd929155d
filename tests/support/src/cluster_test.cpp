#include "pivot/test/cluster_test.hpp"

#include <iostream>

namespace pivot::test {

std::unique_ptr<Cluster> ClusterTest::cluster_;
std::string ClusterTest::start_error_;
bool ClusterTest::fresh_ = false;

void ClusterTest::start_cluster(const ClusterOptions& options) {
  cluster_.reset();
  start_error_.clear();
  try {
    cluster_ = Cluster::start(options);
    fresh_ = true;
  } catch (const std::exception& e) {
    start_error_ = e.what();
    ADD_FAILURE() << "the test cluster did not start: " << start_error_;
  }
}

void ClusterTest::TearDownTestSuite() { cluster_.reset(); }

Cluster& ClusterTest::cluster() { return *cluster_; }

void ClusterTest::SetUp() {
  if (!cluster_) GTEST_FAIL() << "no test cluster: " << start_error_;
  if (fresh_) {
    fresh_ = false;
    return;
  }
  try {
    cluster_->reset();
  } catch (const std::exception& e) {
    GTEST_FAIL() << "resetting the test cluster failed: " << e.what();
  }
}

void ClusterTest::TearDown() {
  if (!HasFailure() || !cluster_) return;
  try {
    std::cerr << "cluster after the failure:\n" << cluster_->status();
  } catch (const std::exception& e) {
    std::cerr << "cluster status failed: " << e.what() << '\n';
  }
}

}  // namespace pivot::test
