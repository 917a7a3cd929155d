// PivotService: the model fed by agent messages, jobs started through it, the
// per-cluster hold (409), expected_primary (412), Idempotency-Key, and the
// listing of jobs. Agents and hooks are fakes; the executor and the rules are
// the real ones.
#include "pivot/controller/pivot_service.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <future>
#include <thread>

#include <unistd.h>

#include "fake_ports.hpp"
#include "pivot/controller/sqlite_journal.hpp"
#include "topology_builder.hpp"

namespace pivot::controller {
namespace {
using test::FakeAgents;
using test::FakeHooks;
using test::ManualClock;
using test::Topology;

// Holds every call until released, so that a pivot stays in progress.
class GateAgents : public AgentPort {
 public:
  explicit GateAgents(AgentPort& inner) : inner_(inner) {}
  Result<protocol::CommandResult> call(const std::string& cluster, const std::string& node,
                                       const protocol::Command& command) override {
    std::unique_lock lock(mu_);
    // The check step's pings change nothing: a closed gate holds the job at
    // its first change, the fence.
    opened_.wait(lock, [&] { return open_ || command.action == "ping"; });
    lock.unlock();
    return inner_.call(cluster, node, command);
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    opened_.notify_all();
  }
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }

 private:
  AgentPort& inner_;
  std::mutex mu_;
  std::condition_variable opened_;
  bool open_ = true;
};

// Holds every hook until released: a pivot waits in its pre_pivot step.
class GateHooks : public HookRunner {
 public:
  explicit GateHooks(HookRunner& inner) : inner_(inner) {}
  HookOutcome run(const std::string& path, const std::map<std::string, std::string>& env,
                  std::uint64_t timeout_ms) override {
    std::unique_lock lock(mu_);
    opened_.wait(lock, [&] { return open_; });
    lock.unlock();
    return inner_.run(path, env, timeout_ms);
  }
  void set_open(bool open) {
    std::lock_guard lock(mu_);
    open_ = open;
    opened_.notify_all();
  }

 private:
  HookRunner& inner_;
  std::mutex mu_;
  std::condition_variable opened_;
  bool open_ = true;
};

class PivotServiceTest : public ::testing::Test {
 protected:
  PivotServiceTest()
      : agents_(clock_), hooks_(clock_), gate_(agents_), hook_gate_(hooks_), service_(gate_, hook_gate_, clock_, 7) {
    Topology t = Topology::healthy();
    service_.set_specs({{t.spec.name, t.spec}});
    feed(t);
  }
  ~PivotServiceTest() override {
    gate_.open();
    hook_gate_.set_open(true);
    service_.wait_idle();
  }

  // Every node's state, as if its agent had just reported it.
  void feed(const Topology& t) {
    for (const auto& m : test::state_messages(t)) service_.on_message(m, clock_.steady_ms());
  }

  // A journal file in a directory of its own, for the "pivotd restarted" tests.
  static std::string sqlite_journal_path() {
    std::string dir = (std::filesystem::temp_directory_path() / "pivot-service-XXXXXX").string();
    EXPECT_NE(::mkdtemp(dir.data()), nullptr);
    return dir + "/journal.sqlite";
  }

  Job finished(const Result<std::string>& id) {
    EXPECT_TRUE(id.ok()) << id.error().message;
    service_.wait_idle();
    auto job = service_.job(*id);
    EXPECT_TRUE(job.ok());
    return *job;
  }

  ManualClock clock_;
  FakeAgents agents_;
  FakeHooks hooks_;
  GateAgents gate_;
  GateHooks hook_gate_;
  PivotService service_;
};

TEST_F(PivotServiceTest, ShowsTheObservedCluster) {
  auto detail = service_.cluster("sms-1");
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->primary, "db1");
  ASSERT_EQ(detail->nodes.size(), 5u);
  EXPECT_EQ(detail->nodes[0].current, Current::primary);
  EXPECT_EQ(detail->nodes[1].current, Current::replica);
  EXPECT_EQ(detail->nodes[1].age_ms, 0u);
  clock_.advance(250);
  EXPECT_EQ(service_.cluster("sms-1")->nodes[1].age_ms, 250u);
  EXPECT_EQ(service_.cluster("nope").error().code, "not_found");

  auto summaries = service_.clusters();
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_TRUE(summaries[0].healthy);
  EXPECT_EQ(summaries[0].max_lag_s, 0.0);
  // The agents' counters are the bus's, kept once (bus_test counts them).
  EXPECT_TRUE(service_.agents().agents.empty()) << "no bus, no agents listed";
  service_.set_agents_source([] {
    AgentsView view;
    view.agents.push_back({"sms-1", "db1", "boot-db1", 0, 7, 1});
    return view;
  });
  ASSERT_EQ(service_.agents().agents.size(), 1u);
  EXPECT_EQ(service_.agents().agents[0].messages, 7u);
}

TEST_F(PivotServiceTest, AStaleAgentMakesTheClusterUnhealthy) {
  clock_.advance(10'000);  // past agent_fresh_ms
  auto summaries = service_.clusters();
  EXPECT_FALSE(summaries[0].healthy);
  EXPECT_EQ(service_.cluster("sms-1")->nodes[2].current, Current::unknown);
}

TEST_F(PivotServiceTest, PivotStatusJobChoosesACandidate) {
  auto job = finished(service_.start_pivot_status("sms-1", std::nullopt, "ops", std::nullopt));
  EXPECT_EQ(job.kind, JobKind::pivot_status);
  EXPECT_EQ(job.state, JobState::succeeded);
  EXPECT_EQ(job.requested_by, "ops");
  EXPECT_EQ(job.result["eligible"], true) << to_json(job.result).dump(2);
  EXPECT_EQ(job.result["candidate"], "db2");
  EXPECT_EQ(job.id.rfind("ps-7-", 0), 0u) << job.id;
}

TEST_F(PivotServiceTest, RefusesUnknownClustersAndCandidates) {
  EXPECT_EQ(service_.start_pivot_status("nope", std::nullopt, "ops", std::nullopt).error().code, "not_found");
  EXPECT_EQ(service_.start_pivot("sms-1", {.candidate = "db9"}, "ops").error().code, "bad_request");
  EXPECT_EQ(service_.start_pivot("sms-1", {.expected_primary = "db2"}, "ops").error().code, "precondition_failed");
  EXPECT_TRUE(agents_.calls().empty());
}

TEST_F(PivotServiceTest, APivotRunsThroughTheAgentsAndHoldsTheCluster) {
  gate_.close();
  auto first = service_.start_pivot("sms-1", {.candidate = "db2", .expected_primary = "db1"}, "ops");
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = service_.start_pivot("sms-1", {.candidate = "db3"}, "ops");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "conflict");
  EXPECT_NE(second.error().message.find(*first), std::string::npos);
  // Reading jobs take no lock; pivot-status says a job is in progress.
  auto dry = service_.start_pivot("sms-1", {.candidate = "db3", .dry_run = true}, "ops");
  ASSERT_TRUE(dry.ok());
  EXPECT_TRUE(service_.job(*dry)->dry_run);
  EXPECT_FALSE(service_.job(*first)->dry_run);
  gate_.open();
  auto job = finished(first);
  EXPECT_EQ(job.state, JobState::succeeded) << to_json(job.result).dump(2);
  EXPECT_EQ(job.result["new_primary"], "db2");
  EXPECT_FALSE(job.steps.empty());
  const auto sent = agents_.sequence();
  ASSERT_GE(sent.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(sent.begin(), sent.begin() + 3),
            (std::vector<std::string>{"db1 ping", "db2 ping", "db1 fence_writes"}));  // the fence: one command
  // The hold is gone: a new pivot is accepted.
  EXPECT_TRUE(service_.start_pivot("sms-1", {.candidate = "db3", .dry_run = true}, "ops").ok());
}

TEST_F(PivotServiceTest, ARunningPivotHoldsItsClusterUntilItEndsAndIsJournaled) {
  gate_.close();
  auto id = service_.start_pivot("sms-1", {.candidate = "db2"}, "ops");
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_TRUE(service_.job_holds("sms-1", *id));
  EXPECT_FALSE(service_.job_holds("sms-1", "someone-else"));
  auto dry = service_.start_pivot("sms-1", {.candidate = "db3", .dry_run = true}, "ops");
  ASSERT_TRUE(dry.ok());
  EXPECT_TRUE(service_.job_holds("sms-1", *dry)) << "a dry run changes nothing and holds nothing";
  gate_.open();
  EXPECT_EQ(finished(id).state, JobState::succeeded);
  EXPECT_FALSE(service_.job_holds("sms-1", *id)) << "the hold ends with the job";
  const auto entries = service_.journal().entries(*id);
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.front().kind, JournalEntry::Kind::job_created);
  EXPECT_EQ(entries.back().kind, JournalEntry::Kind::job_finished);
  EXPECT_EQ(entries.back().state, "succeeded");
}

// Until `step` of the job is running (each step is recorded as it starts).
bool reaches(PivotService& service, const std::string& id, const std::string& step) {
  for (int i = 0; i < 500; ++i) {  // 5 s at most
    auto job = service.job(id);
    for (const auto& s : job->steps) {
      if (s.name == step && s.state == StepState::running) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(PivotServiceTest, ACancelBeforeTheFenceEndsThePivotCancelledWithNothingSent) {
  Topology t = Topology::healthy();
  t.spec.hooks.pre_pivot = "/hooks/pre";
  service_.set_specs({{t.spec.name, t.spec}});
  hook_gate_.set_open(false);
  auto id = service_.start_pivot("sms-1", {.candidate = "db2"}, "ops");
  ASSERT_TRUE(id.ok()) << id.error().message;
  ASSERT_TRUE(reaches(service_, *id, "pre_pivot"));
  auto cancelled = std::async(std::launch::async, [&] { return service_.cancel_job(*id, "oncall"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  hook_gate_.set_open(true);  // the hook ends; the job stops before the fence
  auto job = cancelled.get();
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(job->state, JobState::cancelled);
  EXPECT_EQ(job->result["error"], "cancelled");
  EXPECT_EQ(job->result["message"], "cancelled by oncall before the fence: nothing was changed");
  EXPECT_EQ(agents_.sequence(), (std::vector<std::string>{"db1 ping", "db2 ping"}))
      << "a command beyond the check's pings went to an agent";
  EXPECT_FALSE(service_.job_holds("sms-1", *id)) << "the hold ends with the job";
  EXPECT_TRUE(service_.start_pivot("sms-1", {.candidate = "db2", .dry_run = true}, "ops").ok());
}

TEST_F(PivotServiceTest, APivotPastTheFenceOrEndedCannotBeCancelled) {
  gate_.close();
  auto id = service_.start_pivot("sms-1", {.candidate = "db2"}, "ops");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(reaches(service_, *id, "fence_read_only"));
  auto late = service_.cancel_job(*id, "oncall");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "conflict");
  EXPECT_NE(late.error().message.find("begun to fence"), std::string::npos) << late.error().message;
  gate_.open();
  EXPECT_EQ(finished(id).state, JobState::succeeded) << "the refused cancel changed nothing";
  auto ended = service_.cancel_job(*id, "oncall");
  ASSERT_FALSE(ended.ok());
  EXPECT_EQ(ended.error().code, "conflict");
  EXPECT_EQ(service_.cancel_job("pv-7-999", "oncall").error().code, "not_found");
  auto status = finished(service_.start_pivot_status("sms-1", std::nullopt, "ops", std::nullopt));
  EXPECT_EQ(service_.cancel_job(status.id, "oncall").error().code, "conflict");
}

// pivotd restarted: a second service on the same SQLite file lists the first's
// jobs as they ended, steps and result included, and keeps adding to it.
TEST_F(PivotServiceTest, JobsOnTheSqliteJournalSurviveARestart) {
  const std::string path = sqlite_journal_path();
  auto journal = SqliteJournal::open(path);
  ASSERT_TRUE(journal.ok()) << journal.error().message;
  service_.use_journal(**journal, {});
  feed(Topology::healthy());  // the primary is journaled as seen
  EXPECT_EQ((*journal)->primaries()->at("sms-1"), "db1");
  const Job pivot =
      finished(service_.start_pivot("sms-1", {.candidate = "db2", .idempotency_key = "key-1"}, "ops"));
  const Job status = finished(service_.start_pivot_status("sms-1", std::nullopt, "ci", std::nullopt));
  ASSERT_EQ(pivot.state, JobState::succeeded) << to_json(pivot.result).dump(2);
  ASSERT_TRUE((*journal)->entries(pivot.id)->size() >= 4u) << "the runner's events reach the file";
  journal.value().reset();  // pivotd stops: the file is closed

  auto reopened = SqliteJournal::open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  auto kept = (*reopened)->recent_jobs(PivotService::kJobsKept);
  auto keys = (*reopened)->keys();
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(keys.ok());
  PivotService restarted(gate_, hooks_, clock_, 8);
  restarted.use_journal(**reopened, std::move(kept).value(), std::move(keys).value());
  const auto listed = restarted.jobs(std::nullopt, 10);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, status.id) << "newest first, as before the restart";
  EXPECT_EQ(listed[1].id, pivot.id);
  auto again = restarted.job(pivot.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, JobState::succeeded);
  EXPECT_EQ(again->requested_by, "ops");
  EXPECT_EQ(again->result, pivot.result);
  ASSERT_EQ(again->steps.size(), pivot.steps.size());
  for (std::size_t i = 0; i < pivot.steps.size(); ++i) {
    EXPECT_EQ(again->steps[i].name, pivot.steps[i].name);
    EXPECT_EQ(again->steps[i].state, pivot.steps[i].state);
    EXPECT_EQ(again->steps[i].summary, pivot.steps[i].summary);
    EXPECT_EQ(again->steps[i].detail, pivot.steps[i].detail);
    EXPECT_EQ(again->steps[i].finished_at_ms, pivot.steps[i].finished_at_ms);
  }
  // The key still replays the first job, and still refuses another request.
  auto replayed = restarted.start_pivot("sms-1", {.candidate = "db2", .idempotency_key = "key-1"}, "ops");
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(*replayed, pivot.id);
  auto other = restarted.start_pivot("sms-1", {.candidate = "db3", .idempotency_key = "key-1"}, "ops");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, "idempotency_mismatch");

  // A job older than the registry keeps is still found by id, in the file.
  PivotService small(gate_, hooks_, clock_, 9);
  small.use_journal(**reopened, std::move((*reopened)->recent_jobs(1)).value());
  small.set_job_archive([&](const std::string& id) { return *(*reopened)->job(id); });
  ASSERT_EQ(small.jobs(std::nullopt, 10).size(), 1u);
  auto archived = small.job(pivot.id);
  ASSERT_TRUE(archived.ok()) << archived.error().message;
  EXPECT_EQ(archived->state, JobState::succeeded);
  EXPECT_EQ(archived->steps.size(), pivot.steps.size());
  EXPECT_EQ(small.job("pv-9-404").error().code, "not_found");
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_F(PivotServiceTest, AStateSinkIsToldEachJobQueuedRunningEachStepThenHowItEnded) {
  struct Recording : JobStateSink {
    void job_state(const Job& job) override {
      std::string last_step = job.steps.empty() ? "" : " " + job.steps.back().name + ":" +
                                                           std::string(protocol::to_string(job.steps.back().state));
      seen.push_back(std::string(protocol::to_string(job.state)) + last_step + (job.result.is_null() ? "" : " +result"));
    }
    std::vector<std::string> seen;
  } sink;
  service_.add_state_sink(sink);
  auto id = service_.start_pivot("sms-1", {.candidate = "db2"}, "ops");
  ASSERT_TRUE(id.ok());
  const Job job = finished(id);
  EXPECT_EQ(job.state, JobState::succeeded);
  // queued (until a worker takes it), running; each step running then its
  // end, in the plan's order; succeeded.
  std::vector<std::string> expected{"queued", "running"};
  for (const auto& step : job.steps) {
    expected.push_back("running " + step.name + ":running");
    expected.push_back("running " + step.name + ":" + std::string(protocol::to_string(step.state)));
  }
  expected.push_back("succeeded " + job.steps.back().name + ":" +
                     std::string(protocol::to_string(job.steps.back().state)) + " +result");
  ASSERT_FALSE(job.steps.empty());
  EXPECT_EQ(sink.seen, expected);
}

TEST_F(PivotServiceTest, TheStatusOfAHeldClusterSaysSo) {
  gate_.close();
  ASSERT_TRUE(service_.start_pivot("sms-1", {.candidate = "db2"}, "ops").ok());
  auto status = service_.pivot_status_for("sms-1", std::nullopt, "");
  ASSERT_NE(status.find("no_job_in_progress"), nullptr);
  EXPECT_FALSE(status.find("no_job_in_progress")->ok);
  gate_.open();
}

TEST_F(PivotServiceTest, AnIdempotencyKeyReturnsTheFirstJob) {
  PivotOptions dry{.candidate = "db2", .dry_run = true, .idempotency_key = "deploy-42"};
  auto first = service_.start_pivot("sms-1", dry, "ops");
  auto again = service_.start_pivot("sms-1", dry, "ops");
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(*first, *again);
  EXPECT_EQ(service_.jobs(std::nullopt, 10).size(), 1u);
}

TEST_F(PivotServiceTest, AnIdempotencyKeyBelongsToItsRequestAndToken) {
  Topology other = Topology::healthy();
  other.spec.name = "sms-2";
  service_.set_specs({{"sms-1", Topology::healthy().spec}, {"sms-2", other.spec}});
  const std::optional<std::string> key = "deploy-7";
  auto status = service_.start_pivot_status("sms-1", std::nullopt, "ops", key);
  ASSERT_TRUE(status.ok());
  auto mismatch = [](const Result<std::string>& r) {
    return !r.ok() && r.error().code == "idempotency_mismatch" ? r.error().message : "(not a mismatch)";
  };

  // The same key for a pivot: never the pivot-status job (issue 12).
  auto pivot = service_.start_pivot("sms-1", {.dry_run = true, .idempotency_key = key}, "ops");
  EXPECT_THAT(mismatch(pivot), ::testing::HasSubstr("POST /v1/clusters/sms-1/pivot-status"));
  EXPECT_THAT(mismatch(pivot), ::testing::HasSubstr(*status));
  // Another cluster, another body, another token.
  EXPECT_THAT(mismatch(service_.start_pivot_status("sms-2", std::nullopt, "ops", key)), ::testing::HasSubstr("sms-2"));
  EXPECT_THAT(mismatch(service_.start_pivot_status("sms-1", "db3", "ops", key)), ::testing::HasSubstr("db3"));
  const auto stranger = mismatch(service_.start_pivot_status("sms-1", std::nullopt, "mallory", key));
  EXPECT_THAT(stranger, ::testing::HasSubstr("another token"));
  EXPECT_EQ(stranger.find(*status), std::string::npos) << "another token's job is not named";

  // The same request, same token: the first job, nothing new started.
  auto again = service_.start_pivot_status("sms-1", std::nullopt, "ops", key);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *status);
  service_.wait_idle();
  EXPECT_EQ(service_.jobs(std::nullopt, 10).size(), 1u);

  // A pivot's body as read: {} and an explicit default are one request.
  auto dry = service_.start_pivot("sms-1", {.dry_run = true, .idempotency_key = "dry-1"}, "ops");
  auto same = service_.start_pivot("sms-1", {.dry_run = true, .idempotency_key = "dry-1"}, "ops");
  ASSERT_TRUE(dry.ok() && same.ok());
  EXPECT_EQ(*dry, *same);
  EXPECT_THAT(mismatch(service_.start_pivot("sms-1", {.dry_run = true, .expected_primary = "db1", .idempotency_key = "dry-1"},
                                            "ops")),
              ::testing::HasSubstr("expected_primary"));
  EXPECT_THAT(mismatch(service_.start_pivot("sms-1", {.idempotency_key = "dry-1"}, "ops")),
              ::testing::HasSubstr("\"dry_run\":false"));
}

TEST_F(PivotServiceTest, JobsAreListedNewestFirst) {
  finished(service_.start_pivot_status("sms-1", std::nullopt, "a", std::nullopt));
  auto second = finished(service_.start_pivot_status("sms-1", std::nullopt, "b", std::nullopt));
  auto jobs = service_.jobs(std::nullopt, 10);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, second.id);
  EXPECT_EQ(service_.jobs(std::string("other"), 10).size(), 0u);
  EXPECT_EQ(service_.jobs(std::nullopt, 1).size(), 1u);
  EXPECT_EQ(service_.clusters()[0].last_job, second.id);
}

TEST_F(PivotServiceTest, AReloadReplacesTheSpecs) {
  service_.set_specs({});
  EXPECT_EQ(service_.cluster("sms-1").error().code, "not_found");
  EXPECT_TRUE(service_.clusters().empty());
}

// A manual failover is refused at once while the primary lives ("use pivot"),
// and admitted once its mysqld is gone and the replicas lost it: the job
// then runs the failover plan through the agents.
TEST_F(PivotServiceTest, AManualFailoverNeedsTheModelToFindThePrimaryGone) {
  auto alive = service_.start_failover("sms-1", std::nullopt, "ops", std::nullopt);
  ASSERT_FALSE(alive.ok());
  EXPECT_EQ(alive.error().code, "conflict");
  EXPECT_NE(alive.error().message.find("use pivot"), std::string::npos) << alive.error().message;
  EXPECT_TRUE(service_.jobs(std::nullopt, 10).empty()) << "no job for a refused request";

  Topology t = Topology::healthy();
  t.primary_lost("db1");
  // The choice waits up to 2 x agent_fresh_ms for states reported after the
  // relay logs were applied; none come here: keep that wait short.
  t.spec.policy.agent_fresh_ms = 100;
  service_.set_specs({{t.spec.name, t.spec}});
  feed(t);
  gate_.open();
  const Job job = finished(service_.start_failover("sms-1", std::nullopt, "ops", std::nullopt));
  EXPECT_EQ(job.kind, JobKind::failover);
  EXPECT_EQ(job.id.rfind("fo-7-", 0), 0u) << job.id;
  ASSERT_FALSE(job.steps.empty());
  EXPECT_EQ(job.steps.front().name, "check");
  EXPECT_EQ(job.steps.front().detail["verdict"], "dead") << to_json(job.result).dump(2);
  const auto sent = agents_.sequence();
  EXPECT_NE(std::find(sent.begin(), sent.end(), "db2 stop_io_thread"), sent.end()) << "the plan ran through the agents";
}

// db1's mysqld gone: its agent says so and every replica's IO thread lost it.
Topology primary_dead() {
  Topology t = Topology::healthy();
  t.primary_lost("db1");
  t.spec.policy.agent_fresh_ms = 100;  // the choice's wait for fresh states, kept short
  return t;
}

TEST_F(PivotServiceTest, MaintenanceRefusesAPivotButNotItsDryRunAndEndsOnRequest) {
  const auto until = clock_.wall_ms() + 3'600'000;
  auto refused = service_.set_maintenance("sms-1", {.until_ms = clock_.wall_ms(), .reason = "late"}, "ops");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "bad_request");
  EXPECT_FALSE(service_.set_maintenance("sms-1", {.until_ms = until, .reason = ""}, "ops").ok());
  EXPECT_EQ(service_.set_maintenance("nope", {.until_ms = until, .reason = "x"}, "ops").error().code, "not_found");

  auto view = service_.set_maintenance("sms-1", {.until_ms = until, .reason = "kernel upgrade"}, "ops");
  ASSERT_TRUE(view.ok()) << view.error().message;
  ASSERT_TRUE(view->maintenance);
  EXPECT_EQ(view->maintenance->reason, "kernel upgrade");
  EXPECT_EQ(view->maintenance->set_by, "ops");
  auto pivot = service_.start_pivot("sms-1", {.candidate = "db2"}, "ops");
  ASSERT_FALSE(pivot.ok());
  EXPECT_EQ(pivot.error().code, "conflict");
  EXPECT_NE(pivot.error().message.find("kernel upgrade"), std::string::npos) << pivot.error().message;
  EXPECT_TRUE(service_.start_pivot("sms-1", {.candidate = "db2", .dry_run = true}, "ops").ok());
  EXPECT_TRUE(service_.cluster("sms-1")->failover.maintenance) << "GET /v1/clusters/{name} shows it";

  view = service_.end_maintenance("sms-1", "ops");
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE(view->maintenance);
  service_.wait_idle();
  gate_.open();
  EXPECT_TRUE(service_.start_pivot("sms-1", {.candidate = "db2"}, "ops").ok());
}

TEST_F(PivotServiceTest, AnAcknowledgeNeedsACommentAndClearsOnlyMarkedNodes) {
  EXPECT_EQ(service_.acknowledge("sms-1", {.comment = ""}, "ops").error().code, "bad_request");
  auto unmarked = service_.acknowledge("sms-1", {.comment = "rebuilt", .rebuilt = {"db1"}}, "ops");
  ASSERT_FALSE(unmarked.ok());
  EXPECT_NE(unmarked.error().message.find("not marked needs_rebuild"), std::string::npos);
  EXPECT_TRUE(service_.acknowledge("sms-1", {.comment = "nothing to do"}, "ops").ok());
}

// The guard's own failover: started by pivotd when the primary is dead and
// auto_failover is on; the cooldown then holds back a second one until an
// operator acknowledges the first.
TEST_F(PivotServiceTest, TheGuardFailsOverADeadPrimaryOnceThenHoldsTheCooldownUntilAcknowledged) {
  Topology t = primary_dead();
  t.spec.policy.auto_failover = false;
  service_.set_specs({{t.spec.name, t.spec}});
  feed(t);
  gate_.open();
  service_.guard_tick();
  service_.wait_idle();
  EXPECT_TRUE(service_.jobs(std::nullopt, 10).empty()) << "auto_failover is off";
  auto view = service_.cluster("sms-1")->failover;
  EXPECT_EQ(view.detection, "dead");
  ASSERT_FALSE(view.reasons.empty());

  t.spec.policy.auto_failover = true;
  service_.set_specs({{t.spec.name, t.spec}});
  feed(t);
  service_.guard_tick();
  service_.wait_idle();
  auto jobs = service_.jobs(std::nullopt, 10);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].kind, JobKind::failover);
  EXPECT_EQ(jobs[0].requested_by, "pivotd");
  view = service_.cluster("sms-1")->failover;
  ASSERT_TRUE(view.last_failover) << to_json(jobs[0].result).dump(2);
  EXPECT_TRUE(view.last_failover->automatic);
  EXPECT_EQ(view.last_failover->old_primary, "db1");
  EXPECT_TRUE(view.cooldown_until_ms);

  // The promoted node dies in turn a second later: the cooldown holds it back.
  const std::string winner = view.last_failover->new_primary;
  ASSERT_FALSE(winner.empty());
  Topology second = Topology::healthy();
  second.spec = t.spec;
  second.primary(winner, "0-1-100");
  for (const char* n : {"db2", "db3", "db4", "db5"}) {
    if (n != winner) second.replica(n, winner, "0-1-100", 0);
  }
  second.down("db1");
  second.primary_lost(winner);
  t = second;
  clock_.advance(1000);  // the guard judges an unchanged cluster again every second
  feed(t);
  service_.guard_tick();
  service_.wait_idle();
  EXPECT_EQ(service_.jobs(std::nullopt, 10).size(), 1u);
  view = service_.cluster("sms-1")->failover;
  std::string reasons;
  for (const auto& r : view.reasons) reasons += r + "\n";
  EXPECT_NE(reasons.find("cooldown"), std::string::npos) << reasons;

  ASSERT_TRUE(service_.acknowledge("sms-1", {.comment = "db1 looked at"}, "ops").ok());
  view = service_.cluster("sms-1")->failover;
  EXPECT_FALSE(view.cooldown_until_ms);
  EXPECT_EQ(view.last_failover->acknowledged_by, "ops");
  clock_.advance(1000);
  feed(t);
  service_.guard_tick();
  service_.wait_idle();
  EXPECT_EQ(service_.jobs(std::nullopt, 10).size(), 2u) << "acknowledged: the guard may act again";
}

// The guard reads every cluster's stamps in batches of the model's lock: the
// clusters of every batch are judged, and a primary whose agent fell silent
// (no message at all) is judged at the first tick past agent_fresh_ms, not
// only at the once-a-second look at unchanged clusters.
TEST_F(PivotServiceTest, TheGuardJudgesEveryBatchOfClustersAndASilentPrimaryAtTheNextTick) {
  constexpr int kClusters = 300;  // more than two of the guard's batches
  std::map<std::string, ClusterSpec> specs;
  std::vector<Topology> fleet;
  for (int i = 0; i < kClusters; ++i) {
    Topology t = Topology::healthy();
    t.spec.name = "c-" + std::to_string(1000 + i);
    for (auto& [name, node] : t.observed.nodes) node.state->cluster = t.spec.name;
    specs[t.spec.name] = t.spec;
    fleet.push_back(std::move(t));
  }
  service_.set_specs(specs);
  const std::string silent = "c-1200";  // in the guard's second batch
  // Every node reports, but the silent cluster's primary once `quiet` is set.
  const auto tick = [&](bool quiet) {
    for (const auto& t : fleet) {
      for (const auto& m : test::state_messages(t)) {
        if (quiet && t.spec.name == silent && m.envelope.node == "db1") continue;
        service_.on_message(m, clock_.steady_ms());
      }
    }
    service_.guard_tick();
  };
  const auto detection = [&](const std::string& cluster) { return service_.cluster(cluster)->failover.detection; };

  tick(false);  // db1 of the silent cluster heard for the last time
  for (const char* c : {"c-1000", "c-1127", "c-1128", "c-1200", "c-1299"}) EXPECT_EQ(detection(c), "healthy") << c;
  clock_.advance(1000);
  tick(true);
  clock_.advance(1100);  // every cluster judged again here (a second since the last look)
  tick(true);
  EXPECT_EQ(detection(silent), "healthy") << "db1 heard 2100 ms ago";
  // db1 silent for 3050 ms, past agent_fresh_ms (3000); the last look at the
  // cluster was 950 ms ago, so only the stamps' age-based role calls for this one.
  clock_.advance(950);
  tick(true);
  EXPECT_NE(detection(silent), "healthy");
  EXPECT_EQ(detection("c-1199"), "healthy");
  EXPECT_EQ(detection("c-1201"), "healthy");
  service_.wait_idle();
  EXPECT_TRUE(service_.jobs(std::nullopt, 10).empty()) << "auto_failover is off";
}

// wait_s: the job waits, outside the worker pool and holding nothing, until
// the cluster is eligible (then a pivot goes on), the deadline, or a cancel.
class WaitForEligibility : public PivotServiceTest {
 protected:
  // db2 far behind: not eligible as the candidate.
  void lagging(std::uint64_t lag_s) {
    Topology t = Topology::healthy();
    t.replica("db2", "db1", "0-1-100", lag_s);
    feed(t);
  }
  Job now(const std::string& id) { return *service_.job(id); }
};

TEST_F(WaitForEligibility, APivotStatusWaitsWithItsProgressThenAnswersOnceEligible) {
  lagging(120);
  auto id = service_.start_pivot_status("sms-1", "db2", "ops", std::nullopt, 60);
  ASSERT_TRUE(id.ok()) << id.error().message;
  service_.waiters_tick();
  auto job = now(*id);
  EXPECT_EQ(job.state, JobState::running);
  ASSERT_FALSE(job.progress.is_null());
  EXPECT_EQ(job.progress["candidate"], "db2");
  EXPECT_EQ(job.progress["lag_s"].as_double(), 120.0);
  EXPECT_NE(job.progress["summary"].as_string().find("db2 is 120 s behind"), std::string::npos)
      << job.progress["summary"].as_string();

  clock_.advance(1000);
  lagging(0);
  service_.waiters_tick();
  job = now(*id);
  EXPECT_EQ(job.state, JobState::succeeded);
  EXPECT_EQ(job.result["eligible"], true);
  EXPECT_TRUE(job.progress.is_null());
}

TEST_F(WaitForEligibility, APivotHoldsNothingWhileItWaitsAndEndsNotEligibleAtTheDeadline) {
  lagging(120);
  auto id = service_.start_pivot("sms-1", {.candidate = "db2", .wait_s = 2}, "ops");
  ASSERT_TRUE(id.ok()) << id.error().message;
  service_.waiters_tick();
  EXPECT_FALSE(service_.cluster("sms-1").ok() && false);
  auto other = service_.start_pivot_status("sms-1", "db3", "ops", std::nullopt);
  EXPECT_TRUE(other.ok()) << "a waiting pivot holds no lock";
  clock_.advance(2500);
  service_.waiters_tick();
  auto job = now(*id);
  EXPECT_EQ(job.state, JobState::failed);
  EXPECT_EQ(job.result["error"], "not_eligible");
  EXPECT_EQ(job.result["eligible"], false);
  EXPECT_TRUE(agents_.calls().empty()) << "nothing was sent";
}

TEST_F(WaitForEligibility, AWaitingPivotGoesOnOnceEligibleAndACancelEndsAWait) {
  lagging(120);
  gate_.open();
  auto id = service_.start_pivot("sms-1", {.candidate = "db2", .wait_s = 60}, "ops");
  ASSERT_TRUE(id.ok());
  service_.waiters_tick();
  clock_.advance(1000);
  lagging(0);
  service_.waiters_tick();
  const Job pivot = finished(id);
  EXPECT_EQ(pivot.state, JobState::succeeded) << to_json(pivot.result).dump(2);

  Topology t = Topology::healthy();
  t.primary("db2", "0-1-100");
  t.replica("db1", "db2", "0-1-100", 0);
  t.replica("db3", "db2", "0-1-100", 200);
  for (const char* n : {"db4", "db5"}) t.replica(n, "db2", "0-1-100", 0);
  feed(t);
  auto waiting = service_.start_pivot_status("sms-1", "db3", "ops", std::nullopt, 60);
  ASSERT_TRUE(waiting.ok());
  service_.waiters_tick();
  auto cancelled = service_.cancel_job(*waiting, "oncall");
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  clock_.advance(1000);
  service_.waiters_tick();
  EXPECT_EQ(now(*waiting).state, JobState::cancelled);
}

// A wait survives a pivotd restart: stopped (leave_waits) it stays running in
// the journal with its SavedWait; the next start resumes it with what is left
// of wait_s, holding nothing, and it pivots once eligible. A pivot whose
// wait_s ran out while pivotd was stopped does not pivot late.
TEST_F(WaitForEligibility, AWaitingPivotIsResumedByTheNextStartAndPivotsOnceEligible) {
  const std::string path = sqlite_journal_path();
  auto journal = SqliteJournal::open(path);
  ASSERT_TRUE(journal.ok()) << journal.error().message;
  service_.use_journal(**journal, {});
  lagging(120);
  auto id = service_.start_pivot("sms-1", {.candidate = "db2", .wait_s = 60}, "ops");
  auto late = service_.start_pivot("sms-1", {.candidate = "db2", .wait_s = 2}, "ops");
  ASSERT_TRUE(id.ok() && late.ok());
  service_.waiters_tick();
  service_.leave_waits();
  service_.wait_idle();  // returns: the waits no longer count as running
  EXPECT_EQ(now(*id).state, JobState::running) << "left running, in the journal";
  journal.value().reset();  // pivotd stops

  clock_.advance(10000);  // down for 10 s: 50 s of the first wait left, none of the second
  auto reopened = SqliteJournal::open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  PivotService restarted(gate_, hook_gate_, clock_, 8);
  restarted.use_journal(**reopened, std::move((*reopened)->recent_jobs(PivotService::kJobsKept)).value());
  Topology t = Topology::healthy();
  t.replica("db2", "db1", "0-1-100", 120);
  restarted.set_specs({{t.spec.name, t.spec}});
  for (const auto& m : test::state_messages(t)) restarted.on_message(m, clock_.steady_ms());
  restarted.recover_jobs([&](const std::string& job) { return (*reopened)->entries(job); });
  restarted.waiters_tick();
  auto resumed = *restarted.job(*id);
  EXPECT_EQ(resumed.state, JobState::running);
  ASSERT_FALSE(resumed.progress.is_null()) << "waiting again, with its progress";
  EXPECT_EQ(resumed.progress["remaining_ms"].as_uint(), 50000u) << to_json(resumed.progress).dump(2);
  EXPECT_FALSE(restarted.job_holds("sms-1", *id)) << "a resumed wait holds nothing";
  // Ended on a worker (wait_idle would wait for the resumed wait too).
  for (int i = 0; i < 500 && !restarted.job(*late)->finished(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto expired = *restarted.job(*late);
  EXPECT_EQ(expired.state, JobState::failed);
  EXPECT_EQ(expired.result["error"], "not_eligible") << to_json(expired.result).dump(2);
  EXPECT_TRUE(agents_.calls().empty()) << "nothing sent yet";

  gate_.open();
  clock_.advance(1000);
  t = Topology::healthy();
  for (const auto& m : test::state_messages(t)) restarted.on_message(m, clock_.steady_ms());
  restarted.waiters_tick();
  restarted.wait_idle();
  const auto pivot = *restarted.job(*id);
  EXPECT_EQ(pivot.state, JobState::succeeded) << to_json(pivot.result).dump(2);
  EXPECT_EQ(pivot.result["new_primary"], "db2");
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

// A node joins, a node leaves (issue 23): a reload that adds db6 makes it a
// node pivot status names until its agent reports, then a candidate; one that
// removes db5 leaves its agent's messages ignored.
TEST_F(PivotServiceTest, ANodeAddedByAReloadIsNamedUntilItReportsAndARemovedOneIsIgnored) {
  Topology t = Topology::healthy();
  t.spec.nodes.push_back({"db6", "10.0.1.12", 3306, "a", Role::replica, 0});
  service_.set_specs({{t.spec.name, t.spec}});
  auto status = service_.pivot_status_for("sms-1", std::string("db6"), "");
  EXPECT_FALSE(status.eligible);
  std::string details;
  for (const auto& c : status.checks) details += c.id + ": " + c.detail + "\n";
  EXPECT_NE(details.find("db6's agent has never reported"), std::string::npos) << details;

  t.replica("db6", "db1", "0-1-100", 0);
  feed(t);
  status = service_.pivot_status_for("sms-1", std::string("db6"), "");
  EXPECT_TRUE(status.eligible) << "caught up and reporting: a candidate";

  // db5 leaves the spec; its agent still sends a broken state.
  t.spec.nodes.erase(std::find_if(t.spec.nodes.begin(), t.spec.nodes.end(), [](const NodeSpec& n) { return n.name == "db5"; }));
  service_.set_specs({{t.spec.name, t.spec}});
  t.down("db5");
  feed(t);
  const auto detail = service_.cluster("sms-1");
  ASSERT_TRUE(detail.ok());
  for (const auto& n : detail->nodes) EXPECT_NE(n.spec.name, "db5");
  EXPECT_TRUE(service_.pivot_status_for("sms-1", std::nullopt, "").eligible) << "db5's state counts for nothing";
}

}  // namespace
}  // namespace pivot::controller
