#include "agent_process.hpp"

#include <gtest/gtest.h>

#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/topic.hpp"

namespace pivot::test {

AgentProcess::AgentProcess(const std::vector<std::string>& args, const std::vector<std::string>& env)
    : process_(
          [&] {
            std::vector<std::string> line{built_binary("pivot-agent", PIVOT_DEFAULT_BIN_DIR).string()};
            line.insert(line.end(), args.begin(), args.end());
            return line;
          }(),
          env) {}

namespace {

void serve_curve(zmq::socket_t& socket, const ServerKeys* curve) {
  if (!curve) return;
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, curve->secret_key);
}

}  // namespace

EventSink::EventSink(const ServerKeys* curve) {
  socket_.set(zmq::sockopt::linger, 0);
  serve_curve(socket_, curve);
  socket_.set(zmq::sockopt::subscribe, "evt/");
  socket_.bind("tcp://127.0.0.1:*");
  endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
}

std::optional<protocol::Message> EventSink::next(std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  if (zmq::poll(items, 1, timeout) <= 0) return std::nullopt;
  zmq::message_t topic, payload;
  if (!socket_.recv(topic) || !topic.more() || !socket_.recv(payload)) {
    ADD_FAILURE() << "a message without its two frames";
    return std::nullopt;
  }
  auto decoded = protocol::decode(topic.to_string_view(), payload.to_string_view());
  if (!decoded) {
    ADD_FAILURE() << "undecodable message: " << decoded.error().message;
    return std::nullopt;
  }
  return std::move(decoded).value();
}

CommandSource::CommandSource(const ServerKeys* curve) {
  socket_.set(zmq::sockopt::linger, 0);
  serve_curve(socket_, curve);
  socket_.bind("tcp://127.0.0.1:*");
  endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
}

void CommandSource::send(const std::string& cluster, const std::string& node, const protocol::Command& command) {
  protocol::Message m{{cluster, node, "test-controller", ++seq_, 0}, command};
  send_frames({protocol::topic_of(m), protocol::encode(m)});
}

void CommandSource::send_frames(const std::vector<std::string>& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    (void)socket_.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

std::optional<protocol::CommandResult> CommandSource::send_until_result(EventSink& sink, const std::string& cluster,
                                                                        const std::string& node,
                                                                        const protocol::Command& command,
                                                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    send(cluster, node, command);
    auto m = sink.wait_for(
        [&](const protocol::Message& m) {
          auto* r = std::get_if<protocol::CommandResult>(&m.body);
          return r && r->id == command.id;
        },
        std::chrono::milliseconds(300));
    if (m) return std::get<protocol::CommandResult>(m->body);
  }
  return std::nullopt;
}

}  // namespace pivot::test
