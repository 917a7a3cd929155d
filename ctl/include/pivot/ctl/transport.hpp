#pragma once
// The port through which pivotctl talks to pivotd. BeastTransport is the real
// one; tests hand the commands a FakeTransport with canned replies.

#include <functional>
#include <string>
#include <string_view>

#include "pivot/result.hpp"

namespace pivot::ctl {

enum class Method { get, post, put, delete_ };

struct HttpReply {
  int status = 0;
  std::string body;
};

// Takes a streamed body (GET /v1/events) piece by piece as it arrives;
// returns false to stop reading. While the stream is open and silent it is
// also called with no bytes, at least every kStreamTickMs: a reader that must
// stop (the TUI quitting) or has work of its own says so then, instead of
// waiting for pivotd's next byte (a keep-alive comes only every 15 s).
using StreamSink = std::function<bool(std::string_view bytes)>;
inline constexpr int kStreamTickMs = 100;

class Transport {
 public:
  virtual ~Transport() = default;
  // `target` is the path and query ("/v1/jobs?limit=20"); `body` is JSON text,
  // "" for none; `token` is the bearer token, "" for none. Any HTTP status is
  // a reply; an Error means pivotd was not reached or did not answer in time.
  virtual Result<HttpReply> request(Method method, const std::string& target, const std::string& body,
                                    const std::string& token) = 0;
  // GET `target` and hand its body to `sink` as it arrives, until pivotd
  // closes it or the sink stops. `last_event_id`, when not "", is sent as
  // Last-Event-ID (a resume). A 200 gives {200, ""}; any other status its
  // whole answer, the sink untouched. An Error: pivotd not reached, nothing
  // read for too long, or a transport that cannot stream (this default).
  virtual Result<HttpReply> stream(const std::string& target, const std::string& token,
                                   const std::string& last_event_id, const StreamSink& sink) {
    (void)target, (void)token, (void)last_event_id, (void)sink;
    return make_error("unsupported", "this transport cannot read an event stream");
  }
};

}  // namespace pivot::ctl
