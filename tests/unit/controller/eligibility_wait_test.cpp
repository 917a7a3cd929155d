// What a job waiting for eligibility shows while it waits.
#include "pivot/controller/eligibility_wait.hpp"

#include <gtest/gtest.h>

namespace pivot::controller {
namespace {

PivotStatus lagging(const std::string& candidate) {
  PivotStatus s;
  s.candidate = candidate;
  s.checks = {{"replica_lag", false, "db4 is 120 s behind (max_lag_seconds 5)"}, {"single_writable_primary", true, "ok"}};
  return s;
}

TEST(EligibilityWait, NamesTheFailingChecksTheLagItsRateAndWhenItPasses) {
  EligibilityWait wait(1000, 61000);
  wait.look(1000, lagging("db4"), 125.0, 5);
  EXPECT_FALSE(wait.lag_rate());
  wait.look(11000, lagging("db4"), 105.0, 5);  // 20 s less in 10 s: 2 s per second
  ASSERT_TRUE(wait.lag_rate());
  EXPECT_DOUBLE_EQ(*wait.lag_rate(), 2.0);
  ASSERT_TRUE(wait.lag_passes_in_s());
  EXPECT_DOUBLE_EQ(*wait.lag_passes_in_s(), 50.0);  // (105 - 5) / 2
  const auto p = wait.progress(11000);
  EXPECT_EQ(p["waited_ms"].as_uint(), 10000u);
  EXPECT_EQ(p["remaining_ms"].as_uint(), 50000u);
  EXPECT_EQ(p["candidate"], "db4");
  ASSERT_EQ(p["failing"].size(), 1u);
  EXPECT_EQ(p["failing"][std::size_t{0}]["id"], "replica_lag");
  EXPECT_EQ(p["lag_passes_in_s"].as_double(), 50.0);
  EXPECT_EQ(p["summary"].as_string(),
            "waiting for 1 failing check(s) (replica_lag: db4 is 120 s behind (max_lag_seconds 5)); db4 is 105 s "
            "behind, within the lag limit in about 50 s");
  EXPECT_FALSE(wait.expired(60999));
  EXPECT_TRUE(wait.expired(61000));
}

TEST(EligibilityWait, AGrowingLagHasNoEstimateAndANewCandidateStartsItsRateAnew) {
  EligibilityWait wait(0, 100000);
  wait.look(0, lagging("db4"), 10.0, 5);
  wait.look(5000, lagging("db4"), 20.0, 5);
  ASSERT_TRUE(wait.lag_rate());
  EXPECT_LT(*wait.lag_rate(), 0.0);
  EXPECT_FALSE(wait.lag_passes_in_s());
  EXPECT_NE(wait.progress(5000)["summary"].as_string().find("not catching up"), std::string::npos);
  wait.look(6000, lagging("db2"), 8.0, 5);
  EXPECT_FALSE(wait.lag_rate()) << "db2's rate is not db4's";
}

TEST(EligibilityWait, OldSamplesLeaveTheRateWindow) {
  EligibilityWait wait(0, 1000000);
  wait.look(0, lagging("db4"), 1000.0, 5);  // far in the past: an outlier
  wait.look(40000, lagging("db4"), 100.0, 5);
  wait.look(50000, lagging("db4"), 90.0, 5);
  ASSERT_TRUE(wait.lag_rate());
  EXPECT_DOUBLE_EQ(*wait.lag_rate(), 1.0);
}

}  // namespace
}  // namespace pivot::controller
