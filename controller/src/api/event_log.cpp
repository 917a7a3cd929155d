#include "pivot/controller/event_log.hpp"

#include <charconv>

namespace pivot::controller {
namespace {

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string to_string(const EventId& id) { return std::to_string(id.epoch) + "-" + std::to_string(id.seq); }

std::optional<EventId> parse_event_id(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto epoch = number(text.substr(0, dash));
  auto seq = number(text.substr(dash + 1));
  if (!epoch || !seq) return std::nullopt;
  return EventId{*epoch, *seq};
}

std::string sse_frame(std::string_view type, std::string_view id, std::string_view data) {
  std::string out;
  out.reserve(data.size() + type.size() + id.size() + 32);
  out.append("id: ").append(id).append("\nevent: ").append(type).append("\n");
  std::size_t start = 0;
  while (true) {
    const auto end = data.find('\n', start);
    auto line = data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.append("data: ").append(line).append("\n");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out.append("\n");
  return out;
}

std::string sse_comment(std::string_view text) { return ": " + std::string(text) + "\n\n"; }

bool event_matches(const Event& event, const std::optional<std::string>& cluster) {
  return !cluster || event.cluster == *cluster;
}

EventLog::EventLog(std::uint64_t epoch, std::size_t max_bytes, std::size_t max_events)
    : epoch_(epoch), max_bytes_(max_bytes), max_events_(max_events == 0 ? 1 : max_events) {}

const Event& EventLog::append(std::string_view type, std::string_view cluster, std::string_view data) {
  const EventId id = take_id();
  Event event{id, std::string(type), std::string(cluster), sse_frame(type, to_string(id), data)};
  bytes_ += event.frame.size();
  events_.push_back(std::move(event));
  // The newest event stays even when it alone is over the bound.
  while (events_.size() > 1 && (bytes_ > max_bytes_ || events_.size() > max_events_)) {
    bytes_ -= events_.front().frame.size();
    forgotten_seq_ = events_.front().id.seq;
    events_.pop_front();
  }
  return events_.back();
}

ResumePoint EventLog::resume_after(const std::optional<std::string>& last_event_id,
                                   const std::optional<std::string>& cluster) const {
  ResumePoint point;
  if (!last_event_id) return point;  // a new client: live events only
  const auto id = parse_event_id(*last_event_id);
  if (!id) {
    point.reset = "Last-Event-ID '" + *last_event_id + "' is not an id pivotd gives out";
  } else if (id->epoch != epoch_) {
    point.reset = "Last-Event-ID '" + *last_event_id + "' is from another pivotd run (epoch " +
                  std::to_string(id->epoch) + "; this one is " + std::to_string(epoch_) + ")";
  } else if (id->seq > last_seq_) {
    point.reset = "Last-Event-ID '" + *last_event_id + "' was never given out (the newest is " +
                  to_string({epoch_, last_seq_}) + ")";
  } else if (id->seq < forgotten_seq_) {
    point.reset = "Last-Event-ID '" + *last_event_id + "' is older than the events kept (from " +
                  to_string({epoch_, forgotten_seq_ + 1}) + ")";
  }
  if (point.reset) return point;
  for (const auto& event : events_) {
    if (event.id.seq > id->seq && event_matches(event, cluster)) point.replay.push_back(&event);
  }
  return point;
}

bool ClientQueue::push(std::string_view frame) {
  if (dropped_) return false;
  if (!pending_.empty() && pending_.size() + frame.size() > max_bytes_) {
    dropped_ = true;
    std::string().swap(pending_);  // give the memory back now, not when the socket closes
    return false;
  }
  pending_.append(frame);
  return true;
}

std::string ClientQueue::take() {
  std::string out;
  out.swap(pending_);
  return out;
}

}  // namespace pivot::controller
