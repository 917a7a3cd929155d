// The failover plan on the step runner, against fake agents and a fake model
// (FakeClusterSource's snapshots: the first for check, then after the relay
// logs were applied, for choose).

#include "pivot/controller/failover_executor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "fake_ports.hpp"
#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using test::Topology;
using test::FakeAgents;
using test::FakeHooks;
using test::FakeClusterSource;
using test::FakeJobLock;
using test::ManualClock;
using test::RecordingObserver;

constexpr char kRefused[] = "error reconnecting to master: Can't connect to MySQL server (111 \"Connection refused\")";

// db1's mysqld killed: its agent says so, every replica lost it. db2..db5 at
// 0-1-100 as the healthy topology left them.
Topology primary_killed() {
  auto t = Topology::healthy();
  t.down("db1");
  for (const char* node : {"db2", "db3", "db4", "db5"}) {
    auto& r = t.replica_of(node);
    r.io_running = protocol::IoThread::connecting;
    r.last_io_error = kRefused;
    r.seconds_behind = std::nullopt;
  }
  return t;
}

ObservedCluster snapshot_of(const Topology& t, const protocol::NodeState& last_primary_state) {
  ObservedCluster s;
  s.observed = t.observed;
  s.now_ms = t.now_ms;
  s.observing_since_ms = t.now_ms - 60'000;
  s.last_primary = "db1";
  s.last_primary_state = last_primary_state;
  return s;
}

class FailoverExecutorTest : public ::testing::Test, protected test::FakeExecutorPorts {
 protected:
  FailoverExecutorTest() {
    auto healthy = Topology::healthy();
    last_state = healthy.state("db1");
    before = primary_killed();
    after = primary_killed();
    for (const char* node : {"db2", "db3", "db4", "db5"}) after.replica_of(node).io_running = protocol::IoThread::no;
    // The dead primary's agent answers, its mysqld does not.
    agents.reply("db1", "set_read_only", {FakeAgents::refused("mysql_unreachable", "Can't connect to local server")});
  }

  PivotJobOutcome run(std::optional<std::string> candidate = std::nullopt) {
    source.snapshots = {snapshot_of(before, last_state), snapshot_of(after, last_state)};
    FailoverExecutor executor(agents, hooks, source, clock, observer, lock, journal);
    FailoverJobInput input{"fo-1-1", spec(), std::move(candidate), FailoverKind::manual};
    return executor.run(input);
  }

  ClusterSpec spec() const {
    auto s = before.spec;
    s.policy.agent_dead_ms = 3000;
    if (semi_sync) s.policy.durability = Durability::semi_sync;
    return s;
  }

  std::vector<std::string> step_names() const {
    std::vector<std::string> out;
    for (const auto& s : observer.finished()) out.push_back(s.name);
    return out;
  }

  std::size_t count(const std::string& entry) {
    auto seq = agents.sequence();
    return static_cast<std::size_t>(std::count(seq.begin(), seq.end(), entry));
  }

  Topology before, after;
  protocol::NodeState last_state;
  bool semi_sync = false;  // the spec's policy.durability
};

TEST_F(FailoverExecutorTest, ADeadPrimaryIsReplacedByTheMostAdvancedSurvivor) {
  after.state("db3").gtid_binlog_state = "0-1-101";
  for (auto* f : {&after.state("db3").gtid_binlog_pos, &after.state("db3").gtid_current_pos,
                  &after.state("db3").gtid_slave_pos}) {
    *f = "0-1-101";
  }
  auto outcome = run();
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_THAT(step_names(), ElementsAre("check", "pre_failover", "fence_old_primary", "stop_io", "apply_relay",
                                        "choose", "promote", "post_promote", "repoint", "post_failover", "verify"));
  EXPECT_EQ(outcome.result["old_primary"], "db1");
  EXPECT_EQ(outcome.result["new_primary"], "db3");
  EXPECT_EQ(outcome.result["old_primary_state"], "unreachable (mysql_unreachable)");
  EXPECT_TRUE(outcome.result["to_writable_ms"].is_number());
  // Every survivor's IO thread stopped and its relay log applied before the choice.
  for (const char* node : {"db2", "db3", "db4", "db5"}) {
    EXPECT_EQ(count(std::string(node) + " stop_io_thread"), 1u) << node;
  }
  EXPECT_EQ(count("db3 reset_replication"), 1u);
  EXPECT_EQ(count("db3 set_read_only"), 1u);
  for (const char* node : {"db2", "db4", "db5"}) {
    EXPECT_EQ(count(std::string(node) + " change_source"), 1u) << node << " repointed";
  }
  for (const auto& call : agents.calls()) {
    if (call.command.action != "change_source") continue;
    EXPECT_EQ(call.command.args.at("start_io"), protocol::Value(true))
        << call.node << ": the IO thread stop_io stopped starts again, towards db3";
  }
  EXPECT_THAT(source.fresh_asked.back(), ElementsAre("db2", "db3", "db4", "db5"))
      << "the choice waits for states reported after the relay logs were applied";
}

// "lost: none" only when policy.durability is semi_sync AND the dead
// primary's last state showed semi-sync active with AFTER_SYNC; the
// promotion then turns the winner's source side on before it is writable.
TEST_F(FailoverExecutorTest, NoneLostOnlyWhenThePrimarysLastStateShowedSemiSyncKept) {
  auto outcome = run();
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["lost"], "unknown");
  EXPECT_THAT(outcome.result["lost_reason"].get<std::string>(), HasSubstr("policy.durability is async"));
  EXPECT_TRUE(outcome.result.contains("may_be_lost")) << "the existing fields stay";

  semi_sync = true;
  last_state.semi_sync = protocol::SemiSync{.source = true, .replica = true, .source_active = false,
                                            .wait_point = "AFTER_SYNC", .timeout_ms = 28000,
                                            .kill_conn_timeout_s = 1};
  outcome = run();
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["lost"], "unknown");
  EXPECT_THAT(outcome.result["lost_reason"].get<std::string>(), HasSubstr("source side not active"));

  last_state.semi_sync->source_active = true;
  agents.clear_calls();
  outcome = run();
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["lost"], "none");
  EXPECT_THAT(outcome.result["lost_reason"].get<std::string>(),
              HasSubstr("db1's last state showed semi-sync active with AFTER_SYNC"));
  bool promoted = false;
  for (const auto& call : agents.calls()) {
    if (call.command.action != "set_read_only" || call.node == "db1") continue;
    promoted = true;
    EXPECT_EQ(call.command.args.at("read_only"), protocol::Value(false));
    EXPECT_EQ(call.command.args.at("semi_sync_timeout_ms"),
              protocol::Value(static_cast<std::int64_t>(semi_sync_timeout_ms(spec().policy))));
  }
  EXPECT_TRUE(promoted);
}

TEST_F(FailoverExecutorTest, AManualFailoverIsRefusedWhileThePrimaryLives) {
  before = Topology::healthy();
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "primary_alive");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), HasSubstr("use pivot"));
  EXPECT_TRUE(agents.calls().empty()) << "nothing was sent";
}

TEST_F(FailoverExecutorTest, TheWinnerCatchesUpFromTheBackupThatHoldsMore) {
  // db4 (backup) received 0-1-102; the promotable db2 and db3 stopped at 0-1-101.
  for (const char* node : {"db2", "db3"}) {
    auto& s = after.state(node);
    s.gtid_binlog_state = s.gtid_binlog_pos = s.gtid_current_pos = s.gtid_slave_pos = "0-1-101";
  }
  auto& b = after.state("db4");
  b.gtid_binlog_state = b.gtid_binlog_pos = b.gtid_current_pos = b.gtid_slave_pos = "0-1-102";
  auto outcome = run();
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["new_primary"], "db2") << "priority breaks the tie between db2 and db3";
  const auto seq = agents.sequence();
  const auto at = [&](const std::string& e) { return std::find(seq.begin(), seq.end(), e) - seq.begin(); };
  EXPECT_LT(at("db2 change_source"), at("db2 reset_replication")) << "caught up from db4 before promote";
  EXPECT_LT(at("db2 wait_for_position"), at("db2 reset_replication"));
  const auto catch_up = observer.step("catch_up");
  EXPECT_EQ(catch_up.detail["from"], "db4");
  EXPECT_EQ(catch_up.detail["position"], "0-1-102");
}

TEST_F(FailoverExecutorTest, PositionsThatCannotBeOrderedStopAndRestartTheIoThreads) {
  // db1 wrote in two domains; db2 applied one more of domain 0, db3 one more
  // of domain 1: neither holds all the other holds, and no survivor both.
  last_state.gtid_binlog_state = "0-1-100,1-1-50";
  const auto at = [&](const char* node, const char* pos) {
    auto& st = after.state(node);
    st.gtid_binlog_state = st.gtid_binlog_pos = st.gtid_current_pos = st.gtid_slave_pos = pos;
  };
  at("db2", "0-1-101,1-1-50");
  at("db3", "0-1-100,1-1-51");
  at("db4", "0-1-100,1-1-50");
  at("db5", "0-1-100,1-1-50");
  auto outcome = run();
  EXPECT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["error"], "operator_decision");
  EXPECT_EQ(count("db2 reset_replication") + count("db3 reset_replication"), 0u) << "nobody promoted";
  for (const char* node : {"db2", "db3", "db4", "db5"}) {
    EXPECT_EQ(count(std::string(node) + " start_replication"), 1u) << node << "'s IO thread started again";
  }
}

TEST_F(FailoverExecutorTest, AFailingPreFailoverHookAbortsBeforeAnythingChanged) {
  hooks.outcome("/hooks/stonith", FakeHooks::exits(1));
  source.snapshots = {snapshot_of(before, last_state)};
  auto with_hook = spec();
  with_hook.hooks.pre_failover = "/hooks/stonith";
  FailoverExecutor executor(agents, hooks, source, clock, observer, lock, journal);
  auto outcome = executor.run({"fo-1-2", with_hook, std::nullopt, FailoverKind::manual});
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["error"], "hook_failed");
  EXPECT_TRUE(agents.calls().empty());
  ASSERT_EQ(hooks.calls.size(), 1u);
  EXPECT_EQ(hooks.calls[0].env.at("PIVOT_OLD_PRIMARY"), "10.0.1.11:3306");
  EXPECT_EQ(hooks.calls[0].env.at("PIVOT_NEW_PRIMARY"), "") << "not chosen yet";
  EXPECT_EQ(hooks.calls[0].env.at("PIVOT_NEW_NODE"), "");
  EXPECT_EQ(hooks.calls[0].env.at("PIVOT_OLD_NODE"), "db1");
  EXPECT_EQ(hooks.calls[0].env.at("PIVOT_KIND"), "failover");
}

TEST_F(FailoverExecutorTest, AReachableOldPrimaryIsFencedFirst) {
  agents.reply("db1", "set_read_only", {FakeAgents::ok(FakeAgents::default_detail("set_read_only"))});
  auto outcome = run();
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["old_primary_state"], "fenced");
  const auto seq = agents.sequence();
  ASSERT_GE(seq.size(), 2u);
  EXPECT_EQ(seq[0], "db1 set_read_only");
  EXPECT_EQ(seq[1], "db1 kill_connections");
}

// A silent host (its agent and mysqld stopped together): detection found its
// agent silent, so the fence is sent but the failover does not wait its 5 s
// deadline for an answer that cannot come. The fake holds db1's set_read_only
// until db2's stop_io_thread arrives (5 s at most): a failover that awaited
// the fence would take those 5 s.
TEST_F(FailoverExecutorTest, ASilentAgentsFenceIsSentButNotAwaited) {
  before.state("db1") = last_state;  // its last state, mysqld up, then nothing for 10 s
  before.heard("db1", 10'000);
  agents.reply("db1", "set_read_only", {FakeAgents::no_answer()});
  agents.rendezvous("*", {"db1 set_read_only", "db2 stop_io_thread"});
  const auto started = std::chrono::steady_clock::now();
  auto outcome = run();
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_LT(took, std::chrono::seconds(3)) << "the failover went on while the fence was pending";
  EXPECT_EQ(outcome.result["new_primary"], "db2");
  const auto fence = observer.step("fence_old_primary");
  EXPECT_EQ(fence.summary, "db1's agent is silent: fence sent, not awaited");
  EXPECT_EQ(fence.detail["awaited"], false);
  EXPECT_EQ(fence.detail["fenced"], false);
  EXPECT_EQ(count("db1 set_read_only"), 1u) << "the fence was sent";
  EXPECT_EQ(count("db1 kill_connections"), 0u);
  EXPECT_EQ(outcome.result["old_primary_state"], "unreachable (no_answer), its fence not awaited")
      << "the job ended once the fence's own deadline passed, and says so";
}

// A hung mysqld (its agent alive, reporting it unreachable): the agent answers
// only after its read timeout, or when mysqld wakes. Here it wakes while the
// failover goes on: the fence lands late, sessions killed, and the result
// says so.
TEST_F(FailoverExecutorTest, AHungPrimarysFenceIsNotAwaitedAndLandsWhenItWakes) {
  agents.reply("db1", "set_read_only", {FakeAgents::ok(FakeAgents::default_detail("set_read_only"))});
  agents.rendezvous("*", {"db1 set_read_only", "db2 stop_io_thread"});
  auto outcome = run();
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(observer.step("fence_old_primary").summary,
            "db1's agent reports its mysqld unreachable: fence sent, not awaited");
  EXPECT_EQ(count("db1 kill_connections"), 1u) << "the fence's second half followed its first";
  EXPECT_EQ(outcome.result["old_primary_state"], "fenced, its fence not awaited");
}

TEST_F(FailoverExecutorTest, AnAskedCandidateThatIsNotTheRulesChoiceIsRefused) {
  auto outcome = run("db3");
  EXPECT_EQ(outcome.state, JobState::rolled_back);
  EXPECT_EQ(outcome.result["error"], "candidate_not_chosen");
  EXPECT_THAT(outcome.result["message"].get<std::string>(), HasSubstr("the rules choose db2"));
}

// Each step says in one sentence what it did (the job's steps, the TUI).
TEST_F(FailoverExecutorTest, EveryStepHasItsSentence) {
  ASSERT_EQ(run().state, JobState::succeeded);
  EXPECT_THAT(observer.step("check").summary, HasSubstr("db1 is dead"));
  EXPECT_THAT(observer.step("fence_old_primary").summary, HasSubstr("db1 could not be made read-only"));
  EXPECT_THAT(observer.step("stop_io").summary, HasSubstr("db2's IO thread stopped, having received 0-1-100"));
  EXPECT_THAT(observer.step("choose").summary, HasSubstr("db2"));
  EXPECT_THAT(observer.step("repoint").summary, HasSubstr("now replicate from 10.0.2.11:3306"));
}

TEST_F(FailoverExecutorTest, APlanStepsListIsReadFromTheTable) {
  EXPECT_THAT(failover_plan_steps(), ElementsAre("check", "pre_failover", "fence_old_primary", "stop_io", "apply_relay",
                                                 "choose", "catch_up", "promote", "post_promote", "repoint",
                                                 "post_failover", "verify"));
}

// Recovery: a failover run to its end, then cut where pivotd "stopped": the
// journal's entries up to the start of `step`, the job as saved up to the
// step before it; then recovered on the cluster as it is afterwards.
class FailoverRecoveryTest : public FailoverExecutorTest {
 protected:
  PivotJobOutcome recover_from(const std::string& step, const Topology& now) {
    auto full = run();
    EXPECT_EQ(full.state, JobState::succeeded) << to_json(full.result).dump(2);
    FailoverRecoveryInput input{{"fo-1-1", spec(), std::nullopt, FailoverKind::automatic}, {}, {}, 100};
    input.saved.id = "fo-1-1";
    input.saved.kind = JobKind::failover;
    for (const auto& s : observer.finished()) {
      if (s.name == step) break;
      input.saved.steps.push_back(s);
    }
    for (const auto& e : journal.entries("fo-1-1")) {
      input.entries.push_back(e);
      if (e.kind == JournalEntry::Kind::step_started && e.detail == step) break;
    }
    agents.clear_calls();
    observer.events.clear();
    source.snapshots = {snapshot_of(now, last_state)};
    FailoverExecutor executor(agents, hooks, source, clock, observer, lock, journal);
    return executor.recover(input);
  }
};

TEST_F(FailoverRecoveryTest, StoppedInPromoteItRollsForwardWithTheWinnerTheJournalNames) {
  auto outcome = recover_from("promote", after);
  ASSERT_EQ(outcome.state, JobState::succeeded) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["recovered"]["way"], "roll_forward");
  EXPECT_THAT(step_names(), ElementsAre("recover", "promote", "post_promote", "repoint", "post_failover", "verify"));
  const std::string winner = outcome.result["new_primary"].get<std::string>();
  EXPECT_EQ(count(winner + " set_read_only"), 1u) << "the winner made writable again (idempotent)";
  for (const char* node : {"db2", "db3", "db4", "db5"}) {
    if (node != winner) {
      EXPECT_EQ(count(std::string(node) + " change_source"), 1u) << node;
    }
  }
  EXPECT_EQ(count("db1 set_read_only"), 0u) << "nothing before promote again";
}

TEST_F(FailoverRecoveryTest, StoppedBeforePromoteItRestartsTheIoThreadsItStoppedAndEndsRolledBack) {
  auto outcome = recover_from("choose", after);
  ASSERT_EQ(outcome.state, JobState::rolled_back) << to_json(outcome.result).dump(2);
  EXPECT_EQ(outcome.result["recovered"]["way"], "roll_back");
  EXPECT_THAT(step_names(), ElementsAre("recover", "rollback_stop_io"));
  for (const char* node : {"db2", "db3", "db4", "db5"}) {
    EXPECT_EQ(count(std::string(node) + " start_replication"), 1u) << node;
  }
  EXPECT_EQ(count("db2 set_read_only") + count("db3 set_read_only"), 0u) << "nobody promoted";
}

TEST_F(FailoverRecoveryTest, StoppedBeforeTheFenceItChangedNothingAndDoesNothing) {
  auto outcome = recover_from("pre_failover", after);
  EXPECT_EQ(outcome.state, JobState::failed);
  EXPECT_EQ(outcome.result["recovered"]["way"], "nothing_changed");
  EXPECT_TRUE(agents.sequence().empty());
}

}  // namespace
}  // namespace pivot::controller
