#include "fake_agent.hpp"

#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/topic.hpp"

namespace pivot::test {
namespace {

void curve_client(zmq::socket_t& socket, const FakeAgentOptions& options) {
  if (!options.keys) return;
  socket.set(zmq::sockopt::curve_serverkey, options.server_key);
  socket.set(zmq::sockopt::curve_publickey, options.keys->public_key);
  socket.set(zmq::sockopt::curve_secretkey, options.keys->secret_key);
}

}  // namespace

FakeAgent::FakeAgent(FakeAgentOptions options) : options_(std::move(options)) {
  for (auto* socket : {&events_, &commands_}) {
    socket->set(zmq::sockopt::linger, 0);
    curve_client(*socket, options_);
  }
  events_.connect(options_.events);
  commands_.set(zmq::sockopt::subscribe, protocol::make_topic(protocol::Channel::commands, options_.cluster,
                                                              options_.node));
  commands_.connect(options_.commands);
  thread_ = std::thread([this] { run(); });
}

FakeAgent::~FakeAgent() {
  stopping_ = true;
  thread_.join();
}

void FakeAgent::publish_frames(std::vector<std::string> frames) {
  std::lock_guard lock(mutex_);
  outgoing_.push_back(std::move(frames));
}

void FakeAgent::publish(const protocol::Message& message) {
  publish_frames({protocol::topic_of(message), protocol::encode(message)});
}

protocol::Message FakeAgent::state(const std::string& boot_id, std::uint64_t seq,
                                   const std::string& claimed_node) const {
  const std::string node = claimed_node.empty() ? options_.node : claimed_node;
  protocol::NodeState state;
  state.cluster = options_.cluster;
  state.node = node;
  state.agent_version = "test";
  return protocol::Message{{options_.cluster, node, boot_id, seq, 0}, state};
}

void FakeAgent::run() {
  zmq::pollitem_t items[] = {{commands_.handle(), 0, ZMQ_POLLIN, 0}};
  while (!stopping_) {
    std::deque<std::vector<std::string>> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(outgoing_);
    }
    for (const auto& frames : batch) {
      for (std::size_t i = 0; i < frames.size(); ++i) {
        (void)events_.send(zmq::buffer(frames[i]),
                           i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      }
    }
    if (zmq::poll(items, 1, std::chrono::milliseconds(10)) <= 0) continue;
    zmq::message_t topic, payload;
    if (!commands_.recv(topic) || !topic.more() || !commands_.recv(payload)) continue;
    auto decoded = protocol::decode(topic.to_string_view(), payload.to_string_view());
    if (!decoded) continue;
    if (auto* command = std::get_if<protocol::Command>(&decoded->body)) answer(*command);
  }
}

void FakeAgent::answer(const protocol::Command& command) {
  const int received = ++commands_received_;
  if (!options_.answers || received <= options_.ignore_first) return;
  protocol::CommandResult result;
  result.id = command.id;
  result.ok = true;
  result.detail["epoch"] = static_cast<std::int64_t>(command.epoch);
  // The boot_id the tests' states use, so that a result is no "restart".
  const protocol::Message message{{options_.cluster, options_.node, "boot-a", ++seq_, 0}, result};
  const std::string topic = protocol::topic_of(message);
  const std::string payload = protocol::encode(message);
  (void)events_.send(zmq::buffer(topic), zmq::send_flags::sndmore);
  (void)events_.send(zmq::buffer(payload), zmq::send_flags::none);
}

}  // namespace pivot::test
