#pragma once
// The port through which pivotctl talks to pivotd. BeastTransport is the real
// one; tests hand the commands a FakeTransport with canned replies.

#include <string>

#include "pivot/result.hpp"

namespace pivot::ctl {

enum class Method { get, post };

struct HttpReply {
  int status = 0;
  std::string body;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // `target` is the path and query ("/v1/jobs?limit=20"); `body` is JSON text,
  // "" for none; `token` is the bearer token, "" for none. Any HTTP status is
  // a reply; an Error means pivotd was not reached or did not answer in time.
  virtual Result<HttpReply> request(Method method, const std::string& target, const std::string& body,
                                    const std::string& token) = 0;
};

}  // namespace pivot::ctl
