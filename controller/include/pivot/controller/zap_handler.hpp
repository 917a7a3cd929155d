#pragma once
// ZapHandler: pivotd's ZeroMQ authentication handler (ZAP, RFC 27). Without
// one, a CURVE server admits any client that knows the server's public key
// (and libzmq 4.3.4 lacks ZMQ_ZAP_ENFORCE_DOMAIN), so it is bound before the
// event and command sockets, and a failure to bind it stops pivotd.
//
// It admits mechanism CURVE with a known agent key only and answers with the
// User-Id "<cluster>.<node>", which libzmq attaches to every message of that
// connection (message_t::gets("User-Id")). Refusals are counted and logged
// once per key per minute.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "pivot/controller/agent_keys.hpp"
#include "pivot/result.hpp"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace pivot::controller {

class ZapHandler {
 public:
  // context: the one the CURVE sockets will be created in (ZAP is per context).
  ZapHandler(zmq::context_t& context, AgentKeys keys);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Binds inproc://zeromq.zap.01 and starts the thread. An error means no
  // authentication: the caller must not bind its CURVE sockets.
  Result<void> start();
  // Ends the thread (within its 100 ms poll) and closes the socket.
  void stop();

  // The keys a reload (SIGHUP) read: new connections are judged by them (a
  // node added to a spec brings its agent's key). A connection already
  // authenticated stays so: ZAP runs at the handshake. Any thread.
  void replace_keys(AgentKeys keys);

  // Connections refused so far (unknown key or another mechanism). Any thread.
  std::uint64_t rejected() const { return rejected_.load(); }

 private:
  void run();

  zmq::context_t& context_;
  std::mutex keys_mu_;
  AgentKeys keys_;  // under keys_mu_
  std::unique_ptr<zmq::socket_t> socket_;  // the handler thread's once started
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> rejected_{0};
  std::thread thread_;
};

}  // namespace pivot::controller
