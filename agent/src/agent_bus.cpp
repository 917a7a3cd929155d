#include "pivot/agent/agent_bus.hpp"

#include <zmq.hpp>

#include "pivot/curve_keys.hpp"
#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/topic.hpp"

namespace pivot::agent {
namespace {

constexpr const char* kOutbox = "inproc://agent-outbox";

void set_curve(zmq::socket_t& socket, const CurveClientKeys& keys) {
  socket.set(zmq::sockopt::curve_serverkey, keys.server_key);
  socket.set(zmq::sockopt::curve_publickey, keys.public_key);
  socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
}

}  // namespace

Result<CurveClientKeys> load_curve_client_keys(const std::string& secret_file,
                                               const std::string& server_public_file) {
  auto secret = curve::read_key_file(secret_file);
  if (!secret) return secret.error();
  auto server = curve::read_key_file(server_public_file);
  if (!server) return server.error();
  auto public_key = curve::public_of(*secret);
  if (!public_key) return make_error("bad_key", "key file '" + secret_file + "' does not hold a valid secret key");
  return CurveClientKeys{*secret, *public_key, *server};
}

AgentBus::AgentBus(std::string cluster, std::string node) : cluster_(std::move(cluster)), node_(std::move(node)) {}

AgentBus::~AgentBus() { stop(); }

Result<void> AgentBus::start(const BusEndpoints& endpoints, const CurveClientKeys* keys, CommandFn on_command,
                             BadInputFn on_bad_input) {
  try {
    context_ = std::make_unique<zmq::context_t>(1);
    inbox_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::pull);
    inbox_->bind(kOutbox);
    outbox_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::push);
    outbox_->set(zmq::sockopt::linger, 0);
    outbox_->connect(kOutbox);

    events_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::pub);
    // On shutdown, queued messages get 200 ms, never more: SIGTERM must end
    // the agent within a second. A bounded queue while pivotd is away: old
    // snapshots are worthless.
    events_->set(zmq::sockopt::linger, 200);
    events_->set(zmq::sockopt::sndhwm, 1000);
    if (keys) set_curve(*events_, *keys);
    events_->connect(endpoints.events);

    commands_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::sub);
    commands_->set(zmq::sockopt::linger, 0);
    if (keys) set_curve(*commands_, *keys);
    // Exactly this node's topic: the trailing slash keeps db1 from db10's.
    commands_->set(zmq::sockopt::subscribe, protocol::make_topic(protocol::Channel::commands, cluster_, node_));
    commands_->connect(endpoints.commands);
  } catch (const zmq::error_t& e) {
    return make_error("zmq", "cannot set up the bus (events " + endpoints.events + ", commands " +
                                 endpoints.commands + "): " + e.what());
  }
  thread_ = std::thread([this, on_command = std::move(on_command), on_bad_input = std::move(on_bad_input)] {
    run(on_command, on_bad_input);
  });
  return ok();
}

Result<void> AgentBus::send(const protocol::Message& message) {
  if (!outbox_) return make_error("zmq", "bus not started");
  try {
    const std::string topic = protocol::topic_of(message);
    const std::string payload = protocol::encode(message);
    if (!outbox_->send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
        !outbox_->send(zmq::buffer(payload), zmq::send_flags::dontwait)) {
      return make_error("dropped", "bus queue full: message dropped");
    }
    return ok();
  } catch (const zmq::error_t& e) {
    return make_error("zmq", std::string("send failed: ") + e.what());
  }
}

void AgentBus::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  outbox_.reset();
  inbox_.reset();
  events_.reset();
  commands_.reset();
  context_.reset();
}

void AgentBus::run(CommandFn on_command, BadInputFn on_bad_input) {
  zmq::pollitem_t items[] = {{inbox_->handle(), 0, ZMQ_POLLIN, 0}, {commands_->handle(), 0, ZMQ_POLLIN, 0}};
  while (!stopping_) {
    try {
      if (zmq::poll(items, 2, std::chrono::milliseconds(100)) <= 0) continue;
      if (items[0].revents & ZMQ_POLLIN) {
        // Forward one whole multipart message from the loop to pivotd.
        zmq::message_t part;
        bool more = true;
        while (more && inbox_->recv(part, zmq::recv_flags::dontwait)) {
          more = part.more();
          (void)events_->send(part, more ? zmq::send_flags::sndmore | zmq::send_flags::dontwait
                                         : zmq::send_flags::dontwait);
        }
      }
      if (items[1].revents & ZMQ_POLLIN) receive_command(on_command, on_bad_input);
    } catch (const zmq::error_t& e) {
      on_bad_input(std::string("bus error: ") + e.what(), std::nullopt);
    }
  }
}

void AgentBus::receive_command(const CommandFn& on_command, const BadInputFn& on_bad_input) {
  std::vector<zmq::message_t> frames;
  zmq::message_t part;
  do {
    if (!commands_->recv(part, zmq::recv_flags::dontwait)) break;
    frames.push_back(std::move(part));
    part = zmq::message_t();
  } while (frames.back().more() && frames.size() < 3);
  // Drain whatever is left of an oversized multipart message.
  while (!frames.empty() && frames.back().more() && commands_->recv(part, zmq::recv_flags::dontwait)) {
    frames.back() = std::move(part);
    part = zmq::message_t();
  }
  const auto received = Clock::now();
  if (frames.size() != 2) {
    on_bad_input("a command must be 2 frames (topic, payload), got " + std::to_string(frames.size()), std::nullopt);
    return;
  }
  auto decoded = protocol::decode(frames[0].to_string_view(), frames[1].to_string_view());
  if (!decoded) {
    on_bad_input(decoded.error().code + ": " + decoded.error().message,
                 protocol::peek_command_id(frames[1].to_string_view()));
    return;
  }
  auto* command = std::get_if<protocol::Command>(&decoded->body);
  if (!command) {
    on_bad_input("a " + std::string(protocol::to_string(decoded->type())) + " message on the commands channel",
                 std::nullopt);
    return;
  }
  if (decoded->envelope.cluster != cluster_ || decoded->envelope.node != node_) {
    on_bad_input("a command for " + decoded->envelope.cluster + "/" + decoded->envelope.node + ", not this node",
                 std::nullopt);
    return;
  }
  on_command(std::move(*command), received);
}

}  // namespace pivot::agent
