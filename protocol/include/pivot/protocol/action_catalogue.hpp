#pragma once
// The agent's actions as data: each one's args (name, type, required or not,
// allowed values) and the keys of its result detail. pivotd builds commands
// from it, the agent validates them with it, docs/protocol.md describes it.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "pivot/protocol/value.hpp"
#include "pivot/result.hpp"

namespace pivot::protocol {

enum class ArgType { boolean, integer, string };

struct ArgSpec {
  std::string_view name;
  ArgType type = ArgType::string;
  bool required = true;
  std::vector<std::string_view> choices = {};  // string args: allowed values (empty: any non-empty string)
  std::int64_t min = 0;                   // integer args: inclusive range
  std::int64_t max = INT64_MAX;
  std::string_view doc = {};
};

struct DetailKey {
  std::string_view name;
  std::string_view doc;  // type and meaning
};

struct ActionSpec {
  std::string_view name;
  std::string_view doc;
  std::vector<ArgSpec> args;
  std::vector<DetailKey> detail;
};

// Every action, in a fixed order.
std::span<const ActionSpec> action_catalogue();
// nullptr when the action is unknown.
const ActionSpec* find_action(std::string_view name);

// Ok, or unknown_action, missing_arg, wrong_arg_type, unknown_arg, bad_arg_value
// (errors.hpp), the message naming the action and the arg.
Result<void> validate_args(std::string_view action, const ValueMap& args);

}  // namespace pivot::protocol
