#pragma once
// An AgentPort that applies failpoints (pivot/controller/failpoints.hpp) to
// the commands it passes on to the real port. pivotd puts it in front of the
// ZmqAgentPort only with --enable-failpoints; a test tool, never production.

#include <chrono>
#include <functional>
#include <vector>

#include "pivot/controller/failpoints.hpp"
#include "pivot/controller/ports.hpp"

namespace pivot::controller {

class FailpointAgentPort : public AgentPort {
 public:
  // How the port waits out a dropped answer (tests pass one that does not sleep).
  using Wait = std::function<void(std::chrono::milliseconds)>;
  // How the port crashes pivotd (tests pass one that throws).
  using Crash = std::function<void(const Failpoint&, const std::string& what)>;

  FailpointAgentPort(AgentPort& inner, std::vector<Failpoint> failpoints, Wait wait = {}, Crash crash = {});

  // drop_answer: the command goes to the agent and runs; its answer is
  // dropped, and no_answer comes back when the command's timeout is over.
  // crash (with an action): the command runs, and pivotd dies on its answer.
  Result<protocol::CommandResult> call(const std::string& cluster, const std::string& node,
                                       const protocol::Command& command) override;
  // Passed on as the inner port tells it, so that a pipelined command
  // (pivot_executor.cpp's catch_up) runs under failpoints as in production.
  Result<protocol::CommandResult> call_notifying_sent(const std::string& cluster, const std::string& node,
                                                      const protocol::Command& command,
                                                      const std::function<void()>& on_sent) override;

 private:
  Result<protocol::CommandResult> call_inner(const std::string& cluster, const std::string& node,
                                             const protocol::Command& command, const std::function<void()>& on_sent);
  AgentPort& inner_;
  const std::vector<Failpoint> failpoints_;
  Wait wait_;
  Crash crash_;
};

// pivotd dies as SIGKILL kills it (no destructor, no flush but the log's):
// what a crash failpoint does. `what` says where, for the log.
[[noreturn]] void crash_for_failpoint(const Failpoint& failpoint, const std::string& what);

}  // namespace pivot::controller
