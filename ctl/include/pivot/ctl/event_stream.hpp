#pragma once
// GET /v1/events as pivotctl's readers use it (`job --follow`, the TUI's
// feed): one connection at a time, each event's JSON decoded, and the last
// event id kept, so that the next connection resumes after it
// (Last-Event-ID; docs/api.md, "Resuming").

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pivot/ctl/api_client.hpp"

namespace pivot::ctl {

// Each returns false to stop reading (the connection is then closed).
struct StreamHandlers {
  // The subscription is in place (pivotd answered 200 and sent its first
  // bytes, or the stream has been open for a tick): a read made now cannot
  // miss an event. `resumed`: this connection sent a Last-Event-ID.
  std::function<bool(bool resumed)> on_open;
  // One event (`job`, `node`, `cluster`, `reset`); one whose data is not a
  // JSON object is skipped.
  std::function<bool(const std::string& type, nlohmann::json data)> on_event;
  // After every piece read and every silent tick (Transport::stream).
  std::function<bool()> on_tick;
};

class EventStream {
 public:
  // `target`: "/v1/events" or "/v1/events?cluster=NAME".
  EventStream(ApiClient& api, std::string target) : api_(api), target_(std::move(target)) {}
  // One connection, until pivotd closes it or a handler stops it: nullopt;
  // else why it could not be read (ApiClient::stream).
  std::optional<ApiError> read(const StreamHandlers& handlers);
  // The id of the last event handled: what the next read resumes after.
  const std::string& last_event_id() const { return last_id_; }
  const std::string& target() const { return target_; }

 private:
  ApiClient& api_;
  std::string target_;
  std::string last_id_;
};

}  // namespace pivot::ctl
