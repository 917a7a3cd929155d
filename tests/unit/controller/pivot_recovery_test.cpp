// A pivot that pivotd stopped in (crash, SIGKILL, OOM), recovered by the next
// pivotd: for every step of the plan, the job is stopped as it starts, or
// just after a command ran, and then recovered from what the service had
// saved and the journal had written, against fake agents. Before the
// candidate may be writable it rolls back; once it is writable it rolls
// forward; a node that does not answer ends it failed with nothing touched.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_ports.hpp"
#include "pivot_fixtures.hpp"
#include "pivot/controller/pivot_executor.hpp"

namespace pivot::controller {
namespace {

using test::FakeAgents;
using test::eligible_db1_to_db2;
using test::four_nodes;
using ::testing::HasSubstr;

struct Crash {};

// The service's job as it saves it (a step once it ended: its start is the
// journal's entry), and a crash as the step `crash_at` starts.
class SavingObserver : public JobObserver {
 public:
  void step_started(const std::string&, const JobStep& step) override {
    if (step.name == crash_at) throw Crash{};
  }
  void step_finished(const std::string&, const JobStep& step) override { save(step); }

  std::string crash_at;
  Job job;

 private:
  void save(const JobStep& step) {
    auto same = std::find_if(job.steps.rbegin(), job.steps.rend(), [&](const JobStep& s) { return s.name == step.name; });
    if (same != job.steps.rend() && same->state == StepState::running) {
      *same = step;
    } else {
      job.steps.push_back(step);
    }
  }
};

// Passes commands on; pivotd dies once the command with that id answered.
class CrashingAgents : public AgentPort {
 public:
  explicit CrashingAgents(AgentPort& inner) : inner_(inner) {}
  Result<protocol::CommandResult> call(const std::string& cluster, const std::string& node,
                                       const protocol::Command& command) override {
    auto answer = inner_.call(cluster, node, command);
    if (command.id == crash_after) throw Crash{};
    return answer;
  }
  std::string crash_after;

 private:
  AgentPort& inner_;
};

class PivotRecoveryTest : public ::testing::Test {
 protected:
  PivotRecoveryTest() {
    source.status = eligible_db1_to_db2();
    input.job_id = "pv-1-1";
    input.spec = four_nodes();
    input.spec.hooks.post_promote = "/hooks/route";
    input.candidate = "db2";
    saved.job.id = "pv-1-1";
  }

  // The first pivotd: runs the pivot until the crash.
  void crash(const std::string& at_step, const std::string& after_command = "") {
    saved.crash_at = at_step;  // "" : only after the command
    CrashingAgents crashing(first_agents);
    crashing.crash_after = after_command;
    PivotExecutor executor(crashing, hooks, source, clock, saved, lock, journal);
    EXPECT_THROW(executor.run(input), Crash);
  }

  // The next pivotd: recovers it.
  PivotJobOutcome recover(std::uint64_t wait_ms = 10000) {
    PivotRecoveryInput in{input, saved.job, journal.entries(input.job_id), 2, wait_ms};
    PivotExecutor executor(agents, hooks, source, clock, observer, lock, journal);
    return executor.recover(in);
  }

  std::vector<std::string> sent() {
    std::vector<std::string> out;
    for (const auto& c : agents.calls()) out.push_back(c.node + " " + c.command.action);
    return out;
  }
  // What the recovery changed: its two report_position questions left out.
  std::vector<std::string> changes() {
    std::vector<std::string> out;
    for (const auto& c : agents.calls()) {
      if (c.command.action != "report_position") out.push_back(c.node + " " + c.command.action);
    }
    return out;
  }
  void candidate_answers_writable() {
    auto detail = FakeAgents::default_detail("report_position");
    detail["read_only"] = false;
    agents.reply("db2", "report_position", {FakeAgents::ok(detail)});
  }
  std::vector<std::string> finished_steps() {
    std::vector<std::string> out;
    for (const auto& s : observer.finished()) out.push_back(s.name);
    return out;
  }

  test::ManualClock clock;
  FakeAgents first_agents{clock};
  FakeAgents agents{clock};
  test::FakeHooks hooks{clock};
  test::FakeClusterSource source;
  test::FakeJobLock lock;
  MemoryJournal journal;
  SavingObserver saved;
  test::RecordingObserver observer;
  PivotJobInput input;
};

TEST_F(PivotRecoveryTest, BeforeTheFenceNothingChangedAndNothingIsSent) {
  for (const char* step : {"check", "pre_pivot"}) {
    SCOPED_TRACE(step);
    saved.job.steps.clear();
    crash(step);
    const auto outcome = recover();
    EXPECT_EQ(outcome.state, JobState::failed);
    EXPECT_EQ(outcome.result["error"], "interrupted");
    EXPECT_THAT(outcome.result["message"].get<std::string>(), HasSubstr("before the pivot changed anything"));
    EXPECT_EQ(outcome.result["recovered"]["way"], "nothing_changed");
    EXPECT_TRUE(agents.calls().empty());
  }
}

struct BackCase {
  const char* step;
  std::vector<std::string> undone;  // what the rollback sends, in order
};

class RollsBack : public PivotRecoveryTest, public ::testing::WithParamInterface<BackCase> {};

TEST_P(RollsBack, ToTheOldPrimaryWritable) {
  crash(GetParam().step);
  const auto outcome = recover();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "interrupted");
  EXPECT_EQ(outcome.result["recovered"]["way"], "roll_back");
  EXPECT_EQ(outcome.result["recovered"]["interrupted_step"], GetParam().step);
  EXPECT_EQ(changes(), GetParam().undone);
  // Both nodes were asked first, with ids of this pivotd's epoch.
  ASSERT_GE(agents.calls().size(), 2u);
  EXPECT_EQ(agents.calls()[0].command.id, "pv-1-1/recover/db1/e2_1");
  EXPECT_EQ(agents.calls()[1].command.id, "pv-1-1/recover/db2/e2_1");
  EXPECT_EQ(observer.step(GetParam().step).state, StepState::failed) << "the interrupted step is closed";
  EXPECT_EQ(observer.step(GetParam().step).summary, "interrupted: pivotd stopped during this step");
  EXPECT_THAT(observer.step("recover").summary, HasSubstr("rolling back"));
}

const std::vector<std::string> kReopen = {"db1 release_fence", "db1 set_read_only"};
const std::vector<std::string> kReopenAndRepoint = {"db1 release_fence", "db1 set_read_only", "db2 change_source"};

INSTANTIATE_TEST_SUITE_P(
    EachStepUpToPromote, RollsBack,
    // fence_read_only's one command may have taken the lock (issue 22): released first.
    ::testing::Values(BackCase{"fence_read_only", kReopen}, BackCase{"fence_lock", kReopen},
                      // catch_up queues the candidate's reset behind its wait: repointed too.
                      BackCase{"capture_position", kReopen}, BackCase{"catch_up", kReopenAndRepoint},
                      BackCase{"confirm_fence", kReopenAndRepoint},
                      // promote started: the candidate is made read-only first, then compared.
                      BackCase{"promote", {"db2 set_read_only", "db1 release_fence", "db1 set_read_only",
                                           "db2 change_source"}}),
    [](const auto& info) { return std::string(info.param.step); });

// The fence's one command ran (read_only and the lock) and pivotd died on
// its answer, before fence_lock started: the release still goes first.
TEST_F(PivotRecoveryTest, AFenceWhoseAnswerWasLostIsReleasedThenReadOnlyUndone) {
  crash("", "pv-1-1/fence_read_only/db1");
  const auto outcome = recover();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["recovered"]["after_step"], "fence_read_only");
  EXPECT_EQ(changes(), kReopen);
}

TEST_F(PivotRecoveryTest, ARollbackReopensTheOldPrimaryWithoutTheSweep) {
  crash("catch_up");
  recover();
  for (const auto& c : agents.calls()) {
    if (c.command.action == "release_fence") {
      EXPECT_TRUE(c.command.args.empty()) << "the old primary stays the primary: its queued clients may commit";
    }
    if (c.command.action == "set_read_only") {
      EXPECT_EQ(c.command.args.at("read_only"), protocol::Value(false));
    }
  }
}

class RollsForward : public PivotRecoveryTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RollsForward, FromTheStepItStoppedIn) {
  crash(GetParam());
  candidate_answers_writable();
  const auto outcome = recover();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["recovered"]["way"], "roll_forward");
  EXPECT_EQ(outcome.result["old_primary"], "db1");
  EXPECT_EQ(outcome.result["new_primary"], "db2");
  EXPECT_FALSE(outcome.result.contains("write_blocked_ms")) << "the window opened under the first pivotd";
  // The steps from the interrupted one on run again, and none before it.
  const auto all = pivot_plan_steps();
  const auto from = std::find(all.begin(), all.end(), std::string(GetParam()));
  std::vector<std::string> expected{GetParam(), "recover"};
  expected.insert(expected.end(), from, all.end());
  EXPECT_EQ(finished_steps(), expected);
  for (const auto& c : agents.calls()) {
    EXPECT_NE(c.command.action, "fence_writes");
    if (c.command.action == "set_read_only") {
      ADD_FAILURE() << "read_only changed while rolling forward";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EachStepAfterPromote, RollsForward,
                         ::testing::Values("post_promote", "fence_kill_connections", "release_fence",
                                           "repoint_replicas", "demote_old_primary", "post_pivot", "verify",
                                           "verify_old_primary"));

TEST_F(PivotRecoveryTest, ForwardCommandsKeepTheirIdsSoAnAgentDoesNotRunThemTwice) {
  saved.crash_at = "";  // not as it starts: once its command ran
  crash("", "pv-1-1/release_fence/db1");  // it ran; pivotd died on the answer
  candidate_answers_writable();
  const auto outcome = recover();
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(observer.step("recover").detail).dump(2);
  std::vector<std::string> ids;
  for (const auto& c : agents.calls()) ids.push_back(c.command.id);
  EXPECT_THAT(ids, ::testing::Contains("pv-1-1/release_fence/db1"));
  EXPECT_THAT(ids, ::testing::Contains("pv-1-1/demote_old_primary/db1"));
}

TEST_F(PivotRecoveryTest, WritableSentButTheCandidateStillReadOnlyRollsBackExactly) {
  // promote's set_read_only went out (journaled) and pivotd died on it; the
  // candidate answers read-only now: it never served as a primary.
  crash("", "pv-1-1/promote/db2/set_read_only");
  const auto outcome = recover();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(changes(), (std::vector<std::string>{"db2 set_read_only", "db1 release_fence", "db1 set_read_only",
                                                 "db2 change_source"}));
  EXPECT_EQ(observer.step("rollback_candidate_position").state, StepState::succeeded);
}

TEST_F(PivotRecoveryTest, WritableAndAnsweredWritableRollsForwardFromPostPromote) {
  crash("", "pv-1-1/promote/db2/set_read_only");
  candidate_answers_writable();
  const auto outcome = recover();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(finished_steps().at(0), "promote");
  EXPECT_EQ(finished_steps().at(2), "post_promote");
  EXPECT_EQ(hooks.calls.back().path, "/hooks/route") << "the traffic still has to move";
}

// An agent from before issue 22 refuses the queued reset's applied and the
// switch's no_source: promote sends both again, the switch as
// set_read_only_again; a pivotd that died on that one may have made the
// candidate writable too.
TEST_F(PivotRecoveryTest, TheSecondSwitchToAnOlderAgentCountsAsPromoteSent) {
  first_agents.reply("db2", "reset_replication",
                     {FakeAgents::refused("unknown_arg", "reset_replication: unknown arg 'applied'"),
                      FakeAgents::ok(FakeAgents::default_detail("reset_replication"))});
  crash("", "pv-1-1/promote/db2/set_read_only_again");
  candidate_answers_writable();
  const auto outcome = recover();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(finished_steps().at(0), "promote");
  EXPECT_EQ(hooks.calls.back().path, "/hooks/route");
}

TEST_F(PivotRecoveryTest, ACandidateThatTookWritesStopsTheRollbackFenced) {
  crash("", "pv-1-1/promote/db2/set_read_only");
  auto moved = FakeAgents::default_detail("report_position");
  moved["gtid_binlog_pos"] = std::string("0-2-101");
  // Asked twice: by recover (read-only now), then by the exact comparison.
  agents.reply("db2", "report_position", {FakeAgents::ok(FakeAgents::default_detail("report_position")), FakeAgents::ok(moved)});
  const auto outcome = recover();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "candidate_written");
  EXPECT_EQ(changes(), (std::vector<std::string>{"db2 set_read_only"})) << "db1 stays fenced";
}

TEST_F(PivotRecoveryTest, ASilentNodeEndsItFailedWithNothingTouched) {
  crash("catch_up");
  agents.reply("db1", "report_position", {FakeAgents::no_answer()});
  agents.latency("db1", "report_position", 3000);  // a lost command waits out its timeout
  const auto outcome = recover(10000);
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "needs_attention");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), HasSubstr("db1 did not answer"));
  EXPECT_TRUE(changes().empty());
  EXPECT_GE(agents.calls().size(), 3u) << "asked again until the wait ran out";
}

TEST_F(PivotRecoveryTest, ASpecWithoutTheNodesEndsItFailed) {
  crash("catch_up");
  input.spec.nodes.erase(input.spec.nodes.begin() + 1);  // db2 gone from the spec
  const auto outcome = recover();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "needs_attention");
  EXPECT_TRUE(agents.calls().empty());
}

TEST_F(PivotRecoveryTest, RecoveredTwiceReadsTheJobAnew) {
  // The first recovery dies too, as it asks the nodes: the third pivotd
  // still rolls back from where the pivot stood.
  crash("catch_up");
  {
    CrashingAgents crashing(agents);
    crashing.crash_after = "pv-1-1/recover/db1/e2_1";
    PivotRecoveryInput in{input, saved.job, journal.entries(input.job_id), 2, 10000};
    PivotExecutor executor(crashing, hooks, source, clock, saved, lock, journal);
    EXPECT_THROW(executor.recover(in), Crash);
  }
  PivotRecoveryInput in{input, saved.job, journal.entries(input.job_id), 3, 10000};
  PivotExecutor executor(agents, hooks, source, clock, observer, lock, journal);
  const auto outcome = executor.recover(in);
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["recovered"]["after_step"], "catch_up");
}

}  // namespace
}  // namespace pivot::controller
