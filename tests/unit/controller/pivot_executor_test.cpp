// The planned pivot, branch by branch, against fake agents, hooks and clock:
// what it sends, in which order, what it undoes, and what the job says.
#include "pivot/controller/pivot_executor.hpp"

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_ports.hpp"
#include "pivot_fixtures.hpp"
#include "pivot/controller/failpoints.hpp"

namespace pivot::controller {
namespace {

using test::FakeAgents;
using test::eligible_db1_to_db2;
using test::four_nodes;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class PivotExecutorTest : public ::testing::Test {
 protected:
  PivotExecutorTest() {
    source.status = eligible_db1_to_db2();
    input.job_id = "j7";
    input.spec = four_nodes();
    input.candidate = "db2";
  }

  PivotJobOutcome run() {
    PivotExecutor executor(agents, hooks, source, clock, observer);
    return executor.run(input);
  }

  // What was sent after the check step's pings (ping_both: one to each of
  // db1 and db2 before anything changes; PivotExecutorTest.TheCheckPings...
  // shows them). The tests below read what the pivot did from there on.
  std::vector<test::AgentCall> commands() {
    auto calls = agents.calls();
    std::erase_if(calls, [](const test::AgentCall& c) { return c.command.id.starts_with("j7/check/"); });
    return calls;
  }

  // confirm_fence and the candidate's reset_replication go out together:
  // the record has them in whichever order the two threads came; the tests
  // read them in plan order, confirm first. The reset's thread may even come
  // after a confirm asked again (a 50 ms catch-up on a loaded machine: seen
  // once in a full scripts/test run); in plan order the reset goes first.
  std::vector<test::AgentCall> calls_in_plan_order() {
    auto calls = commands();
    auto at = [&](const std::string& id) {
      return std::find_if(calls.begin(), calls.end(), [&](const test::AgentCall& c) { return c.command.id == id; });
    };
    auto confirm = at("j7/confirm_fence/db1");
    auto reset = at("j7/promote/db2/reset_replication");
    if (confirm != calls.end() && reset != calls.end() && reset < confirm) std::iter_swap(confirm, reset);
    reset = at("j7/promote/db2/reset_replication");
    auto again = at("j7/confirm_fence/db1/again");
    if (again != calls.end() && reset != calls.end() && again < reset) std::rotate(again, reset, reset + 1);
    return calls;
  }
  // Every command, the check's pings included, "db1 ping" in call order.
  std::vector<std::string> sent_all() { return agents.sequence(); }
  std::vector<std::string> sent() {
    std::vector<std::string> out;
    for (const auto& c : calls_in_plan_order()) out.push_back(c.node + " " + c.command.action);
    return out;
  }
  // What was sent after the six commands up to promote's writable switch.
  std::vector<std::string> sent_after_promote() {
    auto seq = sent();
    return std::vector<std::string>(seq.begin() + std::min<std::size_t>(6, seq.size()), seq.end());
  }
  // An agent from before issue 22: it refuses `arg` of `action` once
  // (unknown_arg, nothing run), then answers as usual.
  void older_agent(const std::string& node, const std::string& action, const std::string& arg) {
    agents.reply(node, action, {FakeAgents::refused("unknown_arg", action + ": unknown arg '" + arg + "'"),
                                FakeAgents::ok(FakeAgents::default_detail(action))});
  }
  // db2's writable switch runs, but its answer is lost; the re-fence is answered.
  void lose_writable_answer() {
    agents.reply("db2", "set_read_only", {FakeAgents::no_answer(), FakeAgents::ok({{"read_only", true}})});
  }
  const protocol::Command& command(std::size_t i) {
    calls_ = calls_in_plan_order();
    return calls_.at(i).command;
  }
  std::vector<std::string> step_names() {
    std::vector<std::string> out;
    for (const auto& s : observer.finished()) out.push_back(s.name);
    return out;
  }
  std::string state_of(const std::string& step) {
    return std::string(protocol::to_string(observer.step(step).state));
  }

  test::ManualClock clock;
  FakeAgents agents{clock};
  test::FakeHooks hooks{clock};
  test::FakeClusterSource source;
  test::RecordingObserver observer;
  PivotJobInput input;
  std::vector<test::AgentCall> calls_;
};

// The sequence of tests/integration/agent/agent_pivot_test.cpp, then verify.
// The fence is one command, read_only plus the lock (fence_writes with
// read_only); the fakes' answer to it holds no position, as an older agent's
// would, so capture_position asks; confirm_fence reads the old primary again
// just before the candidate becomes writable.
const std::vector<std::string> kForward = {"db1 fence_writes",      "db1 report_position",   "db2 wait_for_position",
                                           "db1 report_position",   "db2 reset_replication", "db2 set_read_only"};
// After post_promote: every client session killed, then the lock released.
const std::vector<std::string> kUnfence = {"db1 kill_connections", "db1 release_fence"};

TEST_F(PivotExecutorTest, ASuccessfulPivotSendsTheCommandsInPlanOrder) {
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);

  auto seq = sent();
  ASSERT_EQ(seq.size(), 17u);
  EXPECT_EQ(std::vector<std::string>(seq.begin(), seq.begin() + 6), kForward);
  EXPECT_EQ(std::vector<std::string>(seq.begin() + 6, seq.begin() + 8), kUnfence);
  EXPECT_THAT(std::vector<std::string>(seq.begin() + 8, seq.begin() + 10),
              UnorderedElementsAre("db3 change_source", "db4 change_source"));
  EXPECT_EQ(seq[10], "db1 change_source");
  EXPECT_EQ(seq[11], "db2 report_position");
  EXPECT_THAT(std::vector<std::string>(seq.begin() + 12, seq.begin() + 15),
              UnorderedElementsAre("db1 wait_for_position", "db3 wait_for_position", "db4 wait_for_position"));
  EXPECT_EQ(std::vector<std::string>(seq.begin() + 15, seq.end()),
            (std::vector<std::string>{"db1 report_position", "db2 report_position"}))
      << "verify_old_primary reads the old primary first";

  // The whole fence in one round trip (issue 22): read_only, the lock, the position.
  EXPECT_EQ(command(0).args, (protocol::ValueMap{{"lease_ms", std::int64_t{70000}}, {"read_only", true}}))
      << "catch-up 5 s + hook 7 s + the commands' deadlines up to the release + 30 s";
  EXPECT_EQ(command(0).id, "j7/fence_read_only/db1");
  EXPECT_EQ(command(0).timeout_ms, 8000u) << "set_read_only's 5 s and the lock's bounded 3 s";
  EXPECT_EQ(command(0).epoch, 0u) << "the AgentPort adapter sets the epoch";
  EXPECT_EQ(observer.step("fence_lock").detail["from"], "fence_read_only") << "no second command";
  EXPECT_EQ(command(2).args.at("position"), protocol::Value(std::string("0-1-100")));
  EXPECT_EQ(command(3).id, "j7/confirm_fence/db1");
  EXPECT_EQ(command(4).id, "j7/promote/db2/reset_replication");
  EXPECT_EQ(command(5).id, "j7/promote/db2/set_read_only");
  EXPECT_EQ(command(5).args, (protocol::ValueMap{{"no_source", true}, {"read_only", false}}))
      << "queued behind the reset: it switches only a node the reset detached";
  EXPECT_EQ(command(6).id, "j7/fence_kill_connections/db1");
  EXPECT_EQ(command(7).id, "j7/release_fence/db1");
  EXPECT_EQ(command(7).args, (protocol::ValueMap{{"kill_clients", true}}))
      << "the END must follow a list with no client session in it";
  for (std::size_t i : {8, 9}) {
    EXPECT_EQ(command(i).args, (protocol::ValueMap{{"host", std::string("10.0.2.11")},
                                                   {"port", std::int64_t{3307}},
                                                   {"use_gtid", std::string("slave_pos")}}));
  }
  EXPECT_EQ(command(10).args.at("seed_gtid_slave_pos"), protocol::Value(true));
  EXPECT_EQ(command(10).args.at("host"), protocol::Value(std::string("10.0.2.11")));
  EXPECT_EQ(command(12).args.at("timeout_ms"), protocol::Value(std::int64_t{10000}));

  std::set<std::string> ids;
  for (const auto& c : agents.calls()) {
    EXPECT_TRUE(ids.insert(c.command.id).second) << "repeated id " << c.command.id;
    EXPECT_EQ(c.cluster, "sms-1");
    EXPECT_GT(c.command.timeout_ms, 0u);
  }

  EXPECT_EQ(step_names(), pivot_plan_steps());
  EXPECT_EQ(state_of("pre_pivot"), "skipped");
  EXPECT_EQ(state_of("verify"), "succeeded");
  EXPECT_EQ(state_of("verify_old_primary"), "succeeded");
  EXPECT_EQ(observer.step("verify_old_primary").detail["transactions"], "");
  EXPECT_EQ(observer.step("confirm_fence").detail["fence"], "held");
  EXPECT_EQ(outcome.result["old_primary"], "db1");
  EXPECT_EQ(outcome.result["new_primary"], "db2");
  EXPECT_EQ(outcome.result["eligible"], true);
  EXPECT_EQ(outcome.result["candidate_reason"], "named by the operator");
  EXPECT_TRUE(outcome.result.contains("write_blocked_ms"));
  EXPECT_FALSE(outcome.result.contains("error"));
  EXPECT_EQ(source.calls.at(0), std::make_pair(std::string("sms-1"), std::optional<std::string>("db2")));
}

TEST_F(PivotExecutorTest, EveryStepIsReportedAtStartAndEndWithTheClocksWallTime) {
  run();
  ASSERT_EQ(observer.events.size(), 2 * pivot_plan_steps().size());
  for (std::size_t i = 0; i < observer.events.size(); i += 2) {
    const auto& started = observer.events[i];
    const auto& finished = observer.events[i + 1];
    EXPECT_TRUE(started.started);
    EXPECT_FALSE(finished.started);
    EXPECT_EQ(started.job_id, "j7");
    EXPECT_EQ(started.step.name, finished.step.name);
    EXPECT_EQ(started.step.state, StepState::running);
    EXPECT_EQ(started.step.finished_at_ms, 0u);
    EXPECT_GE(started.step.started_at_ms, test::ManualClock::kWallStart);
    EXPECT_GE(finished.step.finished_at_ms, finished.step.started_at_ms);
  }
  // Each command's answer is in the step's transcript.
  auto fence = observer.step("fence_read_only").detail["commands"][0];
  EXPECT_EQ(fence["node"], "db1");
  EXPECT_EQ(fence["ok"], true);
  EXPECT_EQ(fence["detail"]["changed"], true);
  EXPECT_EQ(observer.step("capture_position").detail["position"], "0-1-100");
}

TEST_F(PivotExecutorTest, CommandsRunInParallelOnTheOtherReplicas) {
  agents.rendezvous("change_source", {"db3", "db4"});
  agents.rendezvous("wait_for_position", {"db1", "db3", "db4"});
  EXPECT_EQ(run().state, JobState::succeeded);
  EXPECT_TRUE(agents.overlapped("change_source")) << "repoint_replicas sent one after the other";
  EXPECT_TRUE(agents.overlapped("wait_for_position")) << "verify waited one node after the other";
}

TEST_F(PivotExecutorTest, ADryRunChecksAndPlansOnly) {
  input.dry_run = true;
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded);
  EXPECT_TRUE(agents.calls().empty());
  EXPECT_TRUE(hooks.calls.empty());
  EXPECT_EQ(step_names(), std::vector<std::string>{"check"});
  EXPECT_EQ(outcome.result["plan"], pivot_plan_steps());
  EXPECT_EQ(outcome.result["old_primary"], "db1");
  EXPECT_EQ(outcome.result["new_primary"], "db2");
  EXPECT_EQ(outcome.result["eligible"], true);
  EXPECT_FALSE(outcome.result.contains("write_blocked_ms"));
}

TEST_F(PivotExecutorTest, ANotEligibleClusterFailsWithItsChecks) {
  source.status.eligible = false;
  source.status.checks.push_back({"candidate_lag", false, "db2 is 40 s behind (max 5)"});
  input.dry_run = true;  // a dry run is refused the same way
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_TRUE(agents.calls().empty());
  EXPECT_EQ(outcome.result["eligible"], false);
  EXPECT_EQ(outcome.result["checks"].back()["detail"], "db2 is 40 s behind (max 5)");
  EXPECT_EQ(outcome.result["error"], "not_eligible");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("candidate_lag"));
  EXPECT_FALSE(outcome.result.contains("plan"));
  EXPECT_EQ(state_of("check"), "failed");
}

TEST_F(PivotExecutorTest, AStatusNamingNodesOutsideTheSpecIsRefused) {
  source.status.candidate = "db9";
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "not_eligible");
  EXPECT_TRUE(agents.calls().empty());
}

TEST_F(PivotExecutorTest, AnExpectedPrimaryThatDiffersFailsThePrecondition) {
  input.expected_primary = "db3";
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "precondition_failed");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("db3"));
  EXPECT_TRUE(agents.calls().empty());

  input.expected_primary = "db1";
  EXPECT_EQ(run().state, JobState::succeeded);
}

TEST_F(PivotExecutorTest, HooksSeeTheClusterJobAndBothPrimariesWithThePolicyTimeout) {
  input.spec.hooks = {"/hooks/pre", "/hooks/promote", "/hooks/post", "", ""};
  EXPECT_EQ(run().state, JobState::succeeded);
  ASSERT_EQ(hooks.calls.size(), 3u);
  EXPECT_EQ(hooks.calls[0].path, "/hooks/pre");
  EXPECT_EQ(hooks.calls[1].path, "/hooks/promote");
  EXPECT_EQ(hooks.calls[2].path, "/hooks/post");
  EXPECT_EQ(hooks.calls[0].env, (std::map<std::string, std::string>{{"PIVOT_KIND", "pivot"},
                                                                    {"PIVOT_CLUSTER", "sms-1"},
                                                                    {"PIVOT_JOB", "j7"},
                                                                    {"PIVOT_OLD_NODE", "db1"},
                                                                    {"PIVOT_NEW_NODE", "db2"},
                                                                    {"PIVOT_OLD_PRIMARY", "10.0.1.11:3306"},
                                                                    {"PIVOT_NEW_PRIMARY", "10.0.2.11:3307"}}));
  EXPECT_EQ(hooks.calls[0].timeout_ms, 7000u);
  auto detail = observer.step("post_promote").detail;
  EXPECT_EQ(detail["exit_code"], 0);
  EXPECT_EQ(detail["output"], "hook says hi");
  EXPECT_TRUE(detail.contains("duration_ms"));
  EXPECT_EQ(state_of("post_promote"), "succeeded");
}

// Before anything changes, each of the two agents answers a ping: the old
// primary's first, then the candidate's, before the pre_pivot hook.
TEST_F(PivotExecutorTest, TheCheckPingsBothAgentsBeforeAnythingElse) {
  input.spec.hooks.pre_pivot = "/hooks/pre";
  EXPECT_EQ(run().state, JobState::succeeded);
  const auto calls = agents.calls();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(calls[0].node + " " + calls[0].command.id, "db1 j7/check/db1");
  EXPECT_EQ(calls[0].command.action, "ping");
  EXPECT_EQ(calls[1].node + " " + calls[1].command.id, "db2 j7/check/db2");
  EXPECT_EQ(calls[1].command.action, "ping");
  EXPECT_EQ(calls[2].command.action, "fence_writes");
  EXPECT_EQ(std::count_if(calls.begin(), calls.end(), [](const auto& c) { return c.command.action == "ping"; }), 2);
  EXPECT_EQ(observer.step("check").detail["commands"].size(), 2u);
}

// A command path that does not work (or an action session that cannot
// read) is found before the fence: the pivot fails with nothing changed.
TEST_F(PivotExecutorTest, ACandidateThatDoesNotAnswerThePingFailsTheCheckWithNothingChanged) {
  input.spec.hooks.pre_pivot = "/hooks/pre";
  agents.reply("db2", "ping", {FakeAgents::no_answer()});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "no_answer");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("db2"));
  EXPECT_EQ(sent_all(), (std::vector<std::string>{"db1 ping", "db2 ping"}));
  EXPECT_TRUE(hooks.calls.empty()) << "pre_pivot ran";
  EXPECT_EQ(step_names(), (std::vector<std::string>{"check"}));

  agents.clear_calls();
  agents.reply("db2", "ping", {FakeAgents::ok({})});
  agents.reply("db1", "ping", {FakeAgents::refused("mysql_error", "the action session cannot read")});
  EXPECT_EQ(run().state, JobState::failed);
  EXPECT_EQ(sent_all(), (std::vector<std::string>{"db1 ping"}))
      << "the candidate is not asked after the old primary failed";
}

// An agent from before ping answers unknown_action, having run nothing: it
// answered, and the pivot goes on.
TEST_F(PivotExecutorTest, AnAgentFromBeforePingStillPivots) {
  agents.reply("db1", "ping", {FakeAgents::refused("unknown_action", "action 'ping' has no implementation")});
  EXPECT_EQ(run().state, JobState::succeeded);
  EXPECT_EQ(sent().front(), "db1 fence_writes");
}

TEST_F(PivotExecutorTest, AFailingPrePivotHookChangesNothing) {
  input.spec.hooks.pre_pivot = "/hooks/pre";
  hooks.outcome("/hooks/pre", test::FakeHooks::exits(3));
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_TRUE(commands().empty()) << "only the check step's pings went out";
  EXPECT_EQ(outcome.result["error"], "hook_failed");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("exited with 3"));
  EXPECT_EQ(step_names(), (std::vector<std::string>{"check", "pre_pivot"}));
  EXPECT_EQ(observer.step("pre_pivot").detail["exit_code"], 3);
}

TEST_F(PivotExecutorTest, AHookThatCannotStartOrTimesOutFails) {
  input.spec.hooks.pre_pivot = "/hooks/missing";
  hooks.outcome("/hooks/missing", test::FakeHooks::not_started("hook /hooks/missing is not executable"));
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("could not start"));

  hooks.outcome("/hooks/missing", test::FakeHooks::timed_out());
  outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("killed after 7000 ms"));
  EXPECT_TRUE(commands().empty()) << "only the check step's pings went out";
}

// ---- before the candidate is writable: roll back ----

struct RollbackCase {
  std::string name;
  std::string node, action;
  FakeAgents::Reply first;
  std::vector<std::string> sent;  // everything, undo included
  std::string error;
};

class PivotRollbackTest : public PivotExecutorTest, public ::testing::WithParamInterface<RollbackCase> {};

TEST_P(PivotRollbackTest, TheOldPrimaryIsWritableAgain) {
  const auto& c = GetParam();
  agents.fail_once(c.node, c.action, c.first);
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(sent(), c.sent);
  const auto all = agents.calls();
  const auto writable = std::find_if(all.begin(), all.end(), [](const test::AgentCall& c) {
    return c.command.id == "j7/rollback_old_primary_writable/db1";
  });
  ASSERT_NE(writable, all.end());
  EXPECT_EQ(writable->command.args, (protocol::ValueMap{{"read_only", false}}));
  EXPECT_EQ(state_of("rollback_old_primary_writable"), "succeeded");
  EXPECT_EQ(outcome.result["error"], c.error);
  // The lock (when fence_writes was sent) goes first, then read_only.
  // A candidate whose reset went out is repointed after that, last.
  const auto& undone = outcome.result["rollback"]["steps"].items();
  std::vector<Detail> steps(undone.begin(), undone.end());
  ASSERT_FALSE(steps.empty());
  if (steps.back()["step"] == "rollback_candidate_repoint") {
    EXPECT_EQ(steps.back()["ok"], true);
    steps.pop_back();
  }
  EXPECT_EQ(steps.back()["step"], "rollback_old_primary_writable");
  EXPECT_EQ(steps.back()["ok"], true);
  if (steps.size() == 2) {
    EXPECT_EQ(steps[0]["step"], "rollback_release_fence");
    for (const auto& call : all) {
      if (call.command.action == "release_fence") {
        EXPECT_TRUE(call.command.args.empty()) << "a rollback's release lets queued clients commit: db1 stays primary";
      }
    }
  }
  EXPECT_FALSE(outcome.result["rollback"]["reason"].get<std::string>().empty());
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("db1 writable again"));
  EXPECT_TRUE(outcome.result.contains("write_blocked_ms")) << "the window the rollback closed";
  EXPECT_TRUE(hooks.calls.empty());
}

INSTANTIATE_TEST_SUITE_P(
    EachStepBeforePromote, PivotRollbackTest,
    ::testing::Values(
        // The fence's one command refused or unanswered: it may have taken
        // the lock, so the release goes first, then read_only.
        RollbackCase{"fence_refused", "db1", "fence_writes", FakeAgents::refused("access_denied", "no SUPER"),
                     {"db1 fence_writes", "db1 release_fence", "db1 set_read_only"}, "access_denied"},
        RollbackCase{"fence_unanswered", "db1", "fence_writes", FakeAgents::no_answer(),
                     {"db1 fence_writes", "db1 release_fence", "db1 set_read_only"}, "no_answer"},
        RollbackCase{"capture_unanswered", "db1", "report_position", FakeAgents::no_answer(),
                     {"db1 fence_writes", "db1 report_position", "db1 release_fence", "db1 set_read_only"},
                     "no_answer"},
        RollbackCase{"capture_without_position", "db1", "report_position", FakeAgents::ok({{"read_only", true}}),
                     {"db1 fence_writes", "db1 report_position", "db1 release_fence", "db1 set_read_only"},
                     "no_position"},
        // The candidate's reset went out behind the wait: undone last. The
        // confirm went out beside the wait too (it only reads).
        RollbackCase{"catch_up_timeout", "db2", "wait_for_position",
                     FakeAgents::refused("position_timeout", "0-1-99 after 4997 ms"),
                     {"db1 fence_writes", "db1 report_position", "db2 wait_for_position", "db1 report_position",
                      "db2 reset_replication", "db1 release_fence", "db1 set_read_only", "db2 change_source"},
                     "position_timeout"},
        RollbackCase{"catch_up_ok_but_not_reached", "db2", "wait_for_position", FakeAgents::ok({{"reached", false}}),
                     {"db1 fence_writes", "db1 report_position", "db2 wait_for_position", "db1 report_position",
                      "db2 reset_replication", "db1 release_fence", "db1 set_read_only", "db2 change_source"},
                     "position_timeout"}),
    [](const auto& info) { return info.param.name; });

// An agent from before issue 22 answers fence_writes' read_only with
// unknown_arg, having run nothing: read_only alone, then the lock as a command
// of its own, as before; a mixed fleet still pivots.
TEST_F(PivotExecutorTest, AnOlderAgentGetsReadOnlyThenTheLockAsTwoCommands) {
  older_agent("db1", "fence_writes", "read_only");
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  const auto seq = sent();
  EXPECT_EQ(std::vector<std::string>(seq.begin(), seq.begin() + 4),
            (std::vector<std::string>{"db1 fence_writes", "db1 set_read_only", "db1 fence_writes",
                                      "db1 report_position"}));
  EXPECT_EQ(command(1).id, "j7/fence_read_only/db1/set_read_only");
  EXPECT_EQ(command(1).args, (protocol::ValueMap{{"read_only", true}}));
  EXPECT_EQ(command(2).id, "j7/fence_lock/db1");
  EXPECT_EQ(command(2).args, (protocol::ValueMap{{"lease_ms", std::int64_t{70000}}}));
  EXPECT_EQ(command(2).timeout_ms, 3000u) << "the lock's wait is bounded";
  EXPECT_EQ(state_of("fence_read_only"), "succeeded");
  EXPECT_EQ(observer.step("fence_read_only").detail["commands"].size(), 2u) << "the refusal is in the transcript";
  EXPECT_FALSE(observer.step("fence_lock").detail.contains("from"));
  EXPECT_EQ(observer.step("capture_position").detail["position"], "0-1-100");
  EXPECT_FALSE(outcome.result.contains("error"));
}

TEST_F(PivotExecutorTest, AnOlderAgentsRefusedLockIsReleasedOnceThenReadOnlyUndone) {
  agents.reply("db1", "fence_writes",
               {FakeAgents::refused("unknown_arg", "fence_writes: unknown arg 'read_only'"),
                FakeAgents::refused("mysql_error", "error 1205")});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "mysql_error");
  EXPECT_EQ(sent(), (std::vector<std::string>{"db1 fence_writes", "db1 set_read_only", "db1 fence_writes",
                                             "db1 release_fence", "db1 set_read_only"}))
      << "fence_read_only and fence_lock both plan the release: it runs once";
  EXPECT_EQ(outcome.result["rollback"]["steps"].size(), 2u);
}

// An AgentPort that says a command is on its way as the fakes take it, as
// ZmqAgentPort does once its bus took it, before the answer.
class SendingAgents : public AgentPort {
 public:
  explicit SendingAgents(AgentPort& inner) : inner_(inner) {}
  Result<protocol::CommandResult> call(const std::string& cluster, const std::string& node,
                                       const protocol::Command& command) override {
    return inner_.call(cluster, node, command);
  }
  Result<protocol::CommandResult> call_notifying_sent(const std::string& cluster, const std::string& node,
                                                      const protocol::Command& command,
                                                      const std::function<void()>& on_sent) override {
    on_sent();
    return inner_.call(cluster, node, command);
  }

 private:
  AgentPort& inner_;
};

// Issue 22: the candidate's reset is queued on its agent behind the
// catch-up's wait, not sent after the wait's answer: the agent runs it as
// soon as the wait ends. Its deadline counts the wait it may sit behind.
TEST_F(PivotExecutorTest, TheCandidatesResetIsQueuedBehindTheCatchUpWithoutWaitingForItsAnswer) {
  agents.rendezvous("*", {"db2 wait_for_position", "db2 reset_replication"});
  SendingAgents sending(agents);
  PivotExecutor executor(sending, hooks, source, clock, observer);
  auto outcome = executor.run(input);
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_TRUE(agents.overlapped("*")) << "the reset was sent only once the wait had answered";
  const auto calls = agents.calls();
  auto with_id = [&](const std::string& id) {
    return std::find_if(calls.begin(), calls.end(), [&](const test::AgentCall& c) { return c.command.id == id; });
  };
  const auto wait = with_id("j7/catch_up/db2");
  const auto reset = with_id("j7/promote/db2/reset_replication");
  ASSERT_NE(wait, calls.end());
  ASSERT_NE(reset, calls.end());
  EXPECT_EQ(reset->command.timeout_ms, 10000u + wait->command.timeout_ms) << "its own 10 s after the wait's";
  EXPECT_EQ(reset->command.args, (protocol::ValueMap{{"applied", std::string("0-1-100")}}))
      << "behind a wait that failed the agent changes nothing";
  EXPECT_EQ(observer.step("promote").detail["commands"][0]["action"], "reset_replication");
}

TEST_F(PivotExecutorTest, CatchUpIsBoundedFromTheFenceNotFromItsOwnStart) {
  agents.latency("db1", "fence_writes", 2500);
  agents.latency("db1", "report_position", 500);
  run();
  const auto wait = command(2);
  ASSERT_EQ(wait.action, "wait_for_position");
  EXPECT_EQ(wait.args.at("timeout_ms"), protocol::Value(std::int64_t{2000}));  // 5000 - 3000 spent fencing
  EXPECT_EQ(wait.timeout_ms, 3000u) << "the command outlives the wait by the read margin";
  EXPECT_EQ(observer.step("catch_up").detail["wait_ms"], 2000);
}

TEST_F(PivotExecutorTest, AFenceSlowerThanTheCatchUpBudgetStillChecksOnceThenRollsBack) {
  agents.latency("db1", "fence_writes", 6000);
  agents.reply("db2", "wait_for_position", {FakeAgents::refused("position_timeout", "0-1-99")});
  EXPECT_EQ(run().state, JobState::rolled_back);
  EXPECT_EQ(command(2).args.at("timeout_ms"), protocol::Value(std::int64_t{0}));
}

TEST_F(PivotExecutorTest, AFailedResetRepointsTheCandidateBackToTheOldPrimary) {
  agents.fail("db2", "reset_replication");
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  auto seq = sent();
  // The switch went out behind the reset and refused (still_replica); as for
  // any switch that may have run, the candidate is made read-only and checked.
  EXPECT_EQ(std::vector<std::string>(seq.begin() + 5, seq.end()),
            (std::vector<std::string>{"db2 set_read_only", "db2 set_read_only", "db2 report_position",
                                      "db1 release_fence", "db1 set_read_only", "db2 change_source"}));
  EXPECT_EQ(observer.step("promote").detail["commands"][1]["error"], "still_replica");
  const auto repoint = command(10);
  EXPECT_EQ(repoint.id, "j7/rollback_candidate_repoint/db2");
  EXPECT_EQ(repoint.args, (protocol::ValueMap{{"host", std::string("10.0.1.11")},
                                              {"port", std::int64_t{3306}},
                                              {"use_gtid", std::string("slave_pos")}}));
  EXPECT_EQ(state_of("promote"), "failed");
  EXPECT_EQ(state_of("rollback_candidate_repoint"), "succeeded");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("db2 replicating from db1"));
}

TEST_F(PivotExecutorTest, ARefusedWritableSwitchMakesTheCandidateReadOnlyBeforeTheOldPrimaryWritable) {
  agents.fail_once("db2", "set_read_only", FakeAgents::refused("mysql_error", "lock wait timeout"));
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(sent_after_promote(), (std::vector<std::string>{"db2 set_read_only", "db2 report_position",
                                                           "db1 release_fence", "db1 set_read_only",
                                                           "db2 change_source"}));
  EXPECT_EQ(command(6).args, (protocol::ValueMap{{"read_only", true}}));
  EXPECT_EQ(command(6).id, "j7/rollback_candidate_read_only/db2");
  EXPECT_EQ(command(7).id, "j7/rollback_candidate_position/db2");
  EXPECT_EQ(command(9).args, (protocol::ValueMap{{"read_only", false}}));
  EXPECT_EQ(outcome.result["rollback"]["steps"].size(), 5u);
}

// The writable switch goes out behind the queued reset before the reset
// answered (issue 22): both are at the candidate's agent at once.
TEST_F(PivotExecutorTest, TheWritableSwitchIsQueuedBehindTheResetBeforeItsAnswer) {
  agents.notify_sent_before_answer();
  agents.rendezvous("*", {"db2 reset_replication", "db2 set_read_only"});
  EXPECT_EQ(run().state, JobState::succeeded);
  EXPECT_TRUE(agents.overlapped("*")) << "promote waited for the reset's answer before its switch";
}

// An agent from before issue 22 refuses applied, having run nothing: once the
// catch-up answered reached, promote sends the reset as before.
TEST_F(PivotExecutorTest, AnOlderAgentsRefusedQueuedResetIsSentAgainAfterTheCatchUp) {
  older_agent("db2", "reset_replication", "applied");
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  const auto calls = agents.calls();
  std::vector<const test::AgentCall*> resets;
  for (const auto& c : calls) {
    if (c.command.action == "reset_replication") resets.push_back(&c);
  }
  ASSERT_EQ(resets.size(), 2u);
  EXPECT_EQ(resets[1]->command.id, "j7/promote/db2/reset_replication_again");
  EXPECT_TRUE(resets[1]->command.args.empty());
  EXPECT_EQ(observer.step("promote").detail["commands"].size(), 4u)
      << "the reset's refusal, the switch's (still_replica: it went out behind it), the reset, the switch";
  EXPECT_EQ(observer.step("promote").detail["commands"][3]["id"], "j7/promote/db2/set_read_only_again");
}

// A candidate that had not applied the position refuses the queued reset
// (position_timeout, nothing changed): the catch-up failed too; rolled back,
// and the candidate, still a replica of the old primary, is not repointed
// (the repoint would wait on the SQL thread that held the catch-up back).
TEST_F(PivotExecutorTest, AQueuedResetRefusedBehindAFailedCatchUpIsRolledBack) {
  agents.reply("db2", "wait_for_position", {FakeAgents::refused("position_timeout", "0-1-99 after 4997 ms")});
  agents.reply("db2", "reset_replication",
               {FakeAgents::refused("position_timeout", "position 0-1-100 not applied: replication left as it was")});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "position_timeout");
  const auto seq = sent();
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "db2 set_read_only"), 0) << "never writable";
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "db2 change_source"), 0) << seq.back();
  EXPECT_EQ(seq.back(), "db1 set_read_only");
}

// ---- exact rollback: the answer to "writable" was lost ----

TEST_F(PivotExecutorTest, ALostWritableAnswerWithNothingWrittenRollsBackCleanly) {
  // The switch ran (or not): no answer. db2 is made read-only, then its
  // position is compared with the captured one: nothing beyond, so undo all.
  lose_writable_answer();
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(sent_after_promote(), (std::vector<std::string>{"db2 set_read_only", "db2 report_position",
                                                           "db1 release_fence", "db1 set_read_only",
                                                           "db2 change_source"}));
  EXPECT_EQ(state_of("rollback_candidate_position"), "succeeded");
  const auto detail = observer.step("rollback_candidate_position").detail;
  EXPECT_EQ(detail["captured"], "0-1-100");
  EXPECT_EQ(detail["position"], "0-1-100");
  EXPECT_EQ(detail["beyond"], "");
  EXPECT_EQ(outcome.result["error"], "no_answer");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("db1 writable again"));
  EXPECT_FALSE(outcome.result["rollback"].contains("candidate_transactions"));
  EXPECT_TRUE(outcome.result.contains("write_blocked_ms"));
}

TEST_F(PivotExecutorTest, ATransactionWrittenOnTheCandidateMeanwhileStopsTheRollbackFenced) {
  // db2 answered nothing to "writable", yet it was: a client wrote 0-2-101
  // and 0-2-102 there before it was made read-only again. Making db1 writable
  // would drop them silently; the job ends failed, fenced, naming them.
  lose_writable_answer();
  agents.reply("db2", "report_position", {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-2-102")},
                                                          {"gtid_executed", std::monostate{}}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "candidate_written");
  EXPECT_EQ(sent_after_promote(), (std::vector<std::string>{"db2 set_read_only", "db2 report_position"}))
      << "db1 must stay read-only and db2 must not be repointed";
  EXPECT_EQ(outcome.result["rollback"]["candidate_transactions"], "0-2-102 (2 past 0-1-100)");
  const auto message = outcome.result["message"].get<std::string>();
  EXPECT_THAT(message, ::testing::HasSubstr("0-2-102"));
  EXPECT_THAT(message, ::testing::HasSubstr("db1 stays fenced"));
  EXPECT_EQ(state_of("rollback_candidate_position"), "failed");
  EXPECT_EQ(observer.step("rollback_candidate_position").detail["beyond"], "0-2-102 (2 past 0-1-100)");
  EXPECT_EQ(outcome.result["rollback"]["steps"].back()["ok"], false);
  EXPECT_FALSE(outcome.result.contains("write_blocked_ms")) << "the window is still open";
}

TEST_F(PivotExecutorTest, OnMySqlTheCandidatesExtraGtidsAreNamed) {
  const std::string uuid1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  const std::string uuid2 = "4f22ab58-71ca-11e1-9e33-c80aa9429563";
  agents.reply("db1", "report_position", {FakeAgents::ok({{"gtid_binlog_pos", std::monostate{}},
                                                          {"gtid_executed", uuid1 + ":1-77"},
                                                          {"fence", std::string("held")}})});
  lose_writable_answer();
  agents.reply("db2", "report_position", {FakeAgents::ok({{"gtid_binlog_pos", std::monostate{}},
                                                          {"gtid_executed", uuid1 + ":1-77," + uuid2 + ":1"}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["rollback"]["candidate_transactions"], uuid2 + ":1");
}

TEST_F(PivotExecutorTest, ACandidatePositionThatCannotBeReadKeepsTheOldPrimaryFenced) {
  lose_writable_answer();
  agents.reply("db2", "report_position", {FakeAgents::no_answer()});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "rollback_failed");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("db1 stays read-only (fenced)"));
  EXPECT_EQ(sent().back(), "db2 report_position");

  // Garbage in the answer is no better than no answer.
  lose_writable_answer();
  agents.reply("db2", "report_position", {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-2")}})});
  outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "rollback_failed");
  EXPECT_EQ(sent().back(), "db2 report_position");
}

TEST_F(PivotExecutorTest, ACandidateThatMayBeWritableKeepsTheOldPrimaryFenced) {
  // No answer to "writable", and the re-fence fails too: db2 may take writes,
  // so making db1 writable could give two writers. Stop, fenced.
  agents.reply("db2", "set_read_only", {FakeAgents::no_answer(), FakeAgents::no_answer()});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "rollback_failed");
  auto seq = sent();
  EXPECT_EQ(std::vector<std::string>(seq.begin() + 5, seq.end()),
            (std::vector<std::string>{"db2 set_read_only", "db2 set_read_only"}));
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("db1 stays read-only"));
  EXPECT_EQ(state_of("rollback_candidate_read_only"), "failed");
  EXPECT_FALSE(outcome.result.contains("write_blocked_ms")) << "the window is still open";
}

TEST_F(PivotExecutorTest, AFailedUndoEndsTheJobFailedNotRolledBack) {
  agents.reply("db1", "fence_writes", {FakeAgents::no_answer()});
  agents.reply("db1", "set_read_only", {FakeAgents::no_answer()});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "rollback_failed");
  EXPECT_EQ(outcome.result["rollback"]["steps"][0]["step"], "rollback_release_fence");
  EXPECT_EQ(outcome.result["rollback"]["steps"][1]["ok"], false);
  EXPECT_EQ(state_of("rollback_old_primary_writable"), "failed");
}

// ---- once the candidate is writable: roll forward ----

TEST_F(PivotExecutorTest, AFailingPostPromoteHookIsReportedAndThePivotCompletes) {
  input.spec.hooks.post_promote = "/hooks/route";
  hooks.outcome("/hooks/route", test::FakeHooks::exits(1, 40));
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "hook_failed");
  EXPECT_EQ(to_json(outcome.result["failed_steps"]), nlohmann::json::array({"post_promote"}));
  EXPECT_EQ(sent().size(), 17u) << "unfence, repoint, demote and verify still ran";
  EXPECT_EQ(state_of("post_promote"), "failed");
  EXPECT_EQ(state_of("verify"), "succeeded");
  EXPECT_EQ(outcome.result["new_primary"], "db2");
}

TEST_F(PivotExecutorTest, AFailingPostPivotHookEndsTheJobFailed) {
  input.spec.hooks.post_pivot = "/hooks/notify";
  hooks.outcome("/hooks/notify", test::FakeHooks::exits(2));
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(to_json(outcome.result["failed_steps"]), nlohmann::json::array({"post_pivot"}));
  EXPECT_EQ(state_of("verify"), "succeeded");
}

TEST_F(PivotExecutorTest, ARepointFailingOnOneNodeLeavesTheOthersRepointed) {
  agents.rendezvous("change_source", {"db3", "db4"});  // db4 is not held up by db3's failure
  agents.reply("db3", "change_source", {FakeAgents::no_answer()});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_TRUE(agents.overlapped("change_source"));
  EXPECT_EQ(state_of("repoint_replicas"), "failed");
  auto commands = observer.step("repoint_replicas").detail["commands"];
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0]["node"], "db3");
  EXPECT_EQ(commands[0]["error"], "no_answer");
  EXPECT_EQ(commands[1]["node"], "db4");
  EXPECT_EQ(commands[1]["ok"], true);
  EXPECT_EQ(state_of("demote_old_primary"), "succeeded");
  EXPECT_EQ(outcome.result["error"], "no_answer");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("change_source on db3"));
}

TEST_F(PivotExecutorTest, AFailingDemotionIsReportedAndVerifyStillRuns) {
  agents.fail("db1", "change_source");
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(state_of("demote_old_primary"), "failed");
  EXPECT_EQ(state_of("verify"), "succeeded");
}

TEST_F(PivotExecutorTest, VerifyFailsWhenANodeDoesNotReachTheNewPrimarysPosition) {
  agents.reply("db2", "report_position", {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-2-5")}})});
  agents.fail("db3", "wait_for_position", "position_timeout");
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(state_of("verify"), "failed");
  EXPECT_EQ(observer.step("verify").detail["position"], "0-2-5");
  EXPECT_EQ(outcome.result["error"], "position_timeout");
  EXPECT_EQ(to_json(outcome.result["failed_steps"]), nlohmann::json::array({"verify"}));
}

TEST_F(PivotExecutorTest, VerifyNamesTheBrokenReplicaAndTheServersError) {
  agents.reply("db3", "wait_for_position",
               {FakeAgents::refused("replication_stopped",
                                    "replication stopped before position 0-1-100 was reached: IO thread no, SQL "
                                    "thread yes; IO error 1236: Got fatal error 1236 from master")});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "replication_stopped");
  EXPECT_THAT(outcome.result["message"].get<std::string>(),
              ::testing::HasSubstr("wait_for_position on db3 failed (replication_stopped): replication stopped"));
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("IO error 1236"));
}

// db4 a delayed backup its operator stopped; db3 with only its SQL thread stopped.
TEST_F(PivotExecutorTest, VerifyDoesNotWaitForReplicasStoppedOrDelayedOnlyForTheirRepoint) {
  agents.reply("db4", "change_source",
               {FakeAgents::ok({{"started", false}, {"io_started", false}, {"sql_started", false},
                                {"sql_delay", std::int64_t{3600}}})});
  agents.reply("db3", "change_source",
               {FakeAgents::ok({{"started", true}, {"io_started", true}, {"sql_started", false},
                                {"sql_delay", std::int64_t{0}}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  auto seq = sent();
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "db4 wait_for_position"), 0);
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "db3 wait_for_position"), 0);
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "db1 wait_for_position"), 1)
      << "the demoted old primary runs both threads: it is waited for";
  EXPECT_EQ(to_json(observer.step("verify").detail["not_waited"]),
            nlohmann::json::parse(R"([{"node": "db3", "reason": "SQL thread left stopped, as the operator had it"},
              {"node": "db4", "reason": "replication left stopped, as the operator had it; delayed 3600 s"}])"));
}

TEST_F(PivotExecutorTest, ADelayedReplicaThatRunsIsNotWaitedForEither) {
  agents.reply("db3", "change_source",
               {FakeAgents::ok({{"started", true}, {"io_started", true}, {"sql_started", true},
                                {"sql_delay", std::int64_t{60}}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(to_json(observer.step("verify").detail["not_waited"]),
            nlohmann::json::parse(R"([{"node": "db3", "reason": "delayed 60 s"}])"));
}

TEST_F(PivotExecutorTest, VerifyFailsWhenTheNewPrimaryGivesNoPosition) {
  agents.reply("db2", "report_position", {FakeAgents::no_answer()});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(state_of("verify"), "failed");
  EXPECT_EQ(sent().back(), "db2 report_position");
}

TEST_F(PivotExecutorTest, WriteBlockedRunsFromTheFenceToTheEndOfPostPromote) {
  agents.latency("db1", "fence_writes", 25);  // read_only and the lock
  agents.latency("db1", "report_position", 5);  // capture and confirm
  agents.latency("db1", "kill_connections", 20);  // after the window: not counted
  agents.latency("db2", "wait_for_position", 100);
  agents.latency("db2", "reset_replication", 7);
  agents.latency("db2", "set_read_only", 8);
  agents.latency("db3", "change_source", 500);  // after the window: not counted
  EXPECT_EQ(run().result["write_blocked_ms"], 150);

  input.spec.hooks.post_promote = "/hooks/route";
  hooks.outcome("/hooks/route", test::FakeHooks::exits(0, 50));
  EXPECT_EQ(run().result["write_blocked_ms"], 200);
}

TEST_F(PivotExecutorTest, MySqlIsRepointedWithAutoPosition) {
  const std::string set = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77";
  for (const char* node : {"db1", "db2"}) {
    agents.reply(node, "report_position", {FakeAgents::ok({{"gtid_binlog_pos", std::monostate{}},
                                                           {"gtid_executed", set}, {"read_only", true},
                                                           {"fence", std::string("held")}})});
  }
  EXPECT_EQ(run().state, JobState::succeeded);
  EXPECT_EQ(command(2).args.at("position"), protocol::Value(set));
  for (const auto& c : agents.calls()) {
    if (c.command.action == "change_source") {
      EXPECT_EQ(c.command.args.at("use_gtid"), protocol::Value(std::string("auto_position"))) << c.node;
    }
  }
}

TEST_F(PivotExecutorTest, AnEmptyPositionHasNothingToWaitFor) {
  agents.reply("db1", "report_position",
               {FakeAgents::ok({{"gtid_binlog_pos", std::string("")}, {"fence", std::string("held")}})});
  EXPECT_EQ(run().state, JobState::succeeded);
  EXPECT_EQ(sent()[2], "db1 report_position") << "no catch-up, straight to confirm_fence";
  EXPECT_EQ(sent()[3], "db2 reset_replication");
  EXPECT_EQ(observer.step("catch_up").detail["reached"], true);
}

// confirm_fence's report_position goes out beside the catch-up's wait (issue
// 22): with a catch-up that answers within 20 ms of it, its answer is the
// look before promote; a slower one (a lagging candidate) asks again.
TEST_F(PivotExecutorTest, AConfirmSentBesideAQuickCatchUpIsNotAskedAgain) {
  agents.notify_sent_before_answer();
  agents.latency("db2", "wait_for_position", 10);
  EXPECT_EQ(run().state, JobState::succeeded);
  const auto seq = sent();
  EXPECT_EQ(std::vector<std::string>(seq.begin(), seq.begin() + 6), kForward);
  const auto& confirm = observer.step("confirm_fence");
  EXPECT_EQ(confirm.detail["sent_with"], "catch_up");
  EXPECT_LE(confirm.detail["age_ms"].get<std::uint64_t>(), 20u);
  EXPECT_FALSE(confirm.detail.contains("asked_again"));
  EXPECT_EQ(confirm.detail["commands"].size(), 1u);
}

TEST_F(PivotExecutorTest, AConfirmOlderThanTheCatchUpIsAskedAgainBeforePromote) {
  agents.notify_sent_before_answer();
  agents.latency("db2", "wait_for_position", 50);
  EXPECT_EQ(run().state, JobState::succeeded);
  const auto seq = sent();
  EXPECT_EQ(std::vector<std::string>(seq.begin(), seq.begin() + 7),
            (std::vector<std::string>{"db1 fence_writes", "db1 report_position", "db2 wait_for_position",
                                      "db1 report_position", "db2 reset_replication", "db1 report_position",
                                      "db2 set_read_only"}));
  EXPECT_EQ(command(5).id, "j7/confirm_fence/db1/again");
  const auto& confirm = observer.step("confirm_fence");
  EXPECT_GE(confirm.detail["age_ms"].get<std::uint64_t>(), 50u);
  EXPECT_EQ(confirm.detail["asked_again"], true);
  EXPECT_EQ(confirm.detail["commands"].size(), 2u);
}

TEST_F(PivotExecutorTest, AFenceLostDuringASlowCatchUpIsSeenByTheSecondLook) {
  agents.notify_sent_before_answer();
  agents.latency("db2", "wait_for_position", 50);
  agents.reply("db1", "report_position",
               {FakeAgents::ok(FakeAgents::default_detail("report_position")),  // capture
                FakeAgents::ok(FakeAgents::default_detail("report_position")),  // beside the wait
                FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-101")}, {"fence", std::string("held")}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "fence_lost");
  const auto seq = sent();
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "db2 set_read_only"), 0) << "db2 must never become writable";
}

// ---- the fence's lifetime (issue 12): the lock, its confirmation, its release ----

TEST_F(PivotExecutorTest, AFenceLostBeforePromoteRollsBack) {
  // db1's fence session died during the catch-up: a commit may have escaped
  // the captured position, so the candidate must not become writable.
  agents.reply("db1", "report_position",
               {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-100")}, {"fence", std::string("held")}}),
                FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-100")}, {"fence", std::string("lost")}})});
  agents.reply("db1", "release_fence", {FakeAgents::refused("fence_lost", "the fence's session ended")});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "fence_lost");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("is lost (not held)"));
  EXPECT_EQ(sent(), (std::vector<std::string>{"db1 fence_writes", "db1 report_position", "db2 wait_for_position",
                                             "db1 report_position", "db2 reset_replication", "db1 release_fence",
                                             "db1 set_read_only", "db2 change_source"}))
      << "never writable; the lost lock is forgotten, db1 made writable and db2 its replica again";
  EXPECT_EQ(state_of("confirm_fence"), "failed");
  EXPECT_EQ(observer.step("confirm_fence").detail["fence"], "lost");
}

TEST_F(PivotExecutorTest, AnOldPrimaryThatMovedWhileFencedRollsBack) {
  agents.reply("db1", "report_position",
               {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-100")}, {"fence", std::string("held")}}),
                FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-101")}, {"fence", std::string("held")}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "fence_lost");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("to 0-1-101 while fenced"));
  const auto seq = sent();
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "db2 set_read_only"), 0) << "db2 must never become writable";
}

TEST_F(PivotExecutorTest, AnAgentThatDoesNotSayItsFenceCountsAsLost) {
  agents.reply("db1", "report_position", {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-100")}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back);
  EXPECT_EQ(observer.step("confirm_fence").detail["fence"], "unknown");
}

TEST_F(PivotExecutorTest, ClientSessionsAreKilledAfterTheTrafficSwitchAndBeforeTheRelease) {
  input.spec.hooks.post_promote = "/hooks/route";
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  auto names = step_names();
  auto at = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) - names.begin(); };
  EXPECT_LT(at("post_promote"), at("fence_kill_connections"));
  EXPECT_EQ(at("fence_kill_connections") + 1, at("release_fence"));
  EXPECT_LT(at("release_fence"), at("demote_old_primary")) << "the lock would hold the demotion's commits";
  EXPECT_EQ(sent_after_promote().at(0), "db1 kill_connections");
  EXPECT_EQ(sent_after_promote().at(1), "db1 release_fence");
}

TEST_F(PivotExecutorTest, SessionsThatCannotBeKilledKeepTheLockHeld) {
  agents.reply("db1", "kill_connections", {FakeAgents::refused("mysql_error", "error 1095")});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  const auto seq = sent();
  EXPECT_EQ(std::count(seq.begin(), seq.end(), "db1 release_fence"), 0)
      << "releasing would let the queued sessions commit on the old primary";
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("keeps its fence lock"));
  EXPECT_EQ(outcome.result["new_primary"], "db2");
}

TEST_F(PivotExecutorTest, AFenceLostAfterPromoteIsReported) {
  agents.reply("db1", "release_fence", {FakeAgents::refused("fence_lost", "the fence's lease passed")});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "fence_lost");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("after the promotion"));
  EXPECT_EQ(state_of("verify_old_primary"), "succeeded") << "nothing got through: verify says so";
  EXPECT_EQ(state_of("demote_old_primary"), "succeeded") << "the pivot rolls forward";
}

TEST_F(PivotExecutorTest, VerifyNamesWhatTheOldPrimaryCommittedAfterTheFence) {
  // A client pinned to db1's address wrote 0-1-101 after the release; db2
  // (now writing 0-2-...) never got it.
  agents.reply("db1", "report_position",
               {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-100")}, {"fence", std::string("held")}}),
                FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-100")}, {"fence", std::string("held")}}),
                FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-101")}, {"fence", std::string("none")}})});
  agents.reply("db2", "report_position", {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-2-130")}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "old_primary_written");
  EXPECT_EQ(observer.step("verify_old_primary").detail["transactions"], "0-1-101 (1 past 0-1-100)");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("db1 committed transactions"));
}

TEST_F(PivotExecutorTest, WhatTheOldPrimaryReplicatedFromTheNewOneIsNotCountedAsItsOwn) {
  agents.reply("db1", "report_position",
               {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-100")}, {"fence", std::string("held")}}),
                FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-100")}, {"fence", std::string("held")}}),
                FakeAgents::ok({{"gtid_binlog_pos", std::string("0-2-120")}, {"fence", std::string("none")}})});
  agents.reply("db2", "report_position", {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-2-130")}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(observer.step("verify_old_primary").detail["transactions"], "");
}

TEST_F(PivotExecutorTest, ThePositionReadUnderTheLockIsCapturedWithoutAnotherRoundTrip) {
  // Agents read the position in fence_writes, lock held (the fakes' default
  // answer lacks it, as an older agent's would: capture then asks again).
  agents.reply("db1", "fence_writes",
               {FakeAgents::ok({{"lock", std::string("backup_stage_block_commit")}, {"held", true},
                                {"gtid_binlog_pos", std::string("0-1-100")}, {"gtid_executed", std::monostate{}}})});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  auto seq = sent();
  EXPECT_EQ(std::vector<std::string>(seq.begin(), seq.begin() + 5),
            (std::vector<std::string>{"db1 fence_writes", "db2 wait_for_position", "db1 report_position",
                                      "db2 reset_replication", "db2 set_read_only"}));
  EXPECT_EQ(observer.step("capture_position").detail["position"], "0-1-100");
  EXPECT_EQ(observer.step("capture_position").detail["from"], "fence_read_only");
  EXPECT_EQ(command(2).id, "j7/confirm_fence/db1");
}

TEST_F(PivotExecutorTest, ConfirmFenceAndTheCandidatesResetGoOutTogether) {
  // The position comes with the lock, so the only db1 report_position before
  // promote is confirm_fence's; it and db2's reset wait for each other.
  agents.reply("db1", "fence_writes",
               {FakeAgents::ok({{"lock", std::string("backup_stage_block_commit")}, {"held", true},
                                {"gtid_binlog_pos", std::string("0-1-100")}})});
  agents.rendezvous("*", {"db1 report_position", "db2 reset_replication"});
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_TRUE(agents.overlapped("*")) << "confirm_fence and the reset were sent one after the other";
  const auto seq = sent();
  EXPECT_EQ(std::find(seq.begin(), seq.end(), "db2 set_read_only") - seq.begin(), 4)
      << "writable only after both answered";
}

// ---- the ports: the hold on the cluster, the journal ----

// Checks, as each command goes out, what the journal holds already.
class JournalCheckingAgents : public AgentPort {
 public:
  JournalCheckingAgents(AgentPort& agents, MemoryJournal& journal) : agents_(agents), journal_(journal) {}
  Result<protocol::CommandResult> call(const std::string& cluster, const std::string& node,
                                       const protocol::Command& command) override {
    bool journaled = false;
    bool synced = false;  // its own entry durable, or a durable one after it (whose fsync took it along)
    std::string last_started;
    for (const auto& e : journal_.entries()) {
      const bool command_entry = e.kind == JournalEntry::Kind::command_sent;
      if (command_entry && e.state == command.id) {
        journaled = true;
        synced = e.durable;
      } else if (journaled && command_entry && e.durable) {
        synced = true;
      }
      if (e.kind == JournalEntry::Kind::step_started) last_started = e.detail;
    }
    std::lock_guard lock(mutex_);
    if (!journaled) not_journaled.push_back(command.id);
    started_when_sent[command.id] = last_started;
    synced_when_sent[command.id] = synced;
    return agents_.call(cluster, node, command);
  }
  std::mutex mutex_;
  std::vector<std::string> not_journaled;
  std::map<std::string, std::string> started_when_sent;  // command id -> the last step journaled as started
  std::map<std::string, bool> synced_when_sent;          // command id -> its id on disk as it went out

 private:
  AgentPort& agents_;
  MemoryJournal& journal_;
};

class PivotPortsTest : public PivotExecutorTest {
 protected:
  PivotJobOutcome run_with_ports() {
    PivotExecutor executor(checking, hooks, source, clock, observer, lock, journal);
    return executor.run(input);
  }
  test::FakeJobLock lock;
  MemoryJournal journal;
  JournalCheckingAgents checking{agents, journal};
};

TEST_F(PivotPortsTest, TheHoldIsCheckedBeforeCheckTheFencePromotePostPromoteAndVerifyOldPrimary) {
  EXPECT_EQ(run_with_ports().state, JobState::succeeded);
  EXPECT_EQ(lock.asked, std::vector<std::string>(5, "sms-1 j7"));
}

TEST_F(PivotPortsTest, AHoldLostBeforeTheFenceStopsWithNothingSent) {
  lock.lost_from = 2;  // asked before check, then at the commit point (a cancel)
  auto outcome = run_with_ports();
  EXPECT_EQ(outcome.state, JobState::failed) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "hold_lost");
  EXPECT_TRUE(sent().empty()) << "a command went out after the job was cancelled";
  EXPECT_EQ(observer.step("fence_read_only").name, "(absent)");
}

TEST_F(PivotPortsTest, AHoldLostBeforePromoteRollsBackAndTheCandidateIsNeverWritable) {
  lock.lost_from = 3;  // asked before check, the fence, then promote
  auto outcome = run_with_ports();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "hold_lost");
  EXPECT_EQ(outcome.result["rollback"]["failed_step"], "promote");
  auto expected = std::vector<std::string>(kForward.begin(), kForward.begin() + 5);
  for (const char* undo : {"db1 release_fence", "db1 set_read_only", "db2 change_source"}) expected.push_back(undo);
  EXPECT_EQ(sent(), expected) << "the reset sent with confirm_fence is undone; db2 never made writable";
  EXPECT_EQ(observer.step("promote").name, "(absent)");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), ::testing::HasSubstr("db1 writable again"));
}

TEST_F(PivotPortsTest, AHoldLostAfterPromoteRollsForwardAndTheJobFails) {
  lock.lost_from = 4;  // asked before post_promote
  auto outcome = run_with_ports();
  EXPECT_EQ(outcome.state, JobState::failed) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "hold_lost");
  // A lost hold stays lost: each later edge says so too.
  EXPECT_EQ(to_json(outcome.result["failed_steps"]), nlohmann::json::array({"post_promote", "verify_old_primary"}));
  EXPECT_EQ(step_names(), pivot_plan_steps()) << "every step still runs: the cluster ends whole";
  EXPECT_FALSE(outcome.result.contains("rollback"));
}

TEST_F(PivotPortsTest, AHoldLostBeforeTheCheckChangesNothing) {
  lock.lost_from = 1;
  auto outcome = run_with_ports();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "hold_lost");
  EXPECT_TRUE(agents.calls().empty());
  EXPECT_TRUE(source.calls.empty());
}

TEST_F(PivotPortsTest, TheJournalHasEveryCommandIdBeforeItGoesOutWithinItsStep) {
  EXPECT_EQ(run_with_ports().state, JobState::succeeded);
  EXPECT_TRUE(checking.not_journaled.empty()) << ::testing::PrintToString(checking.not_journaled);
  ASSERT_EQ(checking.started_when_sent.size(), agents.calls().size());
  for (const auto& [id, started] : checking.started_when_sent) {
    if (id == "j7/promote/db2/reset_replication") {
      // Queued by catch_up on a thread of its own: it may reach the agent once a later step started.
      EXPECT_THAT(started, ::testing::AnyOf("catch_up", "confirm_fence", "promote"));
    } else if (id == "j7/confirm_fence/db1") {
      // Sent by catch_up beside its wait, on a thread of its own; confirm_fence reads its answer.
      EXPECT_THAT(started, ::testing::AnyOf("catch_up", "confirm_fence"));
    } else {
      EXPECT_EQ(started, step_of_command(id)) << id;
    }
  }
  const auto entries = journal.entries("j7");
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.front().kind, JournalEntry::Kind::job_created);
  EXPECT_EQ(entries.front().detail, "sms-1");
  EXPECT_EQ(entries.back().kind, JournalEntry::Kind::job_finished);
  EXPECT_EQ(entries.back().state, "succeeded");
  std::vector<std::string> finished;
  for (const auto& e : entries) {
    if (e.kind == JournalEntry::Kind::step_finished) finished.push_back(e.detail);
    if (e.kind == JournalEntry::Kind::step_started && e.detail == "catch_up") {
      EXPECT_EQ(e.deadline_ms, 6000u) << "catch_up_timeout_ms and the read margin";
    }
  }
  EXPECT_EQ(finished, pivot_plan_steps());
}

// Reads and waits change nothing that recovery would undo: their ids are
// journaled without an fsync of their own (issue 22). So is promote's
// writable switch, written ahead with the reset it queues behind, whose
// fsync takes it to disk. Every command that changes something has its id
// on disk before it goes out.
TEST_F(PivotPortsTest, OnlyCommandsThatChangeSomethingWaitForTheirIdOnDisk) {
  EXPECT_EQ(run_with_ports().state, JobState::succeeded);
  std::map<std::string, std::string> action_of;
  for (const auto& c : agents.calls()) action_of[c.command.id] = c.command.action;
  const std::string switch_id = "j7/promote/db2/set_read_only";
  std::size_t reads = 0;
  std::vector<std::string> ids;
  for (const auto& e : journal.entries("j7")) {
    if (e.kind != JournalEntry::Kind::command_sent) continue;
    ids.push_back(e.state);
    const std::string& action = action_of.at(e.state);
    const bool read = action == "report_position" || action == "wait_for_position" || action == "ping";
    EXPECT_EQ(e.durable, !read && e.state != switch_id) << e.state << " (" << action << ")";
    EXPECT_TRUE(read || checking.synced_when_sent.at(e.state)) << e.state << " went out before its id was on disk";
    reads += read ? 1 : 0;
  }
  EXPECT_GE(reads, 4u) << "capture, catch-up, confirm, verify";
  EXPECT_EQ(std::count(ids.begin(), ids.end(), switch_id), 1) << "written ahead, not again as it went out";
  const auto at = [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) - ids.begin(); };
  EXPECT_EQ(at(switch_id) + 1, at("j7/promote/db2/reset_replication")) << "the switch rides on the reset's fsync";
}

TEST_F(PivotPortsTest, TheJournalHasTheRollbackStepsAndTheJobsEnd) {
  agents.fail("db2", "reset_replication");
  EXPECT_EQ(run_with_ports().state, JobState::rolled_back);
  EXPECT_TRUE(checking.not_journaled.empty());
  EXPECT_EQ(checking.started_when_sent.at("j7/rollback_candidate_repoint/db2"), "rollback_candidate_repoint");
  EXPECT_EQ(journal.entries("j7").back().state, "rolled_back");
}

}  // namespace
}  // namespace pivot::controller
