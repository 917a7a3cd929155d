#pragma once
// FakeAgent: an in-process stand-in for pivot-agent on pivotd's bus, with
// its own PUB (events) and SUB (its commands) and its own CURVE keys. One
// thread owns both sockets; the test hands it frames to publish. It answers
// each command with an ok result carrying the epoch it saw, unless told to
// ignore the first sends or to stay silent.

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "pivot/curve_keys.hpp"
#include "pivot/protocol/message.hpp"

namespace pivot::test {

struct FakeAgentOptions {
  std::string cluster = "sms-1";
  std::string node = "db1";
  std::string events;    // pivotd's SUB
  std::string commands;  // pivotd's PUB
  std::optional<curve::KeyPair> keys;  // nullopt: plain (--insecure)
  std::string server_key;              // pivotd's public key
  int ignore_first = 0;                // commands dropped before answering
  bool answers = true;                 // false: a silent agent
};

class FakeAgent {
 public:
  explicit FakeAgent(FakeAgentOptions options);
  ~FakeAgent();

  // Queued; sent by the agent's thread within ~10 ms.
  void publish_frames(std::vector<std::string> frames);
  void publish(const protocol::Message& message);
  // A state of this agent (or of `claimed_node`, to impersonate it).
  protocol::Message state(const std::string& boot_id, std::uint64_t seq,
                          const std::string& claimed_node = "") const;

  int commands_received() const { return commands_received_.load(); }

 private:
  void run();
  void answer(const protocol::Command& command);

  const FakeAgentOptions options_;
  zmq::context_t context_{1};
  zmq::socket_t events_{context_, zmq::socket_type::pub};
  zmq::socket_t commands_{context_, zmq::socket_type::sub};
  std::mutex mutex_;
  std::deque<std::vector<std::string>> outgoing_;
  std::uint64_t seq_ = 0;  // the thread's
  std::atomic<int> commands_received_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace pivot::test
