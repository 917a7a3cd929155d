#pragma once
// MapReader: the decoding visitor for fields(). It reads a key of a decoded
// MessagePack map into a C++ member, checking type, sign, range and enum
// values. The first error sticks and later reads do nothing, so a schema reads
// as a plain list of fields (fields.hpp) and the caller checks once.
// Never throws: it only inspects msgpack::object, it never calls convert().

#include <concepts>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "fields.hpp"
#include "map_writer.hpp"  // WireEnum
#include "pivot/protocol/errors.hpp"
#include "pivot/protocol/value.hpp"
#include "pivot/result.hpp"

namespace pivot::protocol::wire {

class MapReader {
 public:
  // `path` names the map in messages ("" for the top level, "body.replica").
  // Not a map, a non-string key or a repeated key: the reader holds the error.
  MapReader(const msgpack::object& map, std::string path);

  // A required key: absent is missing_field; nil only for std::optional members.
  template <typename T>
  void operator()(std::string_view key, T& out) {
    if (error_) return;
    const msgpack::object* value = find(key);
    if (value == nullptr) return fail(errc::missing_field, path_of(key) + " is missing");
    read(*value, out, path_of(key));
  }

  // A key added to v1 after its first release (docs/protocol.md,
  // "Compatibility"): an older sender does not write it, so absent is nil.
  template <typename T>
  void added(std::string_view key, std::optional<T>& out) {
    if (error_) return;
    const msgpack::object* value = find(key);
    if (value == nullptr) {
      out.reset();
      return;
    }
    read(*value, out, path_of(key));
  }

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }
  const msgpack::object_map& map() const { return map_; }

 private:
  const msgpack::object* find(std::string_view key) const;
  std::string path_of(std::string_view key) const;
  void fail(const char* code, std::string message);
  bool expect(const msgpack::object& value, msgpack::type::object_type type,
              const std::string& path);

  void read(const msgpack::object& value, std::string& out, const std::string& path);
  void read(const msgpack::object& value, bool& out, const std::string& path);
  void read(const msgpack::object& value, std::uint64_t& out, const std::string& path);
  void read(const msgpack::object& value, double& out, const std::string& path);
  void read(const msgpack::object& value, Value& out, const std::string& path);
  void read(const msgpack::object& value, ValueMap& out, const std::string& path);

  template <std::unsigned_integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, std::uint64_t>)
  void read(const msgpack::object& value, T& out, const std::string& path) {
    std::uint64_t wide = 0;
    read(value, wide, path);
    if (error_) return;
    if (wide > std::numeric_limits<T>::max()) {
      return fail(errc::bad_value, path + ": " + std::to_string(wide) + " is over the maximum " +
                                       std::to_string(std::numeric_limits<T>::max()));
    }
    out = static_cast<T>(wide);
  }

  template <WireEnum E>
  void read(const msgpack::object& value, E& out, const std::string& path) {
    std::string text;
    read(value, text, path);
    if (error_) return;
    auto parsed = enum_from_string<E>(text);
    if (!parsed) {
      return fail(errc::bad_value,
                  path + ": '" + text + "' is not one of " + enum_choices<E>());
    }
    out = *parsed;
  }

  template <typename T>
  void read(const msgpack::object& value, std::optional<T>& out, const std::string& path) {
    if (value.type == msgpack::type::NIL) {
      out.reset();
      return;
    }
    T inner{};
    read(value, inner, path);
    if (!error_) out = std::move(inner);
  }

  template <Record R>
  void read(const msgpack::object& value, R& out, const std::string& path) {
    MapReader nested(value, path);
    fields(nested, out);
    if (!nested.ok()) error_ = nested.error();
  }

  msgpack::object_map map_{};
  std::string path_;
  std::optional<Error> error_;
};

// "str", "positive integer", ...: names a MessagePack type in error messages.
const char* msgpack_type_name(msgpack::type::object_type type);

}  // namespace pivot::protocol::wire
