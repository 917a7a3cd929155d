#pragma once
// ControllerBus: pivotd's two ZeroMQ sockets, owned by one bus thread (ZeroMQ
// sockets must not be shared between threads): the events SUB every agent's
// PUB connects to, and the commands PUB every agent's SUB connects to. Both
// are CURVE servers behind the ZAP handler (bound first; its failure is
// fatal), unless --insecure, which binds loopback only.
//
// Other threads hand outgoing commands over an inproc socket (send() is
// thread-safe). Each incoming message is decoded with DecodeLimits, checked
// against the key it came from (ZAP User-Id), counted per agent (seq gaps
// within a boot_id) and handed to the handler on the bus thread, with
// pivotd's steady-clock receipt time: the handler posts it to the logic's
// strand and returns at once.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "pivot/controller/agent_keys.hpp"
#include "pivot/controller/controller_service.hpp"
#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/message.hpp"
#include "pivot/result.hpp"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq
namespace spdlog {
class logger;
}  // namespace spdlog

namespace pivot::controller {

class ZapHandler;

struct ControllerBusConfig {
  // "tcp://HOST:*" binds any free port (tests): see the *_endpoint() getters.
  std::string events_bind = "tcp://*:7701";    // SUB: agents' events
  std::string commands_bind = "tcp://*:7702";  // PUB: commands to agents
  // pivotd's CURVE secret key (Z85, from --key). nullopt: --insecure (no
  // CURVE, no ZAP, the envelope's names are trusted, loopback binds only).
  std::optional<std::string> secret_key;
  AgentKeys agent_keys;  // the admitted agents (--agent-keys); unused when insecure
  protocol::DecodeLimits limits;
};

class ControllerBus {
 public:
  using Clock = std::chrono::steady_clock;
  // A decoded, authenticated state, event or result, and when it arrived.
  // Called on the bus thread: post the work elsewhere and return.
  using MessageFn = std::function<void(protocol::Message message, Clock::time_point received)>;

  explicit ControllerBus(ControllerBusConfig config);
  ~ControllerBus();
  ControllerBus(const ControllerBus&) = delete;
  ControllerBus& operator=(const ControllerBus&) = delete;

  // Once (a failed start is not retried: make a new bus). Validates the endpoints (--insecure: loopback only) and the key,
  // binds the ZAP handler, then both sockets, then starts the bus thread.
  // Any error leaves nothing bound.
  Result<void> start(MessageFn on_message);
  // Ends the bus and ZAP threads (within their 100 ms polls) and closes every
  // socket. Commands still queued are dropped: their callers re-send.
  void stop();
  // A reload's agent keys (SIGHUP): new connections are judged by them.
  void replace_agent_keys(AgentKeys keys);

  // Any thread. Publishes a command to cmd/<cluster>/<node>/ under this
  // pivotd's boot_id and seq; never blocks. Errors: not_running, dropped
  // (queue full).
  Result<void> send(const std::string& cluster, const std::string& node, const protocol::Command& command);

  // Any thread: what GET /v1/agents shows, ages counted to `now`, and the
  // message latency histogram (/metrics). The one count of each agent's
  // messages, boot and seq gaps: pivotd's model keeps none.
  AgentsView agents(Clock::time_point now) const;
  // Any thread: when the bus thread last went round its poll loop (at least
  // every 100 ms while it lives). pivotd's systemd watchdog withholds
  // WATCHDOG=1 when this grows old: a stuck bus hears no agent.
  Clock::time_point last_loop() const { return Clock::time_point(Clock::duration(last_loop_.load())); }
  // This run's boot_id (the envelope of every command).
  const std::string& boot_id() const { return boot_id_; }
  // What the sockets are bound to once started (the port chosen for ":*").
  const std::string& events_endpoint() const { return events_endpoint_; }
  const std::string& commands_endpoint() const { return commands_endpoint_; }

 private:
  struct AgentStats {
    std::string boot_id;
    std::uint64_t last_seq = 0;
    Clock::time_point last_seen;
    std::uint64_t messages = 0;
    std::uint64_t seq_gaps = 0;
  };

  Result<void> check_config() const;
  Result<void> open_sockets();
  void close_sockets();
  void run(const MessageFn& on_message);
  void forward_command();
  void receive_event(const MessageFn& on_message);
  void reject(const std::string& reason, const std::string& cluster = {}, const std::string& node = {});
  void count(const protocol::Envelope& envelope, Clock::time_point received);
  void record_latency(std::uint64_t stamped_us);
  void add_totals(AgentsView& view) const;

  const ControllerBusConfig config_;
  const std::string boot_id_;
  const std::shared_ptr<spdlog::logger> log_;
  std::string events_endpoint_, commands_endpoint_;  // set by start(), before the thread
  std::unique_ptr<zmq::context_t> context_;
  const std::unique_ptr<ZapHandler> zap_;  // null when insecure; outlives every socket of the context
  std::mutex outbox_mutex_;                // send() may be called from any thread
  std::unique_ptr<zmq::socket_t> outbox_;  // senders' end of the inproc pipe
  std::atomic<std::uint64_t> seq_{0};
  std::unique_ptr<zmq::socket_t> inbox_, events_, commands_;  // the bus thread's
  std::atomic<bool> started_{false}, stopping_{false};
  std::atomic<Clock::rep> last_loop_{0};
  std::thread thread_;

  // The message latency histogram: written by the bus thread only, read by any.
  std::array<std::atomic<std::uint64_t>, LatencyHistogram::kBoundsMs.size() + 1> latency_counts_{};
  std::atomic<std::uint64_t> latency_sum_us_{0};

  mutable std::mutex stats_mutex_;
  std::map<std::pair<std::string, std::string>, AgentStats> stats_;
  std::atomic<std::uint64_t> rejected_messages_{0};
};

}  // namespace pivot::controller
