#include "pivot/controller/controller_bus.hpp"

#include <vector>

#include <pthread.h>

#include <zmq.hpp>

#include "pivot/controller/zap_handler.hpp"
#include "pivot/curve_keys.hpp"
#include "pivot/endpoint.hpp"
#include "pivot/log.hpp"
#include "pivot/protocol/boot_id.hpp"
#include "pivot/protocol/names.hpp"
#include "pivot/protocol/topic.hpp"

namespace pivot::controller {
namespace {

constexpr const char* kOutbox = "inproc://pivotd-outbox";
// Any ZAP domain turns authentication on for the socket; one name for both.
constexpr const char* kZapDomain = "pivot";
// Messages queued on the events SUB while the bus thread is busy: a second of
// heartbeats from thousands of agents, at well under 1 KiB each.
constexpr int kEventsQueue = 10000;

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::uint64_t wall_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

void serve_curve(zmq::socket_t& socket, const std::string& secret_key) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, secret_key);
  socket.set(zmq::sockopt::zap_domain, kZapDomain);
}

// The User-Id ZAP gave the connection a frame came from; "" when none.
std::string user_id_of(zmq::message_t& frame) {
  try {
    const char* user_id = frame.gets("User-Id");
    return user_id ? user_id : "";
  } catch (const zmq::error_t&) {
    return "";  // no such property: the connection was not authenticated
  }
}

}  // namespace

ControllerBus::ControllerBus(ControllerBusConfig config)
    : config_(std::move(config)),
      boot_id_(protocol::new_boot_id()),
      log_(log::get("pivotd.bus")),
      context_(std::make_unique<zmq::context_t>(1)),
      // Created now, so that agents() may read its counter from any thread at any time.
      zap_(config_.secret_key ? std::make_unique<ZapHandler>(*context_, config_.agent_keys) : nullptr) {}

ControllerBus::~ControllerBus() { stop(); }

Result<void> ControllerBus::check_config() const {
  for (const auto& [what, bind] : {std::pair{"events", &config_.events_bind}, {"commands", &config_.commands_bind}}) {
    // ":*" asks ZeroMQ for any free port (tests); the host is checked all the same.
    const bool any_port = bind->ends_with(":*");
    auto endpoint = parse_tcp_endpoint(any_port ? bind->substr(0, bind->size() - 1) + "1" : *bind);
    if (!endpoint) return make_error(endpoint.error().code, std::string(what) + " bind: " + endpoint.error().message);
    if (!config_.secret_key && !is_loopback_host(endpoint->host)) {
      return make_error("insecure", std::string(what) + " bind '" + *bind +
                                        "' is not loopback: --insecure (no CURVE) binds only 127.0.0.1, ::1 or "
                                        "localhost");
    }
  }
  if (config_.secret_key && !curve::public_of(*config_.secret_key)) {
    return make_error("bad_key", "pivotd's key is not a valid Z85 CURVE secret key");
  }
  return ok();
}

Result<void> ControllerBus::start(MessageFn on_message) {
  if (started_.exchange(true)) return make_error("started", "the bus can be started once");
  if (auto checked = check_config(); !checked) return checked;
  if (auto opened = open_sockets(); !opened) {
    close_sockets();
    return opened;
  }
  if (config_.secret_key) {
    log_->info("bus up: events {} commands {}, CURVE with {} agent keys, boot_id {}", events_endpoint_,
               commands_endpoint_, config_.agent_keys.size(), boot_id_);
  } else {
    log_->warn("bus up INSECURE: events {} commands {} without CURVE or ZAP: any local process may speak for any "
               "agent; boot_id {}",
               events_endpoint_, commands_endpoint_, boot_id_);
  }
  thread_ = std::thread([this, on_message = std::move(on_message)] {
    // Named, so that `top -H` and bench/controller_scale tell its CPU from
    // the API's and ZeroMQ's I/O thread's.
    pthread_setname_np(pthread_self(), "pivotd-bus");
    run(on_message);
  });
  return ok();
}

Result<void> ControllerBus::open_sockets() {
  try {
    if (zap_) {
      // First: a CURVE socket bound without a ZAP handler admits any client
      // that knows pivotd's public key.
      if (auto started = zap_->start(); !started) return started;
    }
    inbox_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::pull);
    inbox_->set(zmq::sockopt::linger, 0);
    inbox_->bind(kOutbox);
    outbox_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::push);
    outbox_->set(zmq::sockopt::linger, 0);
    outbox_->connect(kOutbox);

    events_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::sub);
    events_->set(zmq::sockopt::linger, 0);
    events_->set(zmq::sockopt::rcvhwm, kEventsQueue);
    if (config_.secret_key) serve_curve(*events_, *config_.secret_key);
    events_->set(zmq::sockopt::subscribe, "evt/");
    events_->bind(config_.events_bind);
    events_endpoint_ = events_->get(zmq::sockopt::last_endpoint);

    commands_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::pub);
    // Unsent commands are worthless once pivotd stops: their callers re-send.
    commands_->set(zmq::sockopt::linger, 0);
    if (config_.secret_key) serve_curve(*commands_, *config_.secret_key);
    commands_->bind(config_.commands_bind);
    commands_endpoint_ = commands_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return make_error("zmq", "cannot set up the bus (events " + config_.events_bind + ", commands " +
                                 config_.commands_bind + "): " + e.what());
  }
  return ok();
}

void ControllerBus::close_sockets() {
  {
    std::lock_guard lock(outbox_mutex_);
    outbox_.reset();
  }
  inbox_.reset();
  events_.reset();
  commands_.reset();
  if (zap_) zap_->stop();
}

void ControllerBus::replace_agent_keys(AgentKeys keys) {
  if (zap_) zap_->replace_keys(std::move(keys));
}

void ControllerBus::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  close_sockets();
}

Result<void> ControllerBus::send(const std::string& cluster, const std::string& node,
                                 const protocol::Command& command) {
  for (const auto& [name, what] : {std::pair{&cluster, "cluster"}, std::pair{&node, "node"}}) {
    if (auto valid = protocol::validate_name(*name, what); !valid) return valid.error();
  }
  const protocol::Message message{{cluster, node, boot_id_, ++seq_, wall_ms()}, command};
  const std::string topic = protocol::topic_of(message);
  const std::string payload = protocol::encode(message);
  std::lock_guard lock(outbox_mutex_);
  if (!outbox_) return make_error("not_running", "the bus is not running");
  try {
    if (!outbox_->send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
        !outbox_->send(zmq::buffer(payload), zmq::send_flags::dontwait)) {
      return make_error("dropped", "bus queue full: command " + command.id + " dropped");
    }
  } catch (const zmq::error_t& e) {
    return make_error("zmq", std::string("send failed: ") + e.what());
  }
  return ok();
}

void ControllerBus::run(const MessageFn& on_message) {
  zmq::pollitem_t items[] = {{inbox_->handle(), 0, ZMQ_POLLIN, 0}, {events_->handle(), 0, ZMQ_POLLIN, 0}};
  while (!stopping_) {
    last_loop_ = Clock::now().time_since_epoch().count();
    try {
      if (zmq::poll(items, 2, std::chrono::milliseconds(100)) <= 0) continue;
      if (items[0].revents & ZMQ_POLLIN) forward_command();
      if (items[1].revents & ZMQ_POLLIN) receive_event(on_message);
    } catch (const zmq::error_t& e) {
      log_->error("bus error: {}", e.what());
    }
  }
}

// One command (topic, payload) from the inproc pipe to the agents. A PUB
// never blocks: past its queue it drops, and the caller re-sends.
void ControllerBus::forward_command() {
  zmq::message_t topic, payload;
  if (!inbox_->recv(topic, zmq::recv_flags::dontwait) || !topic.more() ||
      !inbox_->recv(payload, zmq::recv_flags::dontwait)) {
    return;  // send() always writes both frames at once
  }
  (void)commands_->send(topic, zmq::send_flags::sndmore | zmq::send_flags::dontwait);
  (void)commands_->send(payload, zmq::send_flags::dontwait);
}

void ControllerBus::receive_event(const MessageFn& on_message) {
  zmq::message_t topic, payload, extra;
  if (!events_->recv(topic, zmq::recv_flags::dontwait)) return;
  const auto received = Clock::now();
  std::size_t frames = 1;
  if (topic.more() && events_->recv(payload, zmq::recv_flags::dontwait)) ++frames;
  // Read what is left of a longer message, so the next one starts clean.
  for (bool more = frames == 2 && payload.more(); more && events_->recv(extra, zmq::recv_flags::dontwait);) {
    more = extra.more();
    ++frames;
  }
  // The sender as its key names it (ZAP's User-Id, on every frame); "" when insecure.
  const std::string key_of = config_.secret_key ? user_id_of(topic) : "";
  const std::string from = key_of.empty() ? "" : " (from key of " + key_of + ")";
  if (frames != 2) {
    reject("a message must be 2 frames (topic, payload), got " + std::to_string(frames) + from);
    return;
  }
  auto decoded = protocol::decode(topic.to_string_view(), payload.to_string_view(), config_.limits);
  if (!decoded) {
    reject(decoded.error().code + ": " + decoded.error().message + from);
    return;
  }
  const auto& envelope = decoded->envelope;
  if (config_.secret_key) {
    // The envelope's names are the sender's claim; the key is its proof.
    if (key_of != envelope.cluster + "." + envelope.node) {
      reject("message from key of " + (key_of.empty() ? std::string("(unauthenticated)") : key_of) + " claims " +
                 envelope.cluster + "." + envelope.node,
             envelope.cluster, envelope.node);
      return;
    }
  }
  count(envelope, received);
  const std::uint64_t stamped_us = envelope.ts_ms * 1000;
  try {
    on_message(std::move(*decoded), received);
  } catch (const std::exception& e) {
    log_->error("message handler failed: {}", e.what());
  }
  record_latency(stamped_us);
}

// The handler has updated the model: how long since the agent stamped the
// message, on the wall clocks of both (a clock behind pivotd's counts as 0).
// ts_ms has whole milliseconds, so one agent message reads up to 1 ms late
// unless it was sent right as its millisecond began (agent_sim does that).
void ControllerBus::record_latency(std::uint64_t stamped_us) {
  const std::uint64_t now_us = wall_us();
  const std::uint64_t us = now_us > stamped_us ? now_us - stamped_us : 0;
  latency_counts_[LatencyHistogram::bucket_of(static_cast<double>(us) / 1000.0)].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(us, std::memory_order_relaxed);
}

void ControllerBus::reject(const std::string& reason, const std::string& cluster, const std::string& node) {
  ++rejected_messages_;
  log::event(*log_, spdlog::level::warn, {cluster, node}, "message dropped: {}", reason);
}

// Per agent: messages, last seen, and seq gaps within one boot (a new
// boot_id is a restarted agent whose seq starts over).
void ControllerBus::count(const protocol::Envelope& envelope, Clock::time_point received) {
  std::lock_guard lock(stats_mutex_);
  auto [it, first] = stats_.try_emplace({envelope.cluster, envelope.node});
  AgentStats& stats = it->second;
  const log::Ctx ctx{envelope.cluster, envelope.node};
  if (first || stats.boot_id != envelope.boot_id) {
    log::event(*log_, spdlog::level::info, ctx, "agent {} boot_id={} seq={}", first ? "heard" : "restarted",
               envelope.boot_id, envelope.seq);
    stats.boot_id = envelope.boot_id;
    stats.last_seq = envelope.seq;
    stats.seq_gaps = 0;
  } else if (envelope.seq > stats.last_seq) {
    if (envelope.seq > stats.last_seq + 1) {
      ++stats.seq_gaps;
      log::event(*log_, spdlog::level::warn, ctx, "seq gap: {} messages lost after seq {}",
                 envelope.seq - stats.last_seq - 1, stats.last_seq);
    }
    stats.last_seq = envelope.seq;
  }
  ++stats.messages;
  stats.last_seen = received;
}

AgentsView ControllerBus::agents(Clock::time_point now) const {
  AgentsView view;
  {
    std::lock_guard lock(stats_mutex_);
    view.agents.reserve(stats_.size());
    for (const auto& [name, stats] : stats_) {
      const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - stats.last_seen).count();
      view.agents.push_back(AgentView{name.first, name.second, stats.boot_id,
                                      static_cast<std::uint64_t>(std::max<std::int64_t>(age, 0)), stats.messages,
                                      stats.seq_gaps});
    }
  }
  add_totals(view);
  return view;
}

void ControllerBus::add_totals(AgentsView& view) const {
  view.rejected_keys = zap_ ? zap_->rejected() : 0;
  view.rejected_messages = rejected_messages_.load();
  for (std::size_t i = 0; i < latency_counts_.size(); ++i) {
    view.message_latency.counts[i] = latency_counts_[i].load(std::memory_order_relaxed);
  }
  view.message_latency.sum_ms = static_cast<double>(latency_sum_us_.load(std::memory_order_relaxed)) / 1000.0;
}

}  // namespace pivot::controller
