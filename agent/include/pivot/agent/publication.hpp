#pragma once
// When the agent speaks: a state snapshot on every change and at least every
// heartbeat interval, and an event at once for each edge the controller must
// not wait for (mysql_down, mysql_up, replication_error, read_only_changed).
// Pure: the caller passes the time and sends what it is told to.

#include <cstdint>
#include <optional>
#include <vector>

#include "pivot/protocol/event.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::agent {

struct Publish {
  bool state = false;                      // send the current snapshot
  std::vector<protocol::Event> events;     // send these first, in order
};

class Publication {
 public:
  explicit Publication(std::uint64_t heartbeat_interval_ms) : heartbeat_ms_(heartbeat_interval_ms) {}

  // A new snapshot was taken at now_ms.
  Publish on_snapshot(const protocol::NodeState& state, std::uint64_t now_ms);
  // A timer tick: a heartbeat is due when nothing was sent for an interval.
  Publish on_tick(std::uint64_t now_ms);

  const std::optional<protocol::NodeState>& last() const { return last_; }
  void set_heartbeat_interval(std::uint64_t ms) { heartbeat_ms_ = ms; }

 private:
  std::uint64_t heartbeat_ms_;
  std::optional<protocol::NodeState> last_;
  std::uint64_t last_sent_ms_ = 0;
};

// The edges between two snapshots (pure, exposed for tests).
std::vector<protocol::Event> events_between(const std::optional<protocol::NodeState>& before,
                                            const protocol::NodeState& after);

// Equal for the controller: ignores what changes on every probe (latency,
// uptime) so that a quiet node is not re-sent at the probe rate.
bool same_for_controller(const protocol::NodeState& a, const protocol::NodeState& b);

}  // namespace pivot::agent
