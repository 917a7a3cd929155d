#include "pivot/controller/zmq_agent_port.hpp"

#include <algorithm>

#include "pivot/log.hpp"

namespace pivot::controller {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// No action waits longer (wait_for_position's own bound); a larger timeout_ms
// is clamped so the deadline arithmetic cannot overflow.
constexpr std::uint64_t kMaxTimeoutMs = 86'400'000;

}  // namespace

ZmqAgentPort::ZmqAgentPort(ControllerBus& bus, const Leadership& leadership, AgentCallTiming timing)
    : bus_(bus), leadership_(leadership), timing_(timing) {}

Result<protocol::CommandResult> ZmqAgentPort::call(const std::string& cluster, const std::string& node,
                                                   const protocol::Command& command) {
  return send_until_answered(cluster, node, command, nullptr);
}

Result<protocol::CommandResult> ZmqAgentPort::call_notifying_sent(const std::string& cluster, const std::string& node,
                                                                  const protocol::Command& command,
                                                                  const std::function<void()>& on_sent) {
  bool notified = false;
  auto answer = send_until_answered(cluster, node, command, [&] {
    notified = true;
    on_sent();
  });
  if (!notified) on_sent();  // never taken by the bus: the caller must not wait for it
  return answer;
}

Result<protocol::CommandResult> ZmqAgentPort::send_until_answered(const std::string& cluster, const std::string& node,
                                                                  const protocol::Command& command,
                                                                  const std::function<void()>& on_sent) {
  if (command.id.empty()) return make_error("bad_command", "a command needs an id");
  protocol::Command stamped = command;
  stamped.epoch = leadership_.epoch();
  const Key key{cluster, node, command.id};
  const log::Ctx ctx{cluster, node};
  auto log = log::get("pivotd.bus");

  std::unique_lock lock(mutex_);
  auto [entry, inserted] = pending_.try_emplace(key);
  if (!inserted) {
    return make_error("duplicate_call", "command " + command.id + " is already pending for " + cluster + "." + node);
  }
  const auto first_send = SteadyClock::now();
  const auto deadline =
      first_send + milliseconds(std::min(command.timeout_ms, kMaxTimeoutMs)) + timing_.transport_margin;
  std::uint64_t sends = 0;
  bool on_its_way = false;
  // Bounded by the deadline: each turn waits until the next re-send or the end.
  while (true) {
    lock.unlock();
    auto sent = bus_.send(cluster, node, stamped);
    if (sent && !on_its_way && on_sent) on_sent();
    on_its_way = on_its_way || static_cast<bool>(sent);
    lock.lock();
    ++sends;
    if (!sent && sent.error().code != "dropped") {
      pending_.erase(entry);
      return sent.error();
    }
    if (!sent) log::event(*log, spdlog::level::warn, ctx, "command {}: {}", command.id, sent.error().message);
    const auto wake = std::min(SteadyClock::now() + timing_.resend_interval, deadline);
    answered_.wait_until(lock, wake, [&] { return entry->second.result.has_value(); });
    if (entry->second.result) {
      protocol::CommandResult result = std::move(*entry->second.result);
      pending_.erase(entry);
      return result;
    }
    if (SteadyClock::now() >= deadline) break;
    log::event(*log, spdlog::level::debug, ctx, "command {} ({}): re-sent, send {}", command.id, command.action,
               sends + 1);
  }
  pending_.erase(entry);
  const auto waited = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - first_send).count();
  log::event(*log, spdlog::level::warn, ctx, "command {} ({}): no answer in {} ms ({} sends)", command.id,
             command.action, waited, sends);
  return make_error("no_answer", "no result from " + cluster + "." + node + " for command " + command.id + " (" +
                                     command.action + ") in " + std::to_string(waited) + " ms, " +
                                     std::to_string(sends) + " sends");
}

bool ZmqAgentPort::deliver(const protocol::Message& message) {
  const auto* result = std::get_if<protocol::CommandResult>(&message.body);
  if (!result) return false;
  {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(Key{message.envelope.cluster, message.envelope.node, result->id});
    if (it == pending_.end()) return false;
    if (!it->second.result) it->second.result = *result;
  }
  answered_.notify_all();
  return true;
}

}  // namespace pivot::controller
