#pragma once
// The agent's events socket: a ZeroMQ PUB connected to pivotd's SUB, a CURVE
// client unless --insecure. Owned and used by the event-loop thread only.

#include <memory>
#include <string>

#include "pivot/protocol/message.hpp"
#include "pivot/result.hpp"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace pivot::agent {

struct CurveClientKeys {
  std::string secret_key;  // this agent's, Z85
  std::string public_key;  // derived from the secret key
  std::string server_key;  // pivotd's public key, Z85
};

// Reads "one Z85 key (40 characters) on one line" from a key file.
Result<std::string> read_key_file(const std::string& path);
// The agent's keys from its secret key file and pivotd's public key file.
Result<CurveClientKeys> load_curve_client_keys(const std::string& secret_file, const std::string& server_public_file);

class ZmqPublisher {
 public:
  ZmqPublisher();
  ~ZmqPublisher();

  // Connects to `endpoint`; with keys, as a CURVE client (nullptr: plain, for --insecure).
  Result<void> connect(const std::string& endpoint, const CurveClientKeys* keys);
  // Never blocks: a full queue (pivotd away) drops the message, as PUB does.
  Result<void> send(const protocol::Message& message);
  void close();

 private:
  std::unique_ptr<zmq::context_t> context_;
  std::unique_ptr<zmq::socket_t> socket_;
};

}  // namespace pivot::agent
