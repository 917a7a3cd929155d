#pragma once
// Event: an edge the agent saw between two snapshots, sent at once so that the
// controller does not wait for the next heartbeat. The state that follows is
// the truth; an event is a prompt with a human-readable detail.

#include <array>
#include <string>
#include <string_view>

#include "pivot/protocol/enum_names.hpp"

namespace pivot::protocol {

// fence_lost: the agent's fence_writes lock ended without release_fence (its
// session died or its lease passed): commits are possible on the node again.
enum class EventKind { mysql_down, mysql_up, replication_error, read_only_changed, fence_lost };
template <>
struct EnumNames<EventKind> {
  static constexpr std::array<std::string_view, 5> names{"mysql_down", "mysql_up", "replication_error",
                                                         "read_only_changed", "fence_lost"};
};

struct Event {
  EventKind kind = EventKind::mysql_down;
  std::string detail;  // e.g. "Can't connect to server on '127.0.0.1' (111)"
  bool operator==(const Event&) const = default;
};

}  // namespace pivot::protocol
