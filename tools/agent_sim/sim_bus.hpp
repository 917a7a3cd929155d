#pragma once
// SimBus: the wire side of a simulator process. Every simulated agent has
// what a real agent has (agent/src/agent_bus.cpp): its own CURVE key, a PUB
// connected to pivotd's events SUB and a SUB on pivotd's commands PUB
// subscribed to its own topic; the messages are the protocol library's.
// What differs is the threading: one thread owns every socket of the process
// (a real agent's bus thread per agent would be thousands of threads), the
// SUBs are watched through their ZMQ_FD in one epoll set (zmq_poll over
// thousands of sockets costs O(N) per call), and a timerfd wakes the loop at
// every millisecond boundary of the wall clock.
//
// Each agent probes once per interval at its own phase, so the process sends
// evenly over time. A message is stamped (ts_ms) with the millisecond it is
// sent in and sent right after that millisecond begins: pivotd's latency
// histogram (now - ts_ms) then over-counts by the send's offset into its
// millisecond, which the bus measures and reports ("stamp offset").

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pivot/protocol/message.hpp"
#include "pivot/result.hpp"
#include "sim_cluster.hpp"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq
namespace spdlog {
class logger;
}  // namespace spdlog

namespace pivot::agent_sim {

struct SimBusOptions {
  std::string events;      // pivotd's events SUB, tcp://host:port
  std::string commands;    // pivotd's commands PUB
  std::string server_key;  // pivotd's CURVE public key, Z85
  std::uint64_t interval_ms = 1000;     // each agent's probe interval
  std::uint64_t connect_per_s = 2000;   // agents connected per second at start
  std::uint64_t report_every_s = 10;    // the stats line's period
};

struct AgentKey {
  std::string secret_key, public_key;  // Z85
};

class SimBus {
 public:
  // keys: one per agent, in cluster order then node order.
  SimBus(std::vector<SimCluster>& clusters, std::vector<AgentKey> keys, SimBusOptions options);
  ~SimBus();
  SimBus(const SimBus&) = delete;
  SimBus& operator=(const SimBus&) = delete;

  // Context, sockets (not yet connected), epoll and timer.
  Result<void> open();
  // The loop, until stop is set (checked at least every 100 ms).
  void run(const std::atomic<bool>& stop);

 private:
  struct Agent {
    std::size_t cluster = 0, node = 0;
    std::string boot_id;
    std::uint64_t seq = 0;
    bool connected = false;
  };
  void connect(std::size_t agent);
  void drain_commands(std::size_t agent, std::uint64_t now_ms);
  void send_output(std::size_t cluster, const SimOutput& output);
  void send(std::size_t agent, protocol::Body body);
  void report(std::uint64_t now_ms);

  std::vector<SimCluster>& clusters_;
  std::vector<AgentKey> keys_;
  SimBusOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<Agent> agents_;
  std::vector<std::size_t> first_agent_;  // per cluster: its first agent's index
  std::unique_ptr<zmq::context_t> context_;
  std::vector<std::unique_ptr<zmq::socket_t>> pubs_, subs_;
  int epoll_fd_ = -1, timer_fd_ = -1;
  std::vector<std::size_t> waiting_;  // clusters with admitted commands not yet answered

  // Counters since start, and the stamp offsets (µs) since the last report.
  std::uint64_t states_ = 0, events_ = 0, results_ = 0, commands_ = 0, bad_input_ = 0, dropped_ = 0;
  std::vector<std::uint32_t> offsets_us_;
};

}  // namespace pivot::agent_sim
