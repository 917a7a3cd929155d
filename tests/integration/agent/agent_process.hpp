#pragma once
// A pivot-agent process started by a test, and a subscriber standing in for
// pivotd's events socket. The process is SIGKILLed by PID in the destructor
// if the test left without stopping it.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "pivot/protocol/message.hpp"
#include "pivot/test/background_process.hpp"

namespace pivot::test {

class AgentProcess {
 public:
  // Runs $PIVOT_BIN_DIR/pivot-agent with args and NAME=VALUE variables added
  // to this process's environment.
  explicit AgentProcess(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

  pid_t pid() const { return process_.pid(); }
  void signal(int sig) const { process_.signal(sig); }
  // Its exit code, or 128 + signal; nullopt if still running after timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) { return process_.wait_exit(timeout); }
  std::string log() const { return process_.err(); }

 private:
  BackgroundProcess process_;
};

// A CURVE server key pair for the sockets standing in for pivotd.
struct ServerKeys {
  std::string public_key, secret_key;
};

// Binds a SUB socket on a free loopback port and decodes what arrives.
class EventSink {
 public:
  explicit EventSink(const ServerKeys* curve = nullptr);
  const std::string& endpoint() const { return endpoint_; }
  // The next decoded message within timeout (undecodable frames fail the test).
  std::optional<protocol::Message> next(std::chrono::milliseconds timeout);
  // The next message for node matching pred, within timeout.
  template <typename Pred>
  std::optional<protocol::Message> wait_for(Pred pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto m = next(left);
      if (m && pred(*m)) return m;
    }
  }

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::sub};
  std::string endpoint_;
};

// Binds pivotd's commands PUB on a free loopback port. send_until_result
// re-sends a command until its result comes back, as pivotd does (PUB/SUB
// drops what is sent before the agent's subscription is in place).
class CommandSource {
 public:
  explicit CommandSource(const ServerKeys* curve = nullptr);
  const std::string& endpoint() const { return endpoint_; }
  void send(const std::string& cluster, const std::string& node, const protocol::Command& command);
  // Raw frames, for bad input.
  void send_frames(const std::vector<std::string>& frames);
  std::optional<protocol::CommandResult> send_until_result(EventSink& sink, const std::string& cluster,
                                                           const std::string& node, const protocol::Command& command,
                                                           std::chrono::milliseconds timeout);

 private:
  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::pub};
  std::string endpoint_;
  std::uint64_t seq_ = 0;
};

}  // namespace pivot::test
