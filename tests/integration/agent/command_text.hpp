#pragma once
// One agent command's result as a test log line ("id ok 3 ms { key=value }"):
// the integration tests of the actions print every result they get.
#include <string>
#include <variant>

#include "pivot/protocol/command_result.hpp"

namespace pivot::agent {

inline std::string show(const protocol::CommandResult& r) {
  std::string out = r.id + (r.ok ? " ok" : " FAILED " + r.error) + " " + std::to_string(r.duration_ms) + " ms {";
  for (const auto& [key, value] : r.detail) {
    out += " " + key + "=";
    if (const auto* s = std::get_if<std::string>(&value)) out += "'" + *s + "'";
    else if (const auto* b = std::get_if<bool>(&value)) out += *b ? "true" : "false";
    else if (const auto* i = std::get_if<std::int64_t>(&value)) out += std::to_string(*i);
    else out += "nil";
  }
  return out + " }";
}

}  // namespace pivot::agent
