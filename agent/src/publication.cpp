#include "pivot/agent/publication.hpp"

namespace pivot::agent {
namespace {

using protocol::Event;
using protocol::EventKind;

std::string replication_error(const protocol::NodeState& s) {
  if (!s.replica) return "";
  if (!s.replica->last_sql_error.empty()) return "SQL thread: " + s.replica->last_sql_error;
  if (!s.replica->last_io_error.empty()) return "IO thread: " + s.replica->last_io_error;
  return "";
}

std::string on_off(const std::optional<bool>& v) { return !v ? "unknown" : *v ? "ON" : "OFF"; }

}  // namespace

bool same_for_controller(const protocol::NodeState& a, const protocol::NodeState& b) {
  protocol::NodeState x = a, y = b;
  x.probe_latency_ms = y.probe_latency_ms = 0;
  x.uptime_s = y.uptime_s = std::nullopt;
  return x == y;
}

std::vector<Event> events_between(const std::optional<protocol::NodeState>& before,
                                  const protocol::NodeState& after) {
  std::vector<Event> events;
  const bool was_up = before && before->mysql_reachable;
  if (before && was_up && !after.mysql_reachable) {
    events.push_back({EventKind::mysql_down, after.probe_error});
  }
  if (after.mysql_reachable && !was_up) {
    // Also at the first successful probe after start: the controller learns
    // that this agent sees a live server without waiting for a heartbeat.
    events.push_back({EventKind::mysql_up, after.version.value_or("")});
  }
  if (after.mysql_reachable) {
    const std::string error = replication_error(after);
    if (!error.empty() && (!before || error != replication_error(*before))) {
      events.push_back({EventKind::replication_error, error});
    }
    if (was_up && after.read_only && before->read_only != after.read_only) {
      events.push_back({EventKind::read_only_changed,
                        "read_only " + on_off(before->read_only) + " -> " + on_off(after.read_only)});
    }
  }
  return events;
}

Publish Publication::on_snapshot(const protocol::NodeState& state, std::uint64_t now_ms) {
  Publish out;
  out.events = events_between(last_, state);
  out.state = !last_ || !same_for_controller(*last_, state) || now_ms - last_sent_ms_ >= heartbeat_ms_;
  last_ = state;
  if (out.state) last_sent_ms_ = now_ms;
  return out;
}

Publish Publication::on_tick(std::uint64_t now_ms) {
  Publish out;
  if (last_ && now_ms - last_sent_ms_ >= heartbeat_ms_) {
    out.state = true;
    last_sent_ms_ = now_ms;
  }
  return out;
}

}  // namespace pivot::agent
