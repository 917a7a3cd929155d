#pragma once
// The REST API as a pure function from request to response (the Beast
// examples' split): ApiRouter decides, HttpServer only does I/O and timeouts.
// Plain structs, no Beast, so that every route is unit-tested without sockets
// and this header stays cheap to include.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pivot/controller/controller_service.hpp"
#include "pivot/controller/tokens.hpp"

namespace pivot::controller {

struct ApiRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // path and query: "/v1/jobs?cluster=sms-1&limit=5"
  std::optional<std::string> authorization;    // the Authorization header
  std::optional<std::string> idempotency_key;  // the Idempotency-Key header
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra: WWW-Authenticate, Allow, Location
};

// {"error": slug, "message": text} with the status of the slug
// (pivot/controller/api_errors.hpp; anything unknown is 500). The server uses
// it too (413, 500). The body is valid JSON whatever bytes the message holds.
ApiResponse error_response(const std::string& slug, const std::string& message);

class ApiRouter {
 public:
  // `tokens` nullptr is --insecure: no token is asked for and every job is
  // requested_by "insecure". Both referents must outlive the router.
  ApiRouter(ControllerService& service, const Tokens* tokens, std::string version);

  // Never throws on a bad request (it answers 4xx); an exception out of the
  // service passes through, and the server turns it into a 500.
  ApiResponse handle(const ApiRequest& request) const;

 private:
  ControllerService& service_;
  const Tokens* tokens_;
  std::string version_;
};

}  // namespace pivot::controller
