// pivotd's bus on real ZeroMQ sockets (127.0.0.1, ports chosen by ZeroMQ) with in-process
// fake agents: CURVE and ZAP admit known keys only, identities are enforced,
// malformed input is counted, calls are re-sent until answered, seq gaps are
// counted per boot, and --insecure stays on loopback.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_agent.hpp"
#include "pivot/controller/controller_bus.hpp"
#include "pivot/controller/zmq_agent_port.hpp"
#include "pivot/curve_keys.hpp"
#include "pivot/test/wait.hpp"

namespace pivot::controller {
namespace {

using namespace std::chrono_literals;
using test::FakeAgent;
using test::FakeAgentOptions;
using test::wait_until;

constexpr std::uint64_t kEpoch = 7;

curve::KeyPair keys() {
  auto pair = curve::generate();
  EXPECT_TRUE(pair.ok());
  return *pair;
}

// What the bus handed to its handler.
class Inbox {
 public:
  void add(protocol::Message message) {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(message));
  }
  std::vector<protocol::Message> all() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  bool has_state(const std::string& node, const std::string& boot_id, std::uint64_t seq) {
    for (const auto& m : all()) {
      if (m.type() == protocol::MessageType::state && m.envelope.node == node && m.envelope.boot_id == boot_id &&
          m.envelope.seq == seq) {
        return true;
      }
    }
    return false;
  }

 private:
  std::mutex mutex_;
  std::vector<protocol::Message> messages_;
};

class BusTest : public ::testing::Test {
 protected:
  // Starts pivotd's bus: CURVE with db1..db3 of sms-1 known, or --insecure.
  void start_bus(bool secure = true) {
    ControllerBusConfig config;
    config.events_bind = "tcp://127.0.0.1:*";  // free ports, chosen by ZeroMQ
    config.commands_bind = "tcp://127.0.0.1:*";
    if (secure) {
      config.secret_key = server_.secret_key;
      for (const auto& node : {"db1", "db2", "db3"}) {
        agent_keys_[node] = keys();
        config.agent_keys[agent_keys_[node].public_key] = AgentIdentity{"sms-1", node};
      }
    }
    secure_ = secure;
    bus_ = std::make_unique<ControllerBus>(std::move(config));
    port_ = std::make_unique<ZmqAgentPort>(*bus_, leadership_, AgentCallTiming{50ms, 200ms});
    auto started = bus_->start([this](protocol::Message message, ControllerBus::Clock::time_point) {
      if (!port_->deliver(message)) inbox_.add(std::move(message));
    });
    ASSERT_TRUE(started.ok()) << started.error().message;
    events_ = bus_->events_endpoint();
    commands_ = bus_->commands_endpoint();
  }

  FakeAgentOptions agent(const std::string& node, std::optional<curve::KeyPair> own_keys = std::nullopt) {
    FakeAgentOptions options;
    options.node = node;
    options.events = events_;
    options.commands = commands_;
    if (secure_) options.keys = own_keys ? *own_keys : agent_keys_.at(node);
    options.server_key = server_.public_key;
    return options;
  }

  // Publishes until the bus delivers it (PUB/SUB drops what is sent before
  // the connection is up).
  ::testing::AssertionResult deliver_state(FakeAgent& agent, const std::string& node, const std::string& boot_id,
                                           std::uint64_t seq) {
    return wait_until(
        [&] {
          agent.publish(agent.state(boot_id, seq));
          return inbox_.has_state(node, boot_id, seq);
        },
        10s);
  }

  void TearDown() override {
    if (bus_) bus_->stop();
  }

  curve::KeyPair server_ = keys();
  std::map<std::string, curve::KeyPair> agent_keys_;
  std::string events_, commands_;
  bool secure_ = true;
  Inbox inbox_;
  std::unique_ptr<ControllerBus> bus_;
  // The epoch every command carries; an election may raise it (etcd, later).
  struct SettableLeadership : Leadership {
    bool leader() const override { return true; }
    std::uint64_t epoch() const override { return epoch_.load(); }
    std::atomic<std::uint64_t> epoch_{kEpoch};
  } leadership_;
  std::unique_ptr<ZmqAgentPort> port_;
};

protocol::Command command(const std::string& id, std::uint64_t timeout_ms = 5000) {
  protocol::Command c;
  c.id = id;
  c.epoch = 1;  // the port replaces it with its own
  c.action = "report_position";
  c.timeout_ms = timeout_ms;
  return c;
}

const AgentView* find(const AgentsView& view, const std::string& node) {
  for (const auto& agent : view.agents) {
    if (agent.node == node) return &agent;
  }
  return nullptr;
}

TEST_F(BusTest, AKnownKeysStateIsDeliveredUnderItsIdentity) {
  start_bus();
  FakeAgent db2(agent("db2"));
  ASSERT_TRUE(deliver_state(db2, "db2", "boot-a", 1));
  const auto view = bus_->agents(ControllerBus::Clock::now());
  const AgentView* seen = find(view, "db2");
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(seen->cluster, "sms-1");
  EXPECT_EQ(seen->boot_id, "boot-a");
  EXPECT_GE(seen->messages, 1u);
  EXPECT_LT(seen->last_seen_age_ms, 10000u);
  EXPECT_EQ(view.rejected_keys, 0u);
  EXPECT_EQ(view.rejected_messages, 0u);
}

// The latency histogram counts every delivered message once the handler
// returned: one stamped just now falls within the bounds, one stamped at 0
// (FakeAgent's default) past the last bound.
TEST_F(BusTest, EachDeliveredMessageIsCountedInTheLatencyHistogram) {
  start_bus();
  FakeAgent db2(agent("db2"));
  ASSERT_TRUE(deliver_state(db2, "db2", "boot-a", 1));
  const auto old_ones = bus_->agents(ControllerBus::Clock::now()).message_latency;
  EXPECT_GE(old_ones.counts.back(), 1u) << "stamped in 1970";
  EXPECT_EQ(old_ones.count(), old_ones.counts.back());
  auto fresh = db2.state("boot-a", 1000);
  fresh.envelope.ts_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        std::chrono::system_clock::now().time_since_epoch())
                                                        .count());
  ASSERT_TRUE(wait_until(
      [&] {
        db2.publish(fresh);
        return inbox_.has_state("db2", "boot-a", 1000);
      },
      10s));
  const auto latency = bus_->agents(ControllerBus::Clock::now()).message_latency;
  EXPECT_GE(latency.count() - latency.counts.back(), 1u) << "stamped now: within 2.5 s";
  EXPECT_GT(latency.sum_ms, 0.0);
}

TEST_F(BusTest, AnUnknownKeyDeliversNothingAndIsCounted) {
  start_bus();
  FakeAgent stranger(agent("db1", keys()));  // db1's name, not db1's key
  ASSERT_TRUE(wait_until(
      [&] {
        stranger.publish(stranger.state("boot-x", 1));
        return bus_->agents(ControllerBus::Clock::now()).rejected_keys >= 1;
      },
      10s));
  for (int i = 2; i < 10; ++i) {
    stranger.publish(stranger.state("boot-x", static_cast<std::uint64_t>(i)));
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(inbox_.all().empty());
  EXPECT_TRUE(bus_->agents(ControllerBus::Clock::now()).agents.empty());
}

TEST_F(BusTest, AKnownKeyClaimingAnotherNodeIsDroppedAndCounted) {
  start_bus();
  FakeAgent db2(agent("db2"));
  ASSERT_TRUE(deliver_state(db2, "db2", "boot-a", 1)) << "connected";
  ASSERT_TRUE(wait_until(
      [&] {
        db2.publish(db2.state("boot-a", 2, "db3"));
        return bus_->agents(ControllerBus::Clock::now()).rejected_messages >= 1;
      },
      10s));
  for (const auto& m : inbox_.all()) EXPECT_EQ(m.envelope.node, "db2");
  EXPECT_EQ(find(bus_->agents(ControllerBus::Clock::now()), "db3"), nullptr);
}

TEST_F(BusTest, AMalformedPayloadIsCountedAndTheBusStaysUp) {
  start_bus();
  FakeAgent db1(agent("db1"));
  ASSERT_TRUE(wait_until(
      [&] {
        db1.publish_frames({"evt/sms-1/db1/", "\xdd\xdd\xdd\x8a\x8a"});  // an array claiming 2^32 entries
        db1.publish_frames({"evt/sms-1/db1/"});                          // one frame only
        return bus_->agents(ControllerBus::Clock::now()).rejected_messages >= 2;
      },
      10s));
  EXPECT_TRUE(deliver_state(db1, "db1", "boot-a", 1));
}

TEST_F(BusTest, ACallGetsItsResultStampedWithTheEpoch) {
  start_bus();
  FakeAgent db1(agent("db1"));
  auto result = port_->call("sms-1", "db1", command("c-1"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->id, "c-1");
  EXPECT_TRUE(result->ok);
  EXPECT_EQ(std::get<std::int64_t>(result->detail.at("epoch")), static_cast<std::int64_t>(kEpoch));
}

TEST_F(BusTest, EachCallCarriesTheEpochLeadershipGivesAtThatCall) {
  start_bus();
  FakeAgent db1(agent("db1"));
  leadership_.epoch_ = kEpoch + 2;
  auto result = port_->call("sms-1", "db1", command("c-9"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(std::get<std::int64_t>(result->detail.at("epoch")), static_cast<std::int64_t>(kEpoch + 2));
  EXPECT_EQ(port_->epoch(), kEpoch + 2);
}

TEST_F(BusTest, AnAgentThatMissesTheFirstSendAnswersTheResend) {
  start_bus();
  auto options = agent("db1");
  options.ignore_first = 1;
  FakeAgent db1(options);
  auto result = port_->call("sms-1", "db1", command("c-2"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->id, "c-2");
  EXPECT_GE(db1.commands_received(), 2);
}

TEST_F(BusTest, ASilentAgentGivesNoAnswerNearTheTimeout) {
  start_bus();
  auto options = agent("db1");
  options.answers = false;
  FakeAgent db1(options);
  const auto begin = std::chrono::steady_clock::now();
  auto result = port_->call("sms-1", "db1", command("c-3", 500));
  const auto took = std::chrono::steady_clock::now() - begin;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "no_answer");
  // timeout 500 ms + margin 200 ms; generous above for a loaded machine.
  EXPECT_GE(took, 650ms);
  EXPECT_LT(took, 5s);
  EXPECT_GE(db1.commands_received(), 2) << "re-sent while waiting";
}

// Issue 22: a caller queues a second command behind the first once the
// first is on its way; on_sent says so at the first send the bus took, once,
// not at the answer.
TEST_F(BusTest, OnSentRunsOnceAtTheFirstSendNotAtTheAnswer) {
  start_bus();
  auto options = agent("db1");
  options.answers = false;
  FakeAgent db1(options);
  int notified = 0;
  std::chrono::steady_clock::duration notified_after{};
  const auto begin = std::chrono::steady_clock::now();
  auto result = port_->call_notifying_sent("sms-1", "db1", command("c-4", 500), [&] {
    ++notified;
    notified_after = std::chrono::steady_clock::now() - begin;
  });
  const auto took = std::chrono::steady_clock::now() - begin;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(notified, 1) << "once, though re-sent";
  EXPECT_GE(db1.commands_received(), 2);
  EXPECT_LT(notified_after, took - 400ms) << "on its way long before the call gave up";
}

TEST_F(BusTest, ParallelCallsToThreeAgents) {
  start_bus();
  std::vector<std::unique_ptr<FakeAgent>> agents;
  for (const auto& node : {"db1", "db2", "db3"}) agents.push_back(std::make_unique<FakeAgent>(agent(node)));
  std::vector<std::optional<Result<protocol::CommandResult>>> results(3);
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&, i] {
      const std::string node = "db" + std::to_string(i + 1);
      results[i] = port_->call("sms-1", node, command("p-" + node));
    });
  }
  for (auto& caller : callers) caller.join();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(results[i] && results[i]->ok()) << "db" << i + 1;
    EXPECT_EQ((*results[i])->id, "p-db" + std::to_string(i + 1));
  }
}

TEST_F(BusTest, SeqGapsAreCountedAndResetByANewBoot) {
  start_bus();
  FakeAgent db1(agent("db1"));
  for (std::uint64_t seq : {1, 2, 5, 6, 9}) ASSERT_TRUE(deliver_state(db1, "db1", "boot-a", seq)) << seq;
  const AgentView* before = find(bus_->agents(ControllerBus::Clock::now()), "db1");
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->seq_gaps, 2u) << "2 -> 5 and 6 -> 9";
  ASSERT_TRUE(deliver_state(db1, "db1", "boot-b", 1));
  const auto view = bus_->agents(ControllerBus::Clock::now());
  const AgentView* after = find(view, "db1");
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(after->boot_id, "boot-b");
  EXPECT_EQ(after->seq_gaps, 0u);
  // deliver_state sends until the bus has it: at least one message per seq.
  EXPECT_GE(after->messages, 6u) << "the one count of an agent's messages (pivotd's model keeps none)";
  // The totals /metrics reads with the list.
  EXPECT_EQ(view.rejected_keys, 0u);
  EXPECT_GE(view.message_latency.count(), 6u);
}

TEST_F(BusTest, InsecureTakesTheIdentityFromTheEnvelope) {
  start_bus(false);
  FakeAgent db3(agent("db3"));
  ASSERT_TRUE(deliver_state(db3, "db3", "boot-a", 1));
  auto result = port_->call("sms-1", "db3", command("i-1"));
  ASSERT_TRUE(result.ok()) << result.error().message;
}

TEST(ControllerBusInsecure, RefusesANonLoopbackBind) {
  for (const std::string host_port : {"*:7701", "0.0.0.0:7701", "10.1.2.3:7701", "*:*"}) {
    ControllerBusConfig config;
    config.events_bind = "tcp://" + host_port;
    config.commands_bind = "tcp://127.0.0.1:7702";
    ControllerBus bus(config);
    auto started = bus.start([](protocol::Message, ControllerBus::Clock::time_point) {});
    ASSERT_FALSE(started.ok()) << host_port;
    EXPECT_EQ(started.error().code, "insecure") << started.error().message;
  }
}

TEST(ControllerBusSecure, RefusesABadSecretKey) {
  ControllerBusConfig config;
  config.events_bind = "tcp://127.0.0.1:7701";
  config.commands_bind = "tcp://127.0.0.1:7702";
  config.secret_key = std::string(40, '~');
  ControllerBus bus(config);
  auto started = bus.start([](protocol::Message, ControllerBus::Clock::time_point) {});
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, "bad_key");
}

}  // namespace
}  // namespace pivot::controller
