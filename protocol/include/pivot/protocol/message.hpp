#pragma once
// Message: the envelope every payload frame carries, and its typed body.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "pivot/protocol/command.hpp"
#include "pivot/protocol/command_result.hpp"
#include "pivot/protocol/enum_names.hpp"
#include "pivot/protocol/event.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::protocol {

inline constexpr std::uint64_t kProtocolVersion = 1;

// In the order of Body's alternatives.
enum class MessageType { state, event, command, result };
template <>
struct EnumNames<MessageType> {
  static constexpr std::array<std::string_view, 4> names{"state", "event", "command", "result"};
};

using Body = std::variant<NodeState, Event, Command, CommandResult>;

// The wire envelope is {v, type, cluster, node, boot_id, seq, ts_ms, body}:
// v is always kProtocolVersion and type follows from the body, so neither is
// stored here.
struct Envelope {
  std::string cluster;  // name grammar; agent messages: the sender; commands: the addressee
  std::string node;
  std::string boot_id;      // non-empty; new at every start of the sender
  std::uint64_t seq = 0;    // grows within a boot; a gap means lost messages
  std::uint64_t ts_ms = 0;  // ms since the Unix epoch, sender's clock (informative only)
  bool operator==(const Envelope&) const = default;
};

struct Message {
  Envelope envelope;
  Body body;
  MessageType type() const { return static_cast<MessageType>(body.index()); }
  bool operator==(const Message&) const = default;
};

}  // namespace pivot::protocol
