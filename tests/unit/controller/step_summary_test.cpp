// Every step of a pivot reads as a sentence (issue 11): first a whole pivot
// against fake agents, as pivotctl shows it; then the branches one by one.
#include "pivot/controller/step_summary.hpp"

#include <gtest/gtest.h>

#include "fake_ports.hpp"
#include "pivot/controller/pivot_executor.hpp"

namespace pivot::controller {
namespace {

using test::FakeAgents;

ClusterSpec three_nodes() {
  ClusterSpec spec;
  spec.name = "sms-1";
  spec.nodes = {{"db1", "127.0.0.1", 22497, "a", Role::primary, 0},
                {"db2", "127.0.0.1", 22498, "b", Role::replica, 10},
                {"db3", "127.0.0.1", 22499, "c", Role::replica, 0}};
  spec.policy.catch_up_timeout_ms = 5000;
  spec.policy.hook_timeout_ms = 5000;
  spec.hooks.post_promote = "/etc/pivot/hooks/route-traffic";
  return spec;
}

class StepSummaryPivot : public ::testing::Test {
 protected:
  StepSummaryPivot() {
    source.status.eligible = true;
    source.status.primary = "db1";
    source.status.candidate = "db2";
    input.job_id = "j1";
    input.spec = three_nodes();
    agents.reply("db1", "report_position",
                 {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-1-228")}, {"read_only", true},
                                  {"fence", std::string("held")}})});
    agents.reply("db2", "report_position",
                 {FakeAgents::ok({{"gtid_binlog_pos", std::string("0-2-229")}, {"read_only", false}})});
    agents.reply("db1", "kill_connections",
                 {FakeAgents::ok({{"killed", std::int64_t{1}}, {"remaining", std::int64_t{0}}})});
    agents.reply("db2", "reset_replication",
                 {FakeAgents::ok({{"had_source", true},
                                  {"previous_source_host", std::string("127.0.0.1")},
                                  {"previous_source_port", std::int64_t{22497}}})});
    agents.reply("db1", "change_source",
                 {FakeAgents::ok({{"started", true}, {"gtid_slave_pos", std::string("0-1-228")}})});
    HookOutcome route = test::FakeHooks::exits(0, 4);
    route.output = "route -> 127.0.0.1:22498";
    hooks.outcome("/etc/pivot/hooks/route-traffic", route);
  }

  std::string summary(const std::string& step) { return observer.step(step).summary; }

  test::ManualClock clock;
  FakeAgents agents{clock};
  test::FakeHooks hooks{clock};
  test::FakeClusterSource source;
  test::RecordingObserver observer;
  PivotJobInput input;
};

// An agent from before ping answers unknown_action (plan::ping_answered): it
// took the command, and the check's sentence says so as for any other.
TEST_F(StepSummaryPivot, AnOldAgentsUnknownPingStillReadsAsAnswered) {
  agents.reply("db1", "ping", {FakeAgents::refused("unknown_action", "action 'ping' has no implementation")});
  PivotExecutor executor(agents, hooks, source, clock, observer);
  const auto outcome = executor.run(input);
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(summary("check"), "db2 chosen to replace db1; every check passed; both agents answered a command");
}

TEST_F(StepSummaryPivot, ASuccessfulPivotReadsAsSentences) {
  PivotExecutor executor(agents, hooks, source, clock, observer);
  const auto outcome = executor.run(input);
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);

  EXPECT_EQ(summary("check"), "db2 chosen to replace db1; every check passed; both agents answered a command");
  EXPECT_EQ(summary("pre_pivot"), "no pre_pivot hook in the spec");
  // The fence is one command (issue 22): fence_lock only says what it took.
  EXPECT_EQ(summary("fence_read_only"),
            "db1 read-only (was writable), its commits held (BACKUP STAGE BLOCK_COMMIT, took 1 ms)");
  EXPECT_EQ(summary("fence_lock"),
            "db1's commits held by fence_read_only's command (BACKUP STAGE BLOCK_COMMIT, took 1 ms)");
  EXPECT_EQ(summary("capture_position"), "db1's final position: 0-1-228");
  EXPECT_EQ(summary("catch_up"), "db2 caught up to 0-1-228 in 2 ms");
  EXPECT_EQ(summary("confirm_fence"), "db1 still fenced at 0-1-228");
  EXPECT_EQ(summary("fence_kill_connections"), "1 client session killed on db1");
  EXPECT_EQ(summary("release_fence"), "db1's commits released");
  EXPECT_EQ(summary("promote"), "db2 stopped replicating from 127.0.0.1:22497; db2 writable (was read-only)");
  EXPECT_EQ(summary("post_promote"), "route -> 127.0.0.1:22498");
  EXPECT_EQ(summary("repoint_replicas"), "db3 now replicates from 127.0.0.1:22498");
  EXPECT_EQ(summary("demote_old_primary"), "db1 replicates from 127.0.0.1:22498, starting at its own position 0-1-228");
  EXPECT_EQ(summary("verify"), "every node reached the new primary's position 0-2-229");
  EXPECT_EQ(summary("verify_old_primary"), "db1 committed nothing after the fence (captured 0-1-228)");
  for (const auto& step : observer.finished()) {
    EXPECT_FALSE(step.summary.empty()) << step.name;
    EXPECT_EQ(step.summary.find('{'), std::string::npos) << step.name << ": " << step.summary;
  }
}

// policy.durability semi_sync: the promotion turns the candidate's source
// side on in the same command as read_only off, with the policy's timeout,
// and its sentence says whether the first write waits for a replica.
TEST_F(StepSummaryPivot, ASemiSyncPromotionSaysWhetherTheSourceSideIsActive) {
  input.spec.policy.durability = Durability::semi_sync;
  agents.reply("db2", "set_read_only",
               {FakeAgents::ok({{"read_only", false}, {"changed", true}, {"semi_sync_source_active", true}})});
  PivotExecutor executor(agents, hooks, source, clock, observer);
  ASSERT_EQ(executor.run(input).state, JobState::succeeded);
  EXPECT_EQ(summary("promote"),
            "db2 stopped replicating from 127.0.0.1:22497; db2 writable (was read-only), semi-sync source side active");
  bool sent = false;
  for (const auto& call : agents.calls()) {
    if (call.node != "db2" || call.command.action != "set_read_only") continue;
    sent = true;
    EXPECT_EQ(call.command.args.at("semi_sync_timeout_ms"),
              protocol::Value(static_cast<std::int64_t>(semi_sync_timeout_ms(input.spec.policy))));
  }
  EXPECT_TRUE(sent);
  EXPECT_EQ(semi_sync_timeout_ms(input.spec.policy), 3000u + 2 * 5000 + 5000 + 10000)
      << "detection, two hooks, the catch-up and 10 s of commands";
}

TEST_F(StepSummaryPivot, APositionReadUnderTheLockSaysSo) {
  agents.reply("db1", "fence_writes",
               {FakeAgents::ok({{"lock", std::string("backup_stage_block_commit")}, {"held", true},
                                {"waited_ms", std::int64_t{2}}, {"gtid_binlog_pos", std::string("0-1-228")}})});
  PivotExecutor executor(agents, hooks, source, clock, observer);
  ASSERT_EQ(executor.run(input).state, JobState::succeeded);
  EXPECT_EQ(summary("capture_position"), "db1's final position: 0-1-228 (read under the fence's lock)");
  EXPECT_EQ(summary("fence_lock"),
            "db1's commits held by fence_read_only's command (BACKUP STAGE BLOCK_COMMIT, took 2 ms)");
}

TEST_F(StepSummaryPivot, AReplicaTheOperatorStoppedIsNamedAsNotWaitedFor) {
  agents.reply("db3", "change_source",
               {test::FakeAgents::ok({{"started", false}, {"io_started", false}, {"sql_started", false},
                                      {"sql_delay", std::int64_t{3600}}})});
  PivotExecutor executor(agents, hooks, source, clock, observer);
  ASSERT_EQ(executor.run(input).state, JobState::succeeded);
  EXPECT_EQ(summary("repoint_replicas"),
            "db3 now replicates from 127.0.0.1:22498 (db3 left stopped, as the operator had them)");
  EXPECT_EQ(summary("verify"),
            "every node waited for reached the new primary's position 0-2-229; db3 not waited for (replication left stopped, "
            "as the operator had it; delayed 3600 s)");
}

TEST_F(StepSummaryPivot, AFailedStepReadsAsItsFailureAndTheUndoAsWhatWasRestored) {
  agents.fail("db2", "wait_for_position", "position_timeout");
  PivotExecutor executor(agents, hooks, source, clock, observer);
  const auto outcome = executor.run(input);
  ASSERT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(summary("catch_up"), "catch_up: wait_for_position on db2 failed (position_timeout): the server said no");
  EXPECT_EQ(summary("rollback_old_primary_writable"), "db1 writable (was read-only)");
}

JobStep step_of(const std::string& name, StepState state, Detail detail) {
  JobStep s;
  s.name = name;
  s.state = state;
  s.detail = std::move(detail);
  return s;
}

Detail command(const std::string& node, const std::string& action, Detail args, Detail detail, bool ok = true) {
  return {{"node", node}, {"action", action}, {"args", std::move(args)}, {"ok", ok}, {"detail", std::move(detail)}};
}

TEST(StepSummary, ReplicasLeftStoppedAreSaid) {
  const Detail to_db2{{"host", "127.0.0.1"}, {"port", 22498}};
  auto s = step_of("repoint_replicas", StepState::succeeded,
                   {{"commands", Detail::array({command("db3", "change_source", to_db2, {{"started", true}}),
                                              command("db4", "change_source", to_db2, {{"started", false}})})}});
  EXPECT_EQ(step_summary(s),
            "db3 and db4 now replicate from 127.0.0.1:22498 (db4 left stopped, as the operator had them)");
}

TEST(StepSummary, ADemotedSemiSyncPrimarySaysItsSourceSideIsOff) {
  auto s = step_of("demote_old_primary", StepState::succeeded,
                   {{"commands", Detail::array({command("db1", "change_source",
                                                        {{"host", "127.0.0.1"}, {"port", 22498},
                                                         {"seed_gtid_slave_pos", true}, {"semi_sync_source_off", true}},
                                                        {{"started", true}, {"gtid_slave_pos", "0-1-228"},
                                                         {"semi_sync_source_off", true}})})}});
  EXPECT_EQ(step_summary(s),
            "db1 replicates from 127.0.0.1:22498, starting at its own position 0-1-228, its semi-sync source side off");
}

// The rejoin job's judge and a recovered failover's recover read as their sentences.
TEST(StepSummary, ARejoinsJudgeAndAFailoversRecoveryReadAsTheirSentences) {
  auto judge = step_of("judge", StepState::succeeded,
                       {{"verdict", "needs_rebuild"},
                        {"reasons", Detail::array({"db1 holds 1 transaction db2 lacks (0-1-101): needs rebuild."})}});
  EXPECT_EQ(step_summary(judge), "db1 holds 1 transaction db2 lacks (0-1-101): needs rebuild.");
  auto recover = step_of("recover", StepState::succeeded,
                         {{"way", "roll_forward"},
                          {"interrupted", "repoint"},
                          {"outcome", "pivotd stopped in repoint after promote began: rolls forward with db2"}});
  EXPECT_EQ(step_summary(recover), "pivotd stopped in repoint after promote began: rolls forward with db2");
}

TEST(StepSummary, NothingToWaitForOrKillSaysSo) {
  auto catch_up = step_of("catch_up", StepState::succeeded,
                          {{"position", "0-2-350"},
                           {"commands", Detail::array({command("db1", "wait_for_position", {{"position", "0-2-350"}},
                                                             {{"reached", true}, {"waited_ms", 0}})})}});
  EXPECT_EQ(step_summary(catch_up), "db1 already had 0-2-350");
  auto kill = step_of("fence_kill_connections", StepState::succeeded,
                      {{"commands", Detail::array({command("db2", "kill_connections", Detail::object(),
                                                         {{"killed", 0}, {"remaining", 0}})})}});
  EXPECT_EQ(step_summary(kill), "no client session to kill on db2");
}

TEST(StepSummary, TheReleaseSaysWhatItsSweepFound) {
  auto release = [](Detail detail) {
    detail["was"] = "held";
    return step_summary(step_of("release_fence", StepState::succeeded,
                                {{"commands", Detail::array({command("db1", "release_fence", {{"kill_clients", true}},
                                                                   std::move(detail))})}}));
  };
  EXPECT_EQ(release({{"swept", 0}, {"sweeps", 1}, {"remaining", 0}}), "db1's commits released (no client session left)");
  EXPECT_EQ(release({{"swept", 1}, {"sweeps", 2}, {"remaining", 0}}),
            "db1's commits released after killing 1 more client session");
  EXPECT_EQ(release({{"swept", 40}, {"sweeps", 40}, {"remaining", 2}}),
            "db1's commits released while 2 client sessions kept connecting to it (pinned to its address?)");
  EXPECT_EQ(release(Detail::object()), "db1's commits released") << "an agent without the sweep";
}

TEST(StepSummary, AnUnknownStepReadsAsItsCommands) {
  auto s = step_of("fence_hold", StepState::succeeded,
                   {{"commands", Detail::array({command("db1", "hold_fence", Detail::object(), Detail::object())})}});
  EXPECT_EQ(step_summary(s), "hold_fence on db1 ok");
}

TEST(StepSummary, AFailedCommandWithoutARecordedFailureStillSaysWhy) {
  Detail failed = command("db3", "change_source", {{"host", "h"}, {"port", 1}}, Detail::object(), false);
  failed["error"] = "mysql_unreachable";
  failed["message"] = "Can't connect";
  auto s = step_of("repoint_replicas", StepState::failed, {{"commands", Detail::array({failed})}});
  EXPECT_EQ(step_summary(s), "change_source on db3 failed (mysql_unreachable): Can't connect");
}

TEST(StepSummary, AHookSaysItsLastLineOrHowItEnded) {
  auto talking = step_of("post_pivot", StepState::succeeded,
                         {{"exit_code", 0}, {"duration_ms", 7}, {"output", "notified\nsent to #ops\n"}});
  EXPECT_EQ(step_summary(talking), "sent to #ops");
  auto silent = step_of("post_pivot", StepState::succeeded, {{"exit_code", 0}, {"duration_ms", 7}, {"output", ""}});
  EXPECT_EQ(step_summary(silent), "post_pivot hook exited 0 in 7 ms");
}

TEST(StepSummary, AHookWhoseOutputWasCutSaysSo) {
  auto cut = step_of("post_pivot", StepState::succeeded,
                     {{"exit_code", 0}, {"output", "line 1\nxxxxxxxx"}, {"output_truncated", true}});
  EXPECT_EQ(step_summary(cut), "xxxxxxxx (output cut at 64 KiB)");
}

TEST(StepSummary, TheCandidatesPositionAfterALostAnswerSaysWhatItTook) {
  const Detail report = command("db2", "report_position", Detail::object(), {{"gtid_binlog_pos", "0-1-10"}});
  auto clean = step_of("rollback_candidate_position", StepState::succeeded,
                       {{"commands", Detail::array({report})}, {"captured", "0-1-10"}, {"position", "0-1-10"},
                        {"beyond", ""}});
  EXPECT_EQ(step_summary(clean), "db2 took nothing while it may have been writable (at 0-1-10, as captured)");
  auto written = step_of("rollback_candidate_position", StepState::failed,
                         {{"commands", Detail::array({report})}, {"captured", "0-1-10"}, {"position", "0-2-11"},
                          {"beyond", "0-2-11 (1 past 0-1-10)"}});
  EXPECT_EQ(step_summary(written), "db2 took transactions while it may have been writable: 0-2-11 (1 past 0-1-10)");
}

TEST(StepSummary, StaysOneLineAndCutsOnACharacterBoundary) {
  std::string output(298, 'x');
  output += "\xC3\xA9\xC3\xA9";  // two 'é' across the 300-byte cut
  auto s = step_of("post_pivot", StepState::succeeded, {{"exit_code", 0}, {"output", output}});
  const std::string summary = step_summary(s);
  EXPECT_EQ(summary, std::string(298, 'x') + "\xC3\xA9...");
  EXPECT_NO_THROW((void)nlohmann::json(summary).dump()) << "valid UTF-8 for the API";
}

TEST(StepSummary, ARunningStepHasNone) {
  EXPECT_EQ(step_summary(step_of("catch_up", StepState::running, Detail::object())), "");
}

}  // namespace
}  // namespace pivot::controller
