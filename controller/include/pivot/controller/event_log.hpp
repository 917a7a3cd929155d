#pragma once
// The pure parts of GET /v1/events (server-sent events): event ids, the SSE
// framing, the cluster filter, the bounded history a client resumes from and
// the bounded queue of one client. No locks, no sockets, no clock: EventHub
// (event_hub.hpp) holds them under its mutex and the HTTP server writes.
//
// Ids are "EPOCH-SEQ": EPOCH is pivotd's controller epoch, persisted in
// STATE_DIR and raised at every start, SEQ counts from 1 within a run. So ids
// increase and never repeat across a restart, and an id from an earlier run
// is told apart at once (the client gets a `reset`).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pivot::controller {

struct EventId {
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;
  friend bool operator==(const EventId&, const EventId&) = default;
};

std::string to_string(const EventId& id);
// "12-345" -> {12, 345}; anything else (a sign, spaces, a third part) -> nullopt.
std::optional<EventId> parse_event_id(std::string_view text);

// One SSE event: "id: ID\nevent: TYPE\ndata: LINE\n...\n\n", one data line per
// line of `data` (JSON as pivotd writes it has none, but a newline must never
// end the event early).
std::string sse_frame(std::string_view type, std::string_view id, std::string_view data);
// An SSE comment (": text\n\n"): clients ignore it; it keeps proxies from
// closing an idle stream.
std::string sse_comment(std::string_view text);

struct Event {
  EventId id;
  std::string type;     // node, cluster, job
  std::string cluster;  // the cluster it is about (the filter's key)
  std::string frame;    // the whole SSE text, made once for every client
};

// `?cluster=NAME`: only that cluster's events; no filter: all of them.
bool event_matches(const Event& event, const std::optional<std::string>& cluster);

// Where a client starts: the events after its Last-Event-ID, or (an id of
// another run, too old, or never given out) a reason to send `reset`.
struct ResumePoint {
  std::vector<const Event*> replay;  // oldest first; valid until the next append
  std::optional<std::string> reset;  // set: the client must refetch (the reason)
};

// The history clients resume from: the newest events, bounded by bytes and
// by count (the oldest go first). Ids are handed out here, so a sequence
// number may also be taken for an event that is not kept (a `reset`).
class EventLog {
 public:
  EventLog(std::uint64_t epoch, std::size_t max_bytes, std::size_t max_events);

  // Frames and keeps a new event; its id is the next one.
  const Event& append(std::string_view type, std::string_view cluster, std::string_view data);
  // The next id, not kept (a reset event sent to one client).
  EventId take_id() { return {epoch_, ++last_seq_}; }
  ResumePoint resume_after(const std::optional<std::string>& last_event_id,
                           const std::optional<std::string>& cluster) const;

  std::uint64_t epoch() const { return epoch_; }
  std::size_t size() const { return events_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  const std::uint64_t epoch_;
  const std::size_t max_bytes_;
  const std::size_t max_events_;
  std::deque<Event> events_;
  std::size_t bytes_ = 0;
  std::uint64_t last_seq_ = 0;       // the newest id handed out
  std::uint64_t forgotten_seq_ = 0;  // the newest id no longer kept: a resume needs one at or after it
};

// One client's frames not yet written, bounded: a client that stops reading
// while events keep coming is dropped (its frames forgotten at once), so that
// it never grows pivotd's memory. A single event larger than the bound is
// still taken when nothing waits before it.
class ClientQueue {
 public:
  explicit ClientQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  // False when the client is (now) dropped.
  bool push(std::string_view frame);
  // Everything waiting, emptied.
  std::string take();
  bool dropped() const { return dropped_; }
  bool empty() const { return pending_.empty(); }

 private:
  std::size_t max_bytes_;
  std::string pending_;
  bool dropped_ = false;
};

}  // namespace pivot::controller
