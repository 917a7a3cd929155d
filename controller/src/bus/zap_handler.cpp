#include "pivot/controller/zap_handler.hpp"

#include <optional>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <pthread.h>

#include <zmq.hpp>

#include "pivot/log.hpp"

namespace pivot::controller {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";  // fixed by RFC 27
constexpr std::chrono::minutes kWarnEvery{1};
// Refusals remembered for the once-a-minute warning; past this many distinct
// keys (a scan), the stale ones are forgotten so the map stays small.
constexpr std::size_t kMaxRemembered = 4096;
// Frames of a ZAP request: version, request id, domain, address, routing id,
// mechanism, then the mechanism's credentials (CURVE: one, the client key).
constexpr std::size_t kMaxFrames = 8;

struct Request {
  std::string request_id;
  std::string address;
  std::string mechanism;
  std::string client_key;  // Z85; empty unless CURVE
  bool well_formed = false;
};

Request parse(const std::vector<zmq::message_t>& frames) {
  Request request;
  if (frames.size() >= 2) request.request_id = frames[1].to_string();
  if (frames.size() < 6 || frames[0].to_string_view() != "1.0") return request;
  request.address = frames[3].to_string();
  request.mechanism = frames[5].to_string();
  if (request.mechanism == "CURVE") {
    if (frames.size() != 7 || frames[6].size() != 32) return request;
    char z85[41] = {};
    if (!zmq_z85_encode(z85, frames[6].data<std::uint8_t>(), 32)) return request;
    request.client_key = z85;
  }
  request.well_formed = true;
  return request;
}

void reply(zmq::socket_t& socket, const std::string& request_id, const char* status, const char* text,
           const std::string& user_id) {
  const std::string frames[] = {"1.0", request_id, status, text, user_id, ""};
  for (std::size_t i = 0; i < std::size(frames); ++i) {
    (void)socket.send(zmq::buffer(frames[i]),
                      i + 1 < std::size(frames) ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

// One WARN per refused key per minute, saying how many were not logged.
class RefusalLog {
 public:
  void refused(const Request& request) {
    const auto now = Clock::now();
    const std::string what = request.mechanism == "CURVE"
                                 ? "unknown CURVE key " + request.client_key.substr(0, 8) + "..."
                                 : "mechanism '" + request.mechanism.substr(0, 16) + "' (only CURVE is admitted)";
    if (seen_.size() >= kMaxRemembered) forget_older_than(now - kWarnEvery);
    auto [it, first] = seen_.try_emplace(request.mechanism + "/" + request.client_key, Seen{now, 0});
    if (!first && now - it->second.warned < kWarnEvery) {
      ++it->second.unlogged;
      return;
    }
    log_->warn("refused a connection from {}: {}{}; admit an agent with a <cluster>.<node>.pub file in --agent-keys",
               request.address, what,
               it->second.unlogged ? " (" + std::to_string(it->second.unlogged) + " more in the last minute)" : "");
    it->second = Seen{now, 0};
  }

 private:
  struct Seen {
    Clock::time_point warned;
    std::uint64_t unlogged = 0;
  };
  void forget_older_than(Clock::time_point cutoff) {
    std::erase_if(seen_, [cutoff](const auto& entry) { return entry.second.warned < cutoff; });
  }
  std::map<std::string, Seen> seen_;
  std::shared_ptr<spdlog::logger> log_ = log::get("pivotd.bus");
};

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, AgentKeys keys) : context_(context), keys_(std::move(keys)) {}

ZapHandler::~ZapHandler() { stop(); }

Result<void> ZapHandler::start() {
  try {
    socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::rep);
    socket_->set(zmq::sockopt::linger, 0);
    socket_->bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    socket_.reset();
    return make_error("zap", std::string("cannot bind the ZAP handler (") + kZapEndpoint + "): " + e.what() +
                                 "; without it any client knowing pivotd's public key would be admitted");
  }
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pivotd-zap");
    run();
  });
  return ok();
}

void ZapHandler::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  socket_.reset();
}

void ZapHandler::replace_keys(AgentKeys keys) {
  std::lock_guard lock(keys_mu_);
  keys_ = std::move(keys);
}

void ZapHandler::run() {
  auto log = log::get("pivotd.bus");
  RefusalLog refusals;
  zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}};
  while (!stopping_) {
    try {
      if (zmq::poll(items, 1, std::chrono::milliseconds(100)) <= 0) continue;
      std::vector<zmq::message_t> frames;
      zmq::message_t part;
      // A REP socket must read the whole request before it may reply.
      do {
        if (!socket_->recv(part, zmq::recv_flags::dontwait)) break;
        const bool more = part.more();
        if (frames.size() < kMaxFrames) frames.push_back(std::move(part));
        part = zmq::message_t();
        if (!more) break;
      } while (true);
      const Request request = parse(frames);
      std::optional<std::string> user_id;
      {
        std::lock_guard lock(keys_mu_);
        const auto known = request.mechanism == "CURVE" ? keys_.find(request.client_key) : keys_.end();
        if (known != keys_.end()) user_id = known->second.user_id();
      }
      if (request.well_formed && user_id) {
        reply(*socket_, request.request_id, "200", "OK", *user_id);
        continue;
      }
      ++rejected_;
      if (request.well_formed) {
        refusals.refused(request);
        reply(*socket_, request.request_id, "400", "unknown key", "");
      } else {
        log->warn("malformed ZAP request ({} frames) refused", frames.size());
        reply(*socket_, request.request_id, "500", "malformed request", "");
      }
    } catch (const zmq::error_t& e) {
      log->error("ZAP handler: {}", e.what());
    }
  }
}

}  // namespace pivot::controller
