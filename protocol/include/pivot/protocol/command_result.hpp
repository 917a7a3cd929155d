#pragma once
// CommandResult: the agent's answer to a Command (message type "result").
// Named so to stay apart from pivot::Result.

#include <cstdint>
#include <string>

#include "pivot/protocol/value.hpp"

namespace pivot::protocol {

struct CommandResult {
  std::string id;  // the Command's id
  bool ok = false;
  std::string error;  // a stable slug when !ok (e.g. "stale_epoch"), "" when ok
  ValueMap detail;    // the action's detail keys; "message" holds a sentence when !ok
  std::uint64_t duration_ms = 0;  // ms the agent spent on it
  bool operator==(const CommandResult&) const = default;
};

}  // namespace pivot::protocol
