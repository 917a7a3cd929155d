#include "pivot/agent/zmq_publisher.hpp"

#include <fstream>

#include <zmq.hpp>

#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/topic.hpp"

namespace pivot::agent {

Result<std::string> read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("bad_key", "cannot read key file '" + path + "'");
  std::string key;
  std::getline(in, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ')) key.pop_back();
  if (key.size() != 40) {
    return make_error("bad_key", "key file '" + path + "' must hold one Z85 key of 40 characters, found " +
                                     std::to_string(key.size()));
  }
  return key;
}

Result<CurveClientKeys> load_curve_client_keys(const std::string& secret_file,
                                               const std::string& server_public_file) {
  auto secret = read_key_file(secret_file);
  if (!secret) return secret.error();
  auto server = read_key_file(server_public_file);
  if (!server) return server.error();
  char public_key[41] = {};
  if (zmq_curve_public(public_key, secret->c_str()) != 0) {
    return make_error("bad_key", "key file '" + secret_file + "' does not hold a valid Z85 secret key");
  }
  return CurveClientKeys{*secret, public_key, *server};
}

ZmqPublisher::ZmqPublisher() = default;
ZmqPublisher::~ZmqPublisher() { close(); }

Result<void> ZmqPublisher::connect(const std::string& endpoint, const CurveClientKeys* keys) {
  try {
    context_ = std::make_unique<zmq::context_t>(1);
    socket_ = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::pub);
    // On shutdown, give queued messages 200 ms, never longer: SIGTERM must
    // end the agent within a second.
    socket_->set(zmq::sockopt::linger, 200);
    // A bounded queue while pivotd is away: old snapshots are worthless.
    socket_->set(zmq::sockopt::sndhwm, 1000);
    if (keys) {
      socket_->set(zmq::sockopt::curve_serverkey, keys->server_key);
      socket_->set(zmq::sockopt::curve_publickey, keys->public_key);
      socket_->set(zmq::sockopt::curve_secretkey, keys->secret_key);
    }
    socket_->connect(endpoint);
    return ok();
  } catch (const zmq::error_t& e) {
    return make_error("zmq", "cannot connect the events socket to " + endpoint + ": " + e.what());
  }
}

Result<void> ZmqPublisher::send(const protocol::Message& message) {
  if (!socket_) return make_error("zmq", "events socket not connected");
  try {
    const std::string topic = protocol::topic_of(message);
    const std::string payload = protocol::encode(message);
    if (!socket_->send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
        !socket_->send(zmq::buffer(payload), zmq::send_flags::dontwait)) {
      return make_error("dropped", "events queue full: message dropped");
    }
    return ok();
  } catch (const zmq::error_t& e) {
    return make_error("zmq", std::string("send failed: ") + e.what());
  }
}

void ZmqPublisher::close() {
  socket_.reset();
  context_.reset();
}

}  // namespace pivot::agent
