#include "pivot/ctl/api_client.hpp"

#include <cctype>
#include <cstdio>

namespace pivot::ctl {

ExitCode exit_code_for(const ApiError& error) {
  if (error.status == 0) return ExitCode::unreachable;
  if (error.slug == "bad_reply") return ExitCode::unreachable;
  if (error.status == 400 || error.status == 413) return ExitCode::usage;
  return ExitCode::refused;
}

std::string describe(const ApiError& error) {
  if (error.status == 0 || error.slug == "bad_reply") return error.message;
  return "pivotd answered HTTP " + std::to_string(error.status) + (error.slug.empty() ? "" : " " + error.slug) + ": " +
         error.message;
}

ApiReply ApiClient::get(const std::string& target) { return call(Method::get, target, ""); }

ApiReply ApiClient::post(const std::string& target, const nlohmann::json& body) {
  return call(Method::post, target, body.dump());
}

ApiReply ApiClient::put(const std::string& target, const nlohmann::json& body) {
  return call(Method::put, target, body.dump());
}

ApiReply ApiClient::del(const std::string& target) { return call(Method::delete_, target, ""); }

ApiReply ApiClient::call(Method method, const std::string& target, const std::string& body) {
  ApiReply reply;
  auto http = transport_.request(method, target, body, token_);
  if (!http) {
    reply.error = ApiError{0, "unreachable", "cannot reach pivotd at " + url_ + ": " + http.error().message, nullptr};
    return reply;
  }
  return reply_of(target, *http);
}

std::optional<ApiError> ApiClient::stream(const std::string& target, const StreamSink& sink,
                                          const std::string& last_event_id) {
  auto http = transport_.stream(target, token_, last_event_id, sink);
  if (!http) return ApiError{0, http.error().code, "cannot read " + target + " from " + url_ + ": " + http.error().message, nullptr};
  if (http->status == 200) return std::nullopt;
  return reply_of(target, *http).error.value_or(
      ApiError{http->status, "bad_reply", "pivotd at " + url_ + " answered " + target + " with HTTP " +
                                              std::to_string(http->status), nullptr});
}

ApiReply ApiClient::reply_of(const std::string& target, const HttpReply& answer) const {
  ApiReply reply;
  const HttpReply* http = &answer;
  auto parsed = nlohmann::json::parse(http->body, nullptr, /*allow_exceptions=*/false);
  if (http->status >= 200 && http->status < 300) {
    if (parsed.is_discarded()) {
      reply.error = ApiError{http->status, "bad_reply",
                             "pivotd at " + url_ + " answered " + target + " with something that is not JSON", nullptr};
      return reply;
    }
    reply.body = std::move(parsed);
    return reply;
  }
  ApiError error{http->status, "", "", nullptr};
  if (!parsed.is_discarded() && parsed.is_object()) {
    error.body = parsed;
    if (parsed.contains("error") && parsed["error"].is_string()) error.slug = parsed["error"].get<std::string>();
    if (parsed.contains("message") && parsed["message"].is_string()) {
      error.message = parsed["message"].get<std::string>();
    }
  }
  if (error.message.empty()) {
    // Not pivotd's JSON error (a proxy's page?): show its start, on one line.
    std::string text = http->body.substr(0, 200);
    for (char& c : text) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    error.message = text.empty() ? "no message" : text;
  }
  reply.error = std::move(error);
  return reply;
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace pivot::ctl
