#include "pivot/protocol/value.hpp"

#include <iterator>

namespace pivot::protocol {

const char* value_type_name(const Value& value) {
  static constexpr const char* kNames[] = {"nil", "bool", "integer", "float", "string"};
  static_assert(std::size(kNames) == std::variant_size_v<Value>);
  return kNames[value.index()];
}

}  // namespace pivot::protocol
