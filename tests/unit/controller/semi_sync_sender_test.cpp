// SemiSyncSender: the guard's set_semi_sync calls, against fake agents: the
// command each drifting node gets, one call per node in flight, none again
// within kResendMs, and the outcome handed to the service's callback.
#include "pivot/controller/semi_sync_sender.hpp"

#include <gtest/gtest.h>

#include "fake_ports.hpp"

namespace pivot::controller {
namespace {

using test::FakeAgents;
using test::ManualClock;

ClusterSpec semi_sync_spec() {
  ClusterSpec spec;
  spec.name = "sms-1";
  spec.policy.durability = Durability::semi_sync;
  return spec;
}

class SemiSyncSenderTest : public ::testing::Test {
 protected:
  ManualClock clock;
  FakeAgents agents{clock};
  std::mutex mu;
  std::vector<std::string> done;
  // Last: destroyed (its calls waited for) before what its callback uses.
  SemiSyncSender sender{agents, clock, [this](const std::string& cluster, const SemiSyncChange& change,
                                              const Result<protocol::CommandResult>& result) {
                          std::lock_guard lock(mu);
                          done.push_back(cluster + " " + change.node + (result && result->ok ? " ok" : " failed"));
                        }};
};

TEST_F(SemiSyncSenderTest, EachDriftingNodeGetsOneSetSemiSyncWithThePolicysTimeout) {
  const auto spec = semi_sync_spec();
  EXPECT_EQ(sender.send(spec, {{"db1", true, true, "db1 is the primary: its source side is off"},
                               {"db4", false, false, "db4 is a backup node with a semi-sync side on"}}),
            2);
  sender.wait();
  const auto calls = agents.calls();
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& call : calls) {
    EXPECT_EQ(call.cluster, "sms-1");
    EXPECT_EQ(call.command.action, "set_semi_sync");
    EXPECT_EQ(call.command.id.rfind("semi_sync/" + call.node + "/", 0), 0u) << call.command.id;
    if (call.node == "db1") {
      EXPECT_EQ(call.command.args.at("source"), protocol::Value(true));
      EXPECT_EQ(call.command.args.at("replica"), protocol::Value(true));
      EXPECT_EQ(call.command.args.at("timeout_ms"),
                protocol::Value(static_cast<std::int64_t>(semi_sync_timeout_ms(spec.policy))));
    } else {
      EXPECT_EQ(call.command.args.at("source"), protocol::Value(false));
      EXPECT_EQ(call.command.args.at("replica"), protocol::Value(false));
      EXPECT_EQ(call.command.args.count("timeout_ms"), 0u) << "no timeout without the source side";
    }
  }
  EXPECT_EQ(done.size(), 2u);
}

// The node's next report may still predate the change: not again within
// kResendMs; after it, again (and with a new id: an agent replays a repeated one).
TEST_F(SemiSyncSenderTest, ANodeIsNotAskedAgainWithinTheResendPause) {
  const auto spec = semi_sync_spec();
  const std::vector<SemiSyncChange> db2 = {{"db2", false, true, "db2 is a promotable replica with the replica side off"}};
  EXPECT_EQ(sender.send(spec, db2), 1);
  sender.wait();
  EXPECT_EQ(sender.send(spec, db2), 0);
  clock.advance(SemiSyncSender::kResendMs);
  EXPECT_EQ(sender.send(spec, db2), 1);
  sender.wait();
  const auto calls = agents.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_NE(calls[0].command.id, calls[1].command.id);
}

TEST_F(SemiSyncSenderTest, AFailedCallIsHandedToTheCallback) {
  agents.fail("db3", "set_semi_sync", "access_denied");
  EXPECT_EQ(sender.send(semi_sync_spec(), {{"db3", false, true, "db3 is a promotable replica"}}), 1);
  sender.wait();
  EXPECT_EQ(done, (std::vector<std::string>{"sms-1 db3 failed"}));
}

}  // namespace
}  // namespace pivot::controller
