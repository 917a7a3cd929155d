#pragma once
// AgentBus: the agent's two ZeroMQ sockets, owned by one bus thread (ZeroMQ
// sockets must not be shared between threads): a PUB connected to pivotd's
// events SUB, and a SUB connected to pivotd's commands PUB, subscribed to this
// node's topic only. The event loop hands outgoing messages over an inproc
// socket of its own; commands come back through a callback on the bus thread
// (post them to the loop). CURVE client on both unless --insecure.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "pivot/protocol/command.hpp"
#include "pivot/protocol/message.hpp"
#include "pivot/result.hpp"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace pivot::agent {

struct CurveClientKeys {
  std::string secret_key;  // this agent's, Z85
  std::string public_key;  // derived from the secret key
  std::string server_key;  // pivotd's public key, Z85
};

// The agent's keys from its secret key file and pivotd's public key file.
Result<CurveClientKeys> load_curve_client_keys(const std::string& secret_file, const std::string& server_public_file);

struct BusEndpoints {
  std::string events;    // pivotd's SUB, tcp://host:7701
  std::string commands;  // pivotd's PUB, tcp://host:7702
};

class AgentBus {
 public:
  using Clock = std::chrono::steady_clock;
  // A decoded command addressed to this node, with when it arrived.
  using CommandFn = std::function<void(protocol::Command, Clock::time_point received)>;
  // Input that was dropped: the reason, and the command id when one could be read.
  using BadInputFn = std::function<void(std::string reason, std::optional<std::string> command_id)>;

  AgentBus(std::string cluster, std::string node);
  ~AgentBus();

  // From the loop thread, once. keys == nullptr: plain (--insecure).
  Result<void> start(const BusEndpoints& endpoints, const CurveClientKeys* keys, CommandFn on_command,
                     BadInputFn on_bad_input);
  // From the loop thread only. Never blocks.
  Result<void> send(const protocol::Message& message);
  // From the loop thread: ends the bus thread (within its 100 ms poll).
  void stop();

 private:
  void run(CommandFn on_command, BadInputFn on_bad_input);
  void receive_command(const CommandFn& on_command, const BadInputFn& on_bad_input);

  std::string cluster_, node_;
  std::unique_ptr<zmq::context_t> context_;
  std::unique_ptr<zmq::socket_t> outbox_;  // loop thread's end of the inproc pipe
  std::unique_ptr<zmq::socket_t> inbox_, events_, commands_;  // bus thread's
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace pivot::agent
