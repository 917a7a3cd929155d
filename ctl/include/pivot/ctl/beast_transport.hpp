#pragma once
// The Transport over HTTP/1.1 with Boost.Beast: one connection per request,
// a connect timeout and a timeout for the whole exchange. Beast stays in the
// .cpp (it is heavy to compile).

#include <chrono>

#include "pivot/ctl/controller_url.hpp"
#include "pivot/ctl/transport.hpp"

namespace pivot::ctl {

struct HttpTimeouts {
  std::chrono::milliseconds connect{5000};  // resolve + connect
  std::chrono::milliseconds read{30000};    // write the request + read the reply
  // A stream with no byte for this long is given up (pivotd sends a
  // keep-alive every 15 s by default).
  std::chrono::milliseconds stream_idle{45000};
};

class BeastTransport : public Transport {
 public:
  explicit BeastTransport(ControllerUrl url, HttpTimeouts timeouts = {});
  Result<HttpReply> request(Method method, const std::string& target, const std::string& body,
                            const std::string& token) override;
  Result<HttpReply> stream(const std::string& target, const std::string& token, const std::string& last_event_id,
                           const StreamSink& sink) override;

 private:
  ControllerUrl url_;
  HttpTimeouts timeouts_;
};

}  // namespace pivot::ctl
