#include "pivot/controller/semi_sync_sender.hpp"

#include <chrono>

#include "pivot_plan.hpp"

namespace pivot::controller {

SemiSyncSender::SemiSyncSender(AgentPort& agents, Clock& clock, Done done)
    : agents_(agents), clock_(clock), done_(std::move(done)) {}

SemiSyncSender::~SemiSyncSender() { wait(); }

int SemiSyncSender::send(const ClusterSpec& spec, const std::vector<SemiSyncChange>& changes) {
  int sent = 0;
  std::lock_guard lock(mu_);
  const std::uint64_t now = clock_.steady_ms();
  for (const auto& change : changes) {
    auto& last = sent_[spec.name + "/" + change.node];
    if (last.call.valid() && last.call.wait_for(std::chrono::seconds(0)) != std::future_status::ready) continue;
    if (last.at_ms != 0 && now < last.at_ms + kResendMs) continue;
    // "semi_sync/<node>/<wall ms>-<n>": no job's id (those are
    // "<job>/<step>/<node>"), and never one an agent answered before (it
    // replays a repeated id's stored result), a restarted pivotd's included.
    const std::string id = "semi_sync/" + change.node + "/" + std::to_string(clock_.wall_ms()) + "-" +
                           std::to_string(++sequence_);
    auto command = plan::set_semi_sync(id, change.source, change.replica, spec.policy);
    last.at_ms = now;
    last.call = std::async(std::launch::async, [this, cluster = spec.name, change, command = std::move(command)] {
      const auto result = agents_.call(cluster, change.node, command);
      if (done_) done_(cluster, change, result);
    });
    ++sent;
  }
  return sent;
}

void SemiSyncSender::wait() {
  std::lock_guard lock(mu_);
  for (auto& [key, last] : sent_) {
    if (last.call.valid()) last.call.wait();
  }
}

}  // namespace pivot::controller
