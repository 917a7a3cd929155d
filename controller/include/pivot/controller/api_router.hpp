#pragma once
// The REST API as a pure function from request to response (the Beast
// examples' split): ApiRouter decides, HttpServer only does I/O and timeouts.
// Plain structs, no Beast, so that every route is unit-tested without sockets
// and this header stays cheap to include.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pivot/controller/controller_service.hpp"
#include "pivot/controller/tokens.hpp"

namespace pivot::controller {

class EventHub;    // event_hub.hpp
class JobMetrics;  // job_metrics.hpp

struct ApiRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path and query: "/v1/jobs?cluster=sms-1&limit=5"
  std::optional<std::string> authorization;    // the Authorization header
  std::optional<std::string> idempotency_key;  // the Idempotency-Key header
  std::string body;
  std::optional<std::string> last_event_id = {};  // the Last-Event-ID header (GET /v1/events)
};

// A response that goes on after its header (GET /v1/events): the server
// writes what take() gives for as long as the client reads and the stream has
// not ended, and idle_bytes() after keepalive() without anything to write.
// Dropping the last reference ends the subscription behind it.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // `wake` is called on any thread whenever take() has something new or the
  // stream has ended; set once, before the first take().
  virtual void start(std::function<void()> wake) = 0;
  // Everything to write now ("" for nothing yet).
  virtual std::string take() = 0;
  // The stream is over (its client fell too far behind and was dropped):
  // the server closes the connection without writing more.
  virtual bool ended() const = 0;
  virtual std::chrono::milliseconds keepalive() const = 0;
  virtual std::string idle_bytes() const = 0;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra: WWW-Authenticate, Allow, Location
  // Set: the body is this stream's (no Content-Length; the connection closes
  // when it ends); `body` is ignored.
  std::shared_ptr<ResponseStream> stream = {};
};

// {"error": slug, "message": text} with the status of the slug
// (pivot/controller/api_errors.hpp; anything unknown is 500). The server uses
// it too (413, 500). The body is valid JSON whatever bytes the message holds.
ApiResponse error_response(const std::string& slug, const std::string& message);

class ApiRouter {
 public:
  // `tokens` nullptr is --insecure: no token is asked for and every job is
  // requested_by "insecure". `events` nullptr: GET /v1/events is 501;
  // `job_metrics` nullptr: /metrics has no job series. The referents must
  // outlive the router.
  ApiRouter(ControllerService& service, const Tokens* tokens, std::string version, EventHub* events = nullptr,
            const JobMetrics* job_metrics = nullptr);

  // Never throws on a bad request (it answers 4xx); an exception out of the
  // service passes through, and the server turns it into a 500.
  ApiResponse handle(const ApiRequest& request) const;

 private:
  ControllerService& service_;
  const Tokens* tokens_;
  std::string version_;
  EventHub* events_;
  const JobMetrics* job_metrics_;
};

}  // namespace pivot::controller
