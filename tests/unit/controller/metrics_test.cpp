// /metrics' pure parts: the text format's writer and the job series
// (JobMetrics, a JobStateSink told each change as the job registry makes it).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pivot/controller/job_metrics.hpp"
#include "pivot/controller/prometheus_text.hpp"

namespace pivot::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(PrometheusTextTest, WritesFamiliesSamplesAndEscapedLabels) {
  PrometheusText out;
  out.family("pivot_x", "gauge", "An x.");
  out.sample("pivot_x", {}, 3);
  out.sample("pivot_x", {{"cluster", "a\"b\\c\nd"}, {"node", "db1"}}, 0.25);
  EXPECT_EQ(out.text(),
            "# HELP pivot_x An x.\n# TYPE pivot_x gauge\npivot_x 3\npivot_x{cluster=\"a\\\"b\\\\c\\nd\",node=\"db1\"} 0.25\n");
}

TEST(PrometheusTextTest, AHistogramIsCumulativeWithInfSumAndCount) {
  const std::array<double, 3> bounds{0.01, 0.1, 1};
  HistogramCounts h;
  for (double v : {0.005, 0.01, 0.05, 2.0}) h.observe(bounds, v);  // le is inclusive: 0.01 is in the first
  PrometheusText out;
  out.histogram("pivot_h", {{"kind", "pivot"}}, bounds, h.counts, h.sum);
  EXPECT_EQ(out.text(),
            "pivot_h_bucket{kind=\"pivot\",le=\"0.01\"} 2\n"
            "pivot_h_bucket{kind=\"pivot\",le=\"0.1\"} 3\n"
            "pivot_h_bucket{kind=\"pivot\",le=\"1\"} 3\n"
            "pivot_h_bucket{kind=\"pivot\",le=\"+Inf\"} 4\n"
            "pivot_h_sum{kind=\"pivot\"} 2.065\n"
            "pivot_h_count{kind=\"pivot\"} 4\n");
  PrometheusText empty;
  empty.histogram("pivot_e", {}, bounds, {}, 0);  // nothing observed yet: zeros, never a missing bucket
  EXPECT_THAT(empty.text(), HasSubstr("pivot_e_bucket{le=\"+Inf\"} 0\npivot_e_sum 0\npivot_e_count 0\n"));
}

JobStep step(const std::string& name, StepState state, std::uint64_t started, std::uint64_t finished) {
  return {name, state, started, finished, Detail::object(), ""};
}

Job job_of(const std::string& id, JobKind kind, const std::string& cluster, JobState state) {
  Job job;
  job.id = id;
  job.kind = kind;
  job.cluster = cluster;
  job.state = state;
  return job;
}

TEST(JobMetricsTest, CountsEachStepOnceAndTheJobWithItsWriteBlockedWindow) {
  JobMetrics metrics;
  Job job = job_of("pv-1-1", JobKind::pivot, "sms-1", JobState::running);
  metrics.job_state(job);
  job.steps = {step("check", StepState::running, 1000, 0)};
  metrics.job_state(job);
  job.steps = {step("check", StepState::succeeded, 1000, 1004)};
  metrics.job_state(job);
  job.steps.push_back(step("promote", StepState::running, 1004, 0));
  metrics.job_state(job);
  job.steps.back() = step("promote", StepState::succeeded, 1004, 1304);
  metrics.job_state(job);
  job.state = JobState::succeeded;
  job.result = {{"write_blocked_ms", 12}};
  metrics.job_state(job);  // the end repeats the steps: counted once

  Job dry = job;
  dry.id = "pv-1-2";
  dry.dry_run = true;
  dry.steps.clear();
  metrics.job_state(dry);

  PrometheusText out;
  metrics.write(out, {"sms-1"});
  const std::string& text = out.text();
  EXPECT_THAT(text, HasSubstr("# TYPE pivot_jobs_total counter\n"));
  EXPECT_THAT(text, HasSubstr("pivot_jobs_total{kind=\"pivot\",outcome=\"succeeded\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("pivot_jobs_total{kind=\"pivot\",outcome=\"failed\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("pivot_jobs_total{kind=\"pivot_dry_run\",outcome=\"succeeded\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("pivot_jobs_total{kind=\"failover\",outcome=\"rolled_back\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("pivot_step_duration_seconds_bucket{kind=\"pivot\",step=\"check\",le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("pivot_step_duration_seconds_count{kind=\"pivot\",step=\"check\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("pivot_step_duration_seconds_bucket{kind=\"pivot\",step=\"promote\",le=\"0.25\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("pivot_step_duration_seconds_bucket{kind=\"pivot\",step=\"promote\",le=\"0.5\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("pivot_step_duration_seconds_sum{kind=\"pivot\",step=\"promote\"} 0.3\n"));
  EXPECT_THAT(text, HasSubstr("pivot_write_blocked_seconds_bucket{le=\"0.01\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("pivot_write_blocked_seconds_bucket{le=\"0.02\"} 1\n"));  // only the real pivot
  EXPECT_THAT(text, HasSubstr("pivot_write_blocked_seconds_count 1\n"));
  EXPECT_THAT(text, HasSubstr("pivot_failovers_total{cluster=\"sms-1\",outcome=\"succeeded\"} 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("pivot_dry_run\",step")));
}

TEST(JobMetricsTest, AFailoverIsCountedByCluster) {
  JobMetrics metrics;
  metrics.job_state(job_of("fo-1-1", JobKind::failover, "sms-2", JobState::failed));
  PrometheusText out;
  metrics.write(out, {"sms-1"});
  EXPECT_THAT(out.text(), HasSubstr("pivot_failovers_total{cluster=\"sms-2\",outcome=\"failed\"} 1\n"));
  EXPECT_THAT(out.text(), HasSubstr("pivot_failovers_total{cluster=\"sms-1\",outcome=\"failed\"} 0\n"));
  EXPECT_THAT(out.text(), HasSubstr("pivot_jobs_total{kind=\"failover\",outcome=\"failed\"} 1\n"));
}

TEST(JobMetricsTest, ARolloutsDryRunIsARollout) {
  JobMetrics metrics;
  Job dry = job_of("rl-1-1", JobKind::rollout, "", JobState::succeeded);
  dry.dry_run = true;
  metrics.job_state(dry);
  PrometheusText out;
  metrics.write(out, {"sms-1"});
  EXPECT_THAT(out.text(), HasSubstr("pivot_jobs_total{kind=\"rollout\",outcome=\"succeeded\"} 1\n"));
  EXPECT_THAT(out.text(), HasSubstr("pivot_jobs_total{kind=\"pivot_dry_run\",outcome=\"succeeded\"} 0\n"));
}

}  // namespace
}  // namespace pivot::controller
