#pragma once
// The free-form maps of the protocol (command args, result detail) hold
// scalars only: nil, bool, integer, float, string. No nesting, no lists: every
// action's inputs and outputs fit in scalars, and a flat map is easy to
// validate, log and show in the API.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>

namespace pivot::protocol {

// Integers are carried as int64: a uint64 above INT64_MAX is rejected on decode.
using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

// std::map: keys in byte order, so encoding is deterministic.
using ValueMap = std::map<std::string, Value, std::less<>>;

// "nil", "bool", "integer", "float", "string": for error messages and docs.
const char* value_type_name(const Value& value);

}  // namespace pivot::protocol
