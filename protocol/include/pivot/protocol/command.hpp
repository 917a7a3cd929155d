#pragma once
// Command: pivotd asks one agent to run one action (see action_catalogue.hpp).

#include <cstdint>
#include <string>

#include "pivot/protocol/value.hpp"

namespace pivot::protocol {

struct Command {
  std::string id;           // non-empty; stable across pivotd restarts (journaled); dedup key
  std::uint64_t epoch = 0;  // controller generation; the agent refuses a lower one
  std::string action;       // kept as text: an unknown action is answered, not dropped
  ValueMap args;            // checked by validate_args(), not by decode()
  std::uint64_t timeout_ms = 0;  // ms counted from receipt, never a wall-clock instant
  bool operator==(const Command&) const = default;
};

}  // namespace pivot::protocol
