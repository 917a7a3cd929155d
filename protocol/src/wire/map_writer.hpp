#pragma once
// MapWriter: the encoding visitor for fields(). Writes each key then its value,
// choosing the MessagePack form from the C++ type, so that one type always has
// one wire form (msgpack-c picks the smallest integer encoding).

#include <concepts>
#include <optional>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "fields.hpp"
#include "pivot/protocol/value.hpp"

namespace pivot::protocol::wire {

template <typename E>
concept WireEnum = std::is_enum_v<E> && requires { EnumNames<E>::names; };

class MapWriter {
 public:
  explicit MapWriter(msgpack::packer<msgpack::sbuffer>& packer) : pk_(packer) {}

  template <typename T>
  void operator()(std::string_view key, const T& value) {
    write(key);
    write(value);
  }
  // A key added to v1 later is written like any other (nil when unknown).
  template <typename T>
  void added(std::string_view key, const std::optional<T>& value) {
    (*this)(key, value);
  }

  void write(std::string_view text);
  void write(const std::string& text) { write(std::string_view(text)); }
  void write(const char* text) { write(std::string_view(text)); }
  void write(bool flag);
  void write(std::uint64_t number);
  void write(std::int64_t number);
  void write(double number);
  void write(const Value& value);
  void write(const ValueMap& map);

  template <std::unsigned_integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, std::uint64_t>)
  void write(T number) {
    write(static_cast<std::uint64_t>(number));
  }

  template <WireEnum E>
  void write(E value) {
    write(to_string(value));
  }

  template <typename T>
  void write(const std::optional<T>& value) {
    if (value) {
      write(*value);
    } else {
      pk_.pack_nil();
    }
  }

  template <Record R>
  void write(const R& record) {
    pk_.pack_map(field_count(record));
    fields(*this, record);
  }

  // For the envelope, whose v/type/body keys are not a plain record.
  void map_header(std::uint32_t entries) { pk_.pack_map(entries); }

 private:
  msgpack::packer<msgpack::sbuffer>& pk_;
};

}  // namespace pivot::protocol::wire
