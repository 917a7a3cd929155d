// The rollout runner on a real JobRegistry, with children that are pivot jobs
// of that registry which the test ends itself: the order, the concurrency,
// groups, stop_on_failure, cancel, the dry run and a resume after a restart.
#include "pivot/controller/rollout_runner.hpp"

#include <chrono>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "fake_ports.hpp"

namespace pivot::controller {
namespace {

using test::ManualClock;

// The runner works on its own thread: wait (boundedly) for what it must do.
template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

class RolloutFleet {
 public:
  ManualClock clock;
  JobRegistry registry{clock, 7, 1000};
  std::vector<LabeledCluster> clusters;
  std::map<std::string, PivotStatus> status;  // by cluster; eligible with primary db1 unless set
  std::map<std::string, Error> refuse;        // start_pivot refuses these

  struct Started {
    std::string cluster;
    std::optional<std::string> expected_primary;
    std::string job;
  };

  void add(const std::string& name, std::map<std::string, std::string> labels, bool eligible = true) {
    clusters.push_back({name, std::move(labels)});
    PivotStatus s;
    s.eligible = eligible;
    s.primary = name + "-db1";
    s.candidate = name + "-db2";
    status[name] = s;
  }

  RolloutRunner::Ports ports() {
    return {.clusters = [this] { return clusters; },
            .pivot_status = [this](const std::string& c) { return status.at(c); },
            .start_pivot = [this](const std::string& c, const std::optional<std::string>& expected,
                                  const std::string& by) -> Result<std::string> {
              if (auto it = refuse.find(c); it != refuse.end()) return it->second;
              auto admitted = registry.admit({.kind = JobKind::pivot, .cluster = c, .requested_by = by, .holds = true});
              if (!admitted) return admitted.error();
              registry.launched();
              registry.started(admitted->job_id);
              std::lock_guard lock(mu);
              started.push_back({c, expected, admitted->job_id});
              return admitted->job_id;
            }};
  }

  std::vector<std::string> started_clusters() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& s : started) out.push_back(s.cluster);
    return out;
  }
  std::string child_of(const std::string& cluster) {
    std::lock_guard lock(mu);
    for (const auto& s : started) {
      if (s.cluster == cluster) return s.job;
    }
    return "";
  }
  void end_child(const std::string& cluster, JobState state, const std::string& error = "") {
    const auto id = child_of(cluster);
    ASSERT_FALSE(id.empty()) << cluster << " was not started";
    Detail result = Detail::object();
    if (!error.empty()) result["error"] = error;
    registry.finish(id, state, result);
  }
  Job job(const std::string& id) { return *registry.job(id); }
  bool ended(const std::string& id) { return job(id).finished(); }

  std::mutex mu;
  std::vector<Started> started;
  RolloutRunner runner{registry, clock, ports()};  // last: stopped before the rest goes
};

std::string child_state(const Job& rollout, const std::string& cluster) {
  for (const auto& c : rollout.result["clusters"].items()) {
    if (c.value("cluster", "") == cluster) return c.value("state", "");
  }
  return "(absent)";
}

TEST(RolloutRunner, OneAtATimeInNaturalOrderEachPinnedToThePrimaryItSaw) {
  RolloutFleet fleet;
  for (const char* shard : {"10", "2", "1"}) fleet.add(std::string("sms-") + shard, {{"service", "sms"}, {"shard", shard}});
  fleet.add("mail-1", {{"service", "mail"}, {"shard", "1"}});
  auto id = fleet.runner.start({.selector = "service=sms", .order_by = "shard"}, "alice");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(fleet.job(*id).kind, JobKind::rollout);
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 1; }));
  EXPECT_EQ(fleet.started[0].expected_primary, "sms-1-db1");
  for (const char* next : {"sms-1", "sms-2"}) {
    fleet.end_child(next, JobState::succeeded);
    ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == (std::string(next) == "sms-1" ? 2u : 3u); }));
  }
  EXPECT_EQ(fleet.started_clusters(), (std::vector<std::string>{"sms-1", "sms-2", "sms-10"}));
  // Progress shows while it runs: the last child running, the first two done.
  ASSERT_TRUE(eventually([&] { return child_state(fleet.job(*id), "sms-2") == "succeeded"; }));
  EXPECT_EQ(fleet.job(*id).state, JobState::running);
  fleet.end_child("sms-10", JobState::succeeded);
  ASSERT_TRUE(eventually([&] { return fleet.ended(*id); }));
  const Job done = fleet.job(*id);
  EXPECT_EQ(done.state, JobState::succeeded);
  ASSERT_EQ(done.result["children"].size(), 3u);
  EXPECT_EQ(done.result["children"][std::size_t{0}].value("cluster", ""), "sms-1");
  EXPECT_EQ(done.result["children"][std::size_t{0}].value("job", ""), fleet.child_of("sms-1"));
  EXPECT_EQ(done.result["children"][std::size_t{2}].value("state", ""), "succeeded");
  ASSERT_FALSE(done.steps.empty());
  EXPECT_EQ(done.steps[0].name, "select");
  EXPECT_NE(done.steps[0].summary.find("sms-1, sms-2 and sms-10"), std::string::npos) << done.steps[0].summary;
}

TEST(RolloutRunner, StopOnFailureStartsNoMoreAfterAChildWasNotEligible) {
  RolloutFleet fleet;
  for (const char* name : {"a", "b", "c"}) fleet.add(name, {{"env", "stage"}});
  auto id = fleet.runner.start({.selector = "env=stage"}, "alice");
  ASSERT_TRUE(id);
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 1; }));
  fleet.end_child("a", JobState::succeeded);
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 2; }));
  fleet.end_child("b", JobState::failed, "not_eligible");
  ASSERT_TRUE(eventually([&] { return fleet.ended(*id); }));
  const Job done = fleet.job(*id);
  EXPECT_EQ(done.state, JobState::failed);
  EXPECT_EQ(done.result.value("error", ""), "not_eligible");
  EXPECT_EQ(fleet.started_clusters(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(child_state(done, "c"), "not_started");
  EXPECT_NE(done.result.value("halted", "").find("b"), std::string::npos);
}

TEST(RolloutRunner, WithoutStopOnFailureTheRestStillRun) {
  RolloutFleet fleet;
  for (const char* name : {"a", "b"}) fleet.add(name, {{"env", "stage"}});
  fleet.refuse["a"] = make_error("precondition_failed", "expected primary a-db1 but the observed primary is a-db2");
  auto id = fleet.runner.start({.selector = "env=stage", .stop_on_failure = false}, "alice");
  ASSERT_TRUE(id);
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 1; }));
  fleet.end_child("b", JobState::rolled_back, "verify_failed");
  ASSERT_TRUE(eventually([&] { return fleet.ended(*id); }));
  const Job done = fleet.job(*id);
  EXPECT_EQ(done.state, JobState::failed);
  EXPECT_EQ(done.result.value("error", ""), "child_failed");
  EXPECT_EQ(child_state(done, "a"), "refused");
  EXPECT_EQ(child_state(done, "b"), "rolled_back");
}

TEST(RolloutRunner, ConcurrencyAndGroupsOfAnExplicitOrder) {
  RolloutFleet fleet;
  fleet.add("dev-1", {{"env", "development"}});
  fleet.add("prod-1", {{"env", "production"}});
  fleet.add("prod-2", {{"env", "production"}});
  fleet.add("prod-3", {{"env", "production"}});
  auto id = fleet.runner.start(
      {.selector = "env!=stage", .order_by = "env=development,production", .concurrency = 2}, "alice");
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 1; }));
  // The development group must end before production starts, concurrency or
  // not: the result is written once the runner started what it may.
  ASSERT_TRUE(eventually([&] { return child_state(fleet.job(*id), "dev-1") != "pending"; }));
  EXPECT_EQ(fleet.started_clusters(), (std::vector<std::string>{"dev-1"}));
  fleet.end_child("dev-1", JobState::succeeded);
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 3; }));
  EXPECT_EQ(fleet.started_clusters(), (std::vector<std::string>{"dev-1", "prod-1", "prod-2"}));
  fleet.end_child("prod-2", JobState::succeeded);
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 4; }));
  fleet.end_child("prod-1", JobState::succeeded);
  fleet.end_child("prod-3", JobState::succeeded);
  ASSERT_TRUE(eventually([&] { return fleet.ended(*id); }));
  EXPECT_EQ(fleet.job(*id).state, JobState::succeeded);
}

TEST(RolloutRunner, CancelStartsNoMoreAndLetsTheRunningChildFinish) {
  RolloutFleet fleet;
  for (const char* name : {"a", "b"}) fleet.add(name, {{"env", "stage"}});
  auto id = fleet.runner.start({.selector = "env=stage"}, "alice");
  ASSERT_TRUE(id);
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 1; }));
  auto cancelled = fleet.registry.cancel(*id, "bob");
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->state, JobState::running);  // its child still runs
  fleet.end_child("a", JobState::succeeded);
  ASSERT_TRUE(eventually([&] { return fleet.ended(*id); }));
  const Job done = fleet.job(*id);
  EXPECT_EQ(done.state, JobState::cancelled);
  EXPECT_EQ(fleet.started_clusters(), (std::vector<std::string>{"a"}));
  EXPECT_EQ(child_state(done, "a"), "succeeded");
  EXPECT_EQ(child_state(done, "b"), "not_started");
  EXPECT_FALSE(fleet.registry.cancel(*id, "bob"));  // ended: 409
}

TEST(RolloutRunner, TheDryRunIsTheFleetsPivotStatusAndStartsNothing) {
  RolloutFleet fleet;
  fleet.add("a", {{"env", "stage"}});
  fleet.add("b", {{"env", "stage"}}, /*eligible=*/false);
  auto id = fleet.runner.start({.selector = "env=stage", .dry_run = true}, "alice");
  ASSERT_TRUE(id);
  ASSERT_TRUE(eventually([&] { return fleet.ended(*id); }));
  const Job done = fleet.job(*id);
  EXPECT_TRUE(done.dry_run);
  EXPECT_EQ(done.state, JobState::succeeded);
  EXPECT_TRUE(fleet.started_clusters().empty());
  ASSERT_EQ(done.result["clusters"].size(), 2u);
  const Detail& a = done.result["clusters"][std::size_t{0}];
  EXPECT_TRUE(a.value("eligible", false));
  EXPECT_EQ(a.value("primary", ""), "a-db1");
  EXPECT_TRUE(a.contains("checks"));
  EXPECT_FALSE(a["plan"].empty());
  EXPECT_FALSE(done.result["clusters"][std::size_t{1}].value("eligible", true));
  EXPECT_EQ(done.result.value("not_eligible", std::int64_t{0}), 1);
}

TEST(RolloutRunner, RefusesWhatCannotBeARollout) {
  RolloutFleet fleet;
  fleet.add("a", {{"env", "stage"}});
  for (const RolloutRequest& bad : {RolloutRequest{.selector = ""}, RolloutRequest{.selector = "env=prod"},
                                    RolloutRequest{.selector = "env=stage", .concurrency = 0},
                                    RolloutRequest{.selector = "env=stage", .order_by = "env=prod"}}) {
    auto id = fleet.runner.start(bad, "alice");
    ASSERT_FALSE(id) << "'" << bad.selector << "' was started";
    EXPECT_EQ(id.error().code, "bad_request");
  }
  EXPECT_TRUE(fleet.registry.jobs(std::nullopt, 10).empty());
}

TEST(RolloutRunner, AnIdempotencyKeyReplaysTheFirstRolloutOnly) {
  RolloutFleet fleet;
  fleet.add("a", {{"env", "stage"}});
  RolloutRequest request{.selector = "env=stage", .dry_run = true, .idempotency_key = "deploy-1"};
  auto first = fleet.runner.start(request, "alice");
  ASSERT_TRUE(first);
  auto again = fleet.runner.start(request, "alice");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first);
  request.concurrency = 2;  // another request under the same key
  auto other = fleet.runner.start(request, "alice");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, "idempotency_mismatch");
  ASSERT_TRUE(eventually([&] { return fleet.ended(*first); }));
  EXPECT_EQ(fleet.registry.jobs(std::nullopt, 10).size(), 1u);
}

TEST(RolloutRunner, AResumedRolloutWaitsForItsChildAndStartsTheRest) {
  RolloutFleet fleet;
  for (const char* name : {"a", "b"}) fleet.add(name, {{"env", "stage"}});
  auto id = fleet.runner.start({.selector = "env=stage"}, "alice");
  ASSERT_TRUE(id);
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 1; }));
  ASSERT_TRUE(eventually([&] { return child_state(fleet.job(*id), "a") == "running"; }));
  fleet.runner.stop();  // pivotd stops: the rollout stays running, as journaled
  EXPECT_EQ(fleet.job(*id).state, JobState::running);
  // The restarted pivotd does not see b eligible yet (its agents not back).
  fleet.status["b"].eligible = false;
  RolloutRunner restarted(fleet.registry, fleet.clock, fleet.ports());
  restarted.resume(fleet.job(*id));
  EXPECT_EQ(fleet.started_clusters().size(), 1u);  // a still runs
  fleet.end_child("a", JobState::succeeded);
  // The result is written once the runner decided what it may start.
  ASSERT_TRUE(eventually([&] { return child_state(fleet.job(*id), "a") == "succeeded"; }));
  EXPECT_EQ(fleet.started_clusters().size(), 1u) << "b waits to be seen eligible";
  fleet.clock.advance(RolloutRunner::kResumeGraceMs);  // ... but not forever
  ASSERT_TRUE(eventually([&] { return fleet.started_clusters().size() == 2; }));
  EXPECT_EQ(fleet.started[1].expected_primary, "b-db1");
  fleet.end_child("b", JobState::succeeded);
  ASSERT_TRUE(eventually([&] { return fleet.ended(*id); }));
  EXPECT_EQ(fleet.job(*id).state, JobState::succeeded);
  restarted.stop();
}

}  // namespace
}  // namespace pivot::controller
