#pragma once
// pivotd's REST API as pivotctl uses it: JSON in, JSON out, and every way a
// call can fail turned into a line for the operator and an exit code.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pivot/ctl/exit_code.hpp"
#include "pivot/ctl/transport.hpp"

namespace pivot::ctl {

struct ApiError {
  int status = 0;        // HTTP status; 0 when pivotd was not reached
  std::string slug;      // the server's {"error": slug}, or "unreachable", "bad_reply"
  std::string message;   // one line for the operator
  nlohmann::json body;   // the server's error JSON (null when none), for --json
};

// 0 (unreachable) and bad replies -> 1; 400, 413 -> 2 (the request was wrong);
// 401, 403, 404, 409, 412, 501 and any other status -> 5.
ExitCode exit_code_for(const ApiError& error);
// The error as one line: the message when pivotd was not reached, else
// "pivotd answered HTTP 409 conflict: <its message>".
std::string describe(const ApiError& error);

struct ApiReply {
  nlohmann::json body;            // the parsed 2xx body
  std::optional<ApiError> error;  // set when the call did not succeed
  bool ok() const { return !error; }
};

class ApiClient {
 public:
  ApiClient(Transport& transport, std::string controller_url, std::string token)
      : transport_(transport), url_(std::move(controller_url)), token_(std::move(token)) {}
  ApiReply get(const std::string& target);
  ApiReply post(const std::string& target, const nlohmann::json& body);
  ApiReply put(const std::string& target, const nlohmann::json& body);
  ApiReply del(const std::string& target);
  // GET `target` as a stream (Transport::stream), resuming after
  // `last_event_id` when it is not "": nullopt once it ran until pivotd
  // closed it or the sink stopped it; else why it could not be read (not
  // reached, refused, or a transport that cannot stream: status 0, slug
  // "unsupported").
  std::optional<ApiError> stream(const std::string& target, const StreamSink& sink,
                                 const std::string& last_event_id = "");
  const std::string& url() const { return url_; }

 private:
  ApiReply call(Method method, const std::string& target, const std::string& body);
  ApiReply reply_of(const std::string& target, const HttpReply& http) const;
  Transport& transport_;
  std::string url_;
  std::string token_;
};

// Percent-encodes a path segment or query value (cluster names are already
// safe; job ids come from the server and might not be).
std::string url_encode(const std::string& text);

}  // namespace pivot::ctl
