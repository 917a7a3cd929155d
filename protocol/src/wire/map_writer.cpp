#include "map_writer.hpp"

#include <variant>

namespace pivot::protocol::wire {

void MapWriter::write(std::string_view text) {
  pk_.pack_str(static_cast<std::uint32_t>(text.size()));
  pk_.pack_str_body(text.data(), static_cast<std::uint32_t>(text.size()));
}

void MapWriter::write(bool flag) {
  if (flag) {
    pk_.pack_true();
  } else {
    pk_.pack_false();
  }
}

void MapWriter::write(std::uint64_t number) { pk_.pack_uint64(number); }

void MapWriter::write(std::int64_t number) { pk_.pack_int64(number); }

// Always float64: a value's wire form must not depend on whether it happens
// to be whole.
void MapWriter::write(double number) { pk_.pack_double(number); }

void MapWriter::write(const Value& value) {
  std::visit(
      [this](const auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) {
          pk_.pack_nil();
        } else {
          write(v);
        }
      },
      value);
}

void MapWriter::write(const ValueMap& map) {
  pk_.pack_map(static_cast<std::uint32_t>(map.size()));
  for (const auto& [key, value] : map) {
    write(key);
    write(value);
  }
}

}  // namespace pivot::protocol::wire
