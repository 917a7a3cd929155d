#pragma once
// ZmqAgentPort: the AgentPort over pivotd's bus. call() stamps the command
// with this pivotd's epoch, publishes it, and re-sends it until the agent's
// result comes back or the command's timeout (plus a transport margin) has
// passed since the first send. Thread-safe: executors call it in parallel.
//
// Results reach it through deliver(), which the bus's message handler calls
// for every message (it ignores all but results of pending calls).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include "pivot/controller/controller_bus.hpp"
#include "pivot/controller/leadership.hpp"
#include "pivot/controller/ports.hpp"

namespace pivot::controller {

struct AgentCallTiming {
  // PUB/SUB drops messages (a reconnecting agent, a slow joiner), so a
  // command is re-sent this often until its result arrives; the agent's cache
  // of recent ids answers a repeat with the stored result and never runs the
  // action twice.
  std::chrono::milliseconds resend_interval{200};
  // Added to the command's timeout_ms: the way there and back, and the
  // agent's queueing, before the call gives up with no_answer.
  std::chrono::milliseconds transport_margin{500};
};

class ZmqAgentPort : public AgentPort {
 public:
  // bus: sends (it may be started later); leadership: the epoch of every
  // command, read at each send (SoleLeadership: raise_controller_epoch()'s).
  ZmqAgentPort(ControllerBus& bus, const Leadership& leadership, AgentCallTiming timing = {});

  // Blocks until the result, or error no_answer after timeout_ms + margin;
  // errors of the bus (not_running, a bad name) at once; duplicate_call when
  // the same id is already pending for that node.
  Result<protocol::CommandResult> call(const std::string& cluster, const std::string& node,
                                       const protocol::Command& command) override;
  // on_sent runs right after the first send that the bus took (its outbox is
  // one queue: a command sent after that reaches the agent after it), or,
  // when none did, as the call returns.
  Result<protocol::CommandResult> call_notifying_sent(const std::string& cluster, const std::string& node,
                                                      const protocol::Command& command,
                                                      const std::function<void()>& on_sent) override;

  // From the bus's handler. True when the message was the result of a
  // pending call (which then returns); false for anything else, including a
  // result that came after its call gave up.
  bool deliver(const protocol::Message& message);

  std::uint64_t epoch() const { return leadership_.epoch(); }

 private:
  Result<protocol::CommandResult> send_until_answered(const std::string& cluster, const std::string& node,
                                                      const protocol::Command& command,
                                                      const std::function<void()>& on_sent);
  using Key = std::tuple<std::string, std::string, std::string>;  // cluster, node, command id
  struct Pending {
    std::optional<protocol::CommandResult> result;
  };

  ControllerBus& bus_;
  const Leadership& leadership_;
  const AgentCallTiming timing_;
  std::mutex mutex_;
  std::condition_variable answered_;
  std::map<Key, Pending> pending_;
};

}  // namespace pivot::controller
