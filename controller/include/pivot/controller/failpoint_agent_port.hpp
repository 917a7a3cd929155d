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

  FailpointAgentPort(AgentPort& inner, std::vector<Failpoint> failpoints, Wait wait = {});

  // drop_answer: the command goes to the agent and runs; its answer is
  // dropped, and no_answer comes back when the command's timeout is over.
  Result<protocol::CommandResult> call(const std::string& cluster, const std::string& node,
                                       const protocol::Command& command) override;

 private:
  AgentPort& inner_;
  const std::vector<Failpoint> failpoints_;
  Wait wait_;
};

}  // namespace pivot::controller
