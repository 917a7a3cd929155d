#pragma once
// One table per wire enum maps its values to their wire strings, so encode,
// decode, docs and the REST layer all spell them the same way. An enum's
// values must run 0..N-1 in the order of its table.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pivot::protocol {

// Specialised next to each enum: static constexpr std::array<std::string_view, N> names.
template <typename E>
struct EnumNames;

template <typename E>
std::string_view to_string(E value) {
  return EnumNames<E>::names[static_cast<std::size_t>(value)];
}

template <typename E>
std::optional<E> enum_from_string(std::string_view text) {
  const auto& names = EnumNames<E>::names;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

// "a, b, c": for error messages that list what was allowed.
template <typename E>
std::string enum_choices() {
  std::string out;
  for (auto name : EnumNames<E>::names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace pivot::protocol
