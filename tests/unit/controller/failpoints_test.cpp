// Failpoints: PIVOT_FAILPOINT parsed strictly (a typo must not leave a test
// running without its fault), matched to commands by step and action, and
// the AgentPort decorator that lets the command run and drops its answer.
#include "pivot/controller/failpoints.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_ports.hpp"
#include "pivot/controller/failpoint_agent_port.hpp"

namespace pivot::controller {
namespace {

using ::testing::HasSubstr;

protocol::Command command(const std::string& id, const std::string& action, std::uint64_t timeout_ms = 5000) {
  protocol::Command c;
  c.id = id;
  c.action = action;
  c.timeout_ms = timeout_ms;
  return c;
}

TEST(Failpoints, NoneIsNothing) {
  ASSERT_TRUE(parse_failpoints("").ok());
  EXPECT_TRUE(parse_failpoints("").value().empty());
  EXPECT_TRUE(parse_failpoints("  ").value().empty());
}

TEST(Failpoints, AStepWithOrWithoutItsAction) {
  auto parsed = parse_failpoints("promote/set_read_only:drop_answer, catch_up:drop_answer");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].step, "promote");
  EXPECT_EQ((*parsed)[0].action, "set_read_only");
  EXPECT_EQ((*parsed)[0].effect, FailpointEffect::drop_answer);
  EXPECT_EQ((*parsed)[0].text, "promote/set_read_only:drop_answer");
  EXPECT_EQ((*parsed)[1].step, "catch_up");
  EXPECT_EQ((*parsed)[1].action, "");
  ASSERT_TRUE(parse_failpoints("rollback_candidate_read_only:drop_answer").ok());
}

TEST(Failpoints, MistakesAreRefusedNamingTheEntry) {
  struct Case {
    std::string text, in_message;
  };
  for (const auto& c : std::vector<Case>{
           {"promote", "no ':<effect>'"},
           {"promote:explode", "unknown effect 'explode'"},
           {"promte:drop_answer", "'promte' is not a step"},
           {"promote/Set-Read-Only:drop_answer", "not an agent action"},
           {"promote/:drop_answer", "not an agent action"},
           {"promote:drop_answer,,catch_up:drop_answer", "an empty entry"},
           {"promote:drop_answer,promote:drop_answer", "given twice"},
       }) {
    SCOPED_TRACE(c.text);
    auto parsed = parse_failpoints(c.text);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().code, "bad_failpoint");
    EXPECT_THAT(parsed.error().message, HasSubstr(c.in_message));
  }
}

TEST(Failpoints, NothingIsArmedWithoutTheFlagWhateverTheEnvironmentSays) {
  for (const char* value : {"promote/set_read_only:drop_answer", "promte:garbage", ""}) {
    SCOPED_TRACE(value);
    auto armed = failpoints_to_arm(false, value);
    ASSERT_TRUE(armed.ok());
    EXPECT_TRUE(armed->empty());
  }
  EXPECT_TRUE(failpoints_to_arm(true, nullptr)->empty());
  EXPECT_EQ(failpoints_to_arm(true, "promote/set_read_only:drop_answer")->size(), 1u);
  EXPECT_FALSE(failpoints_to_arm(true, "promte:drop_answer").ok());
}

TEST(Failpoints, ACommandBelongsToTheStepInItsId) {
  EXPECT_EQ(step_of_command("pv-3-17/promote/db2/set_read_only"), "promote");
  EXPECT_EQ(step_of_command("pv-3-17/fence_read_only/db1"), "fence_read_only");
  EXPECT_EQ(step_of_command("no-step"), "");
  EXPECT_EQ(step_of_command("pv-3-17/"), "");

  const auto fps = parse_failpoints("promote/set_read_only:drop_answer").value();
  EXPECT_TRUE(failpoint_for(fps, command("pv-1-2/promote/db2/set_read_only", "set_read_only")));
  EXPECT_FALSE(failpoint_for(fps, command("pv-1-2/promote/db2/reset_replication", "reset_replication")));
  EXPECT_FALSE(failpoint_for(fps, command("pv-1-2/fence_read_only/db1", "set_read_only")));
  EXPECT_FALSE(failpoint_for(fps, command("pv-1-2/rollback_candidate_read_only/db2", "set_read_only")))
      << "the undo of the step is another step";
  const auto whole_step = parse_failpoints("promote:drop_answer").value();
  EXPECT_TRUE(failpoint_for(whole_step, command("pv-1-2/promote/db2/reset_replication", "reset_replication")));
}

TEST(Failpoints, ACrashAtAStepsStartOrOnACommandsAnswer) {
  auto parsed = parse_failpoints("catch_up:crash,promote/set_read_only:crash,recover:crash");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)[0].effect, FailpointEffect::crash);
  EXPECT_TRUE(crash_at_start(*parsed, "catch_up"));
  EXPECT_TRUE(crash_at_start(*parsed, "recover")) << "the recovery's own step";
  EXPECT_FALSE(crash_at_start(*parsed, "promote")) << "an action's crash waits for that command";
  // A step-start crash is not a command's: its commands pass on.
  EXPECT_FALSE(failpoint_for(*parsed, command("pv-1-2/catch_up/db2", "wait_for_position")));
  EXPECT_TRUE(failpoint_for(*parsed, command("pv-1-2/promote/db2/set_read_only", "set_read_only")));
}

TEST(FailpointAgentPort, ACrashComesOnceTheCommandRan) {
  test::ManualClock clock;
  test::FakeAgents agents(clock);
  std::vector<std::string> crashed;
  FailpointAgentPort port(
      agents, parse_failpoints("promote/set_read_only:crash").value(), [](std::chrono::milliseconds) {},
      [&](const Failpoint& fp, const std::string& what) { crashed.push_back(fp.text + " " + what); });
  const auto answer = port.call("sms-1", "db2", command("pv-1-2/promote/db2/set_read_only", "set_read_only"));
  EXPECT_TRUE(answer.ok()) << "a crash that returns (a test's) passes the answer on";
  ASSERT_EQ(agents.sequence(), std::vector<std::string>{"db2 set_read_only"}) << "the command runs first";
  ASSERT_EQ(crashed.size(), 1u);
  EXPECT_THAT(crashed[0], HasSubstr("promote/set_read_only:crash command pv-1-2/promote/db2/set_read_only"));
  EXPECT_THAT(crashed[0], HasSubstr("answered ok"));
}

// The port in front of ZmqAgentPort keeps its "on its way" signal: a
// command pipelined behind another (catch_up's reset) goes out under
// failpoints as it does in production.
TEST(FailpointAgentPort, PassesOnWhenACommandIsOnItsWay) {
  struct NotifyingAgents : AgentPort {
    Result<protocol::CommandResult> call(const std::string&, const std::string&,
                                         const protocol::Command& c) override {
      protocol::CommandResult r;
      r.id = c.id;
      r.ok = true;
      return r;
    }
    Result<protocol::CommandResult> call_notifying_sent(const std::string& cluster, const std::string& node,
                                                        const protocol::Command& c,
                                                        const std::function<void()>& on_sent) override {
      on_sent();
      answered_after_sent = true;
      return call(cluster, node, c);
    }
    bool answered_after_sent = false;
  } inner;
  FailpointAgentPort port(inner, parse_failpoints("catch_up/wait_for_position:drop_answer").value(),
                          [](std::chrono::milliseconds) {});
  int notified = 0;
  auto answer = port.call_notifying_sent("sms-1", "db2", command("pv-1-2/catch_up/db2", "wait_for_position"),
                                         [&] { ++notified; });
  EXPECT_FALSE(answer.ok()) << "the failpoint still drops the answer";
  EXPECT_EQ(notified, 1);
  EXPECT_TRUE(inner.answered_after_sent) << "the inner port was asked to say when it sent";
}

TEST(FailpointAgentPort, TheCommandRunsAndItsAnswerIsLostUntilTheTimeout) {
  test::ManualClock clock;
  test::FakeAgents agents(clock);
  std::vector<std::chrono::milliseconds> waited;
  FailpointAgentPort port(agents, parse_failpoints("promote/set_read_only:drop_answer").value(),
                          [&](std::chrono::milliseconds ms) { waited.push_back(ms); });

  auto answer = port.call("sms-1", "db2", command("pv-1-2/promote/db2/set_read_only", "set_read_only", 5000));
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, "no_answer");
  EXPECT_THAT(answer.error().message, HasSubstr("failpoint promote/set_read_only:drop_answer"));
  ASSERT_EQ(agents.sequence(), std::vector<std::string>{"db2 set_read_only"}) << "the command must still run";
  ASSERT_EQ(waited.size(), 1u);
  EXPECT_GT(waited[0].count(), 4000);
  EXPECT_LE(waited[0].count(), 5000);

  // Any other command passes through untouched, answer included.
  auto other = port.call("sms-1", "db2", command("pv-1-2/rollback_candidate_read_only/db2", "set_read_only"));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->ok);
  EXPECT_EQ(other->id, "pv-1-2/rollback_candidate_read_only/db2");
  EXPECT_EQ(waited.size(), 1u);
}

}  // namespace
}  // namespace pivot::controller
