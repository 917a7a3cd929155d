// A cluster's health (the event stream's and the metrics'): a cluster a job
// left for the operator reads needs_attention until a writable primary is
// observed again.
#include "pivot/controller/cluster_health.hpp"

#include <gtest/gtest.h>

namespace pivot::controller {
namespace {

ClusterDetail fenced() {
  ClusterDetail d;
  d.name = "sms-1";
  return d;  // no primary observed, no node
}

TEST(ClusterHealth, NoPrimaryIsDegraded) {
  const auto health = cluster_health(fenced());
  EXPECT_EQ(health.state, "degraded");
  ASSERT_FALSE(health.reasons.empty());
  EXPECT_EQ(health.reasons.front(), "no single writable primary is observed");
}

TEST(ClusterHealth, LeftForTheOperatorNeedsAttentionAndSaysWhyFirst) {
  auto d = fenced();
  d.attention = "job pv-3-1 left the cluster for the operator (needs_attention): db1 did not answer";
  const auto health = cluster_health(d);
  EXPECT_EQ(health.state, "needs_attention");
  ASSERT_GE(health.reasons.size(), 2u);
  EXPECT_EQ(health.reasons.front(), *d.attention);
}

TEST(ClusterHealth, AWritablePrimaryAgainEndsTheAttention) {
  auto d = fenced();
  d.attention = "job pv-3-1 left the cluster for the operator (candidate_written): ...";
  d.primary = "db1";  // the operator made one node writable
  EXPECT_EQ(cluster_health(d).state, "ok");
}

}  // namespace
}  // namespace pivot::controller
