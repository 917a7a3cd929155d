#pragma once
// pivotd's guard keeps policy.durability semi_sync (semi_sync_keeper.hpp
// decides which nodes drift): one set_semi_sync per drifting node, each on
// its own short-lived thread, so that a slow or hung agent never holds the
// guard's thread (which detects dead primaries). At most one call in flight
// per node, and none again within kResendMs of the last: the node's next
// report may still predate the change.

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/ports.hpp"
#include "pivot/controller/semi_sync_keeper.hpp"

namespace pivot::controller {

class SemiSyncSender {
 public:
  static constexpr std::uint64_t kResendMs = 3000;
  // Called on the call's thread with its outcome (the service logs it).
  using Done = std::function<void(const std::string& cluster, const SemiSyncChange& change,
                                  const Result<protocol::CommandResult>& result)>;

  SemiSyncSender(AgentPort& agents, Clock& clock, Done done);
  ~SemiSyncSender();  // waits for the calls in flight
  SemiSyncSender(const SemiSyncSender&) = delete;
  SemiSyncSender& operator=(const SemiSyncSender&) = delete;

  // Sends each change that is neither in flight nor sent within kResendMs;
  // returns how many went out.
  int send(const ClusterSpec& spec, const std::vector<SemiSyncChange>& changes);
  // Waits for every call in flight (tests, shutdown).
  void wait();

 private:
  struct Sent {
    std::future<void> call;
    std::uint64_t at_ms = 0;  // steady
  };
  AgentPort& agents_;
  Clock& clock_;
  Done done_;
  std::uint64_t sequence_ = 0;  // with the wall clock, makes each command id unique
  std::mutex mu_;
  std::map<std::string, Sent> sent_;  // by "cluster/node"
};

}  // namespace pivot::controller
