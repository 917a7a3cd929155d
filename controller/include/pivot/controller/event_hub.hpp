#pragma once
// EventHub: what GET /v1/events serves. Job events come in as a JobStateSink
// (the job registry, under its lock), node and cluster events from
// ClusterWatcher; each is framed once, kept in the bounded history
// (EventLog) and queued for every subscribed client whose filter takes it
// (ClientQueue, bounded: a client too slow to read is dropped). The hub has
// its own mutex, taken after the registry's and never calling back into it.
// A job event is the whole job; the text of a step that ended never changes,
// so it is made once and reused for the job's later events (issue 22: at
// each step's start and end of a pivot, on its thread, the whole job's JSON
// cost about 1.5 ms of the write-blocked window).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pivot/controller/api_router.hpp"
#include "pivot/controller/ports.hpp"
#include "pivot/controller/step_texts.hpp"

namespace pivot::controller {

struct EventHubOptions {
  std::size_t history_bytes = 8 * 1024 * 1024;  // what Last-Event-ID can resume from
  std::size_t history_events = 100000;
  std::size_t client_buffer_bytes = 1024 * 1024;  // waiting for one client before it is dropped
  std::chrono::milliseconds keepalive{15000};     // a comment after this long without an event
};

struct EventHubStats {
  std::size_t clients = 0;
  std::uint64_t published = 0;
  std::uint64_t dropped = 0;  // clients dropped for not reading
  std::size_t history_events = 0;
  std::size_t history_bytes = 0;
};

class EventHub : public JobStateSink {
 public:
  // `epoch`: pivotd's controller epoch, the first part of every id.
  explicit EventHub(std::uint64_t epoch, EventHubOptions options = {});
  ~EventHub() override;
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // A `job` event with the whole job (JobStateSink).
  void job_state(const Job& job) override;
  // Any event: `data` is its JSON, `cluster` what ?cluster= matches.
  void publish(std::string_view type, const std::string& cluster, const nlohmann::json& data);
  // The same with `data` already as JSON text.
  void publish_text(std::string_view type, const std::string& cluster, const std::string& text);
  // A client's stream: an opening comment, then the events after
  // `last_event_id` (or a `reset` when they cannot be had), then live ones.
  std::shared_ptr<ResponseStream> subscribe(const std::optional<std::string>& cluster,
                                            const std::optional<std::string>& last_event_id);
  EventHubStats stats() const;

  struct State;  // in the .cpp; shared with the subscriptions, which may outlive the hub

 private:
  // A job's JSON text, the ended steps' text reused.
  std::string job_text(const Job& job);

  std::shared_ptr<State> state_;
  StepTexts steps_;  // each step as to_json(step) dumps it
};

}  // namespace pivot::controller
