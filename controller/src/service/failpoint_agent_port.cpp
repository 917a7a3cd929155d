#include "pivot/controller/failpoint_agent_port.hpp"

#include <csignal>
#include <thread>

#include "pivot/log.hpp"

namespace pivot::controller {

FailpointAgentPort::FailpointAgentPort(AgentPort& inner, std::vector<Failpoint> failpoints, Wait wait, Crash crash)
    : inner_(inner), failpoints_(std::move(failpoints)), wait_(std::move(wait)), crash_(std::move(crash)) {
  if (!wait_) wait_ = [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); };
  if (!crash_) crash_ = [](const Failpoint& fp, const std::string& what) { crash_for_failpoint(fp, what); };
}

void crash_for_failpoint(const Failpoint& failpoint, const std::string& what) {
  static auto log = log::get("pivotd.failpoint");
  log->critical("FAILPOINT {} fired: {}; pivotd kills itself (SIGKILL)", failpoint.text, what);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  std::raise(SIGKILL);
  std::abort();  // not reached
}

Result<protocol::CommandResult> FailpointAgentPort::call(const std::string& cluster, const std::string& node,
                                                         const protocol::Command& command) {
  return call_inner(cluster, node, command, nullptr);
}

Result<protocol::CommandResult> FailpointAgentPort::call_notifying_sent(const std::string& cluster,
                                                                        const std::string& node,
                                                                        const protocol::Command& command,
                                                                        const std::function<void()>& on_sent) {
  return call_inner(cluster, node, command, on_sent);
}

Result<protocol::CommandResult> FailpointAgentPort::call_inner(const std::string& cluster, const std::string& node,
                                                               const protocol::Command& command,
                                                               const std::function<void()>& on_sent) {
  auto pass_on = [&] {
    return on_sent ? inner_.call_notifying_sent(cluster, node, command, on_sent) : inner_.call(cluster, node, command);
  };
  const auto fp = failpoint_for(failpoints_, command);
  if (!fp) return pass_on();

  static auto log = log::get("pivotd.failpoint");
  const auto sent = std::chrono::steady_clock::now();
  auto answer = pass_on();
  const std::string what = answer ? (answer->ok ? "ok" : "refused (" + answer->error + ")") : answer.error().code;
  if (fp->effect == FailpointEffect::crash) {
    crash_(*fp, "command " + command.id + " (" + command.action + ") on " + cluster + "." + node + " answered " + what);
    return answer;  // a test's crash that returned
  }
  // Loud on purpose: a failpoint firing in anything but a test is an incident.
  log::event(*log, spdlog::level::err, {.cluster = cluster, .node = node, .step = fp->step},
             "FAILPOINT {} fired: command {} ({}) answered {}; dropping the answer as if lost", fp->text, command.id,
             command.action, what);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
  const auto timeout = std::chrono::milliseconds(command.timeout_ms);
  if (elapsed < timeout) wait_(timeout - elapsed);
  return make_error("no_answer", "no result from " + cluster + "." + node + " for command " + command.id + " (" +
                                     command.action + ") in " + std::to_string(command.timeout_ms) +
                                     " ms: failpoint " + fp->text + " dropped the answer");
}

}  // namespace pivot::controller
