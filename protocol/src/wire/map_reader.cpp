#include "map_reader.hpp"

#include <algorithm>
#include <vector>

namespace pivot::protocol::wire {

namespace {

std::string_view key_text(const msgpack::object& key) {
  return {key.via.str.ptr, key.via.str.size};
}

// "body" + "kind" -> "body.kind"; the top level has the empty path.
std::string join_path(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

}  // namespace

const char* msgpack_type_name(msgpack::type::object_type type) {
  switch (type) {
    case msgpack::type::NIL: return "nil";
    case msgpack::type::BOOLEAN: return "bool";
    case msgpack::type::POSITIVE_INTEGER: return "unsigned integer";
    case msgpack::type::NEGATIVE_INTEGER: return "negative integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return "float";
    case msgpack::type::STR: return "string";
    case msgpack::type::BIN: return "bin";
    case msgpack::type::ARRAY: return "array";
    case msgpack::type::MAP: return "map";
    case msgpack::type::EXT: return "ext";
  }
  return "unknown";
}

MapReader::MapReader(const msgpack::object& map, std::string path) : path_(std::move(path)) {
  const std::string label = path_.empty() ? std::string("message") : path_;
  if (!expect(map, msgpack::type::MAP, label)) return;
  map_ = map.via.map;
  // Keys are strings and unique: a repeated key would let two readers of the
  // same bytes see different values.
  std::vector<std::string_view> keys;
  keys.reserve(map_.size);
  for (std::uint32_t i = 0; i < map_.size; ++i) {
    const msgpack::object& key = map_.ptr[i].key;
    if (key.type != msgpack::type::STR) {
      fail(errc::wrong_type,
           label + ": a key is a " + msgpack_type_name(key.type) + ", keys must be strings");
      return;
    }
    keys.push_back(key_text(key));
  }
  std::sort(keys.begin(), keys.end());
  auto repeated = std::adjacent_find(keys.begin(), keys.end());
  if (repeated != keys.end()) {
    fail(errc::duplicate_key, path_of(*repeated) + " appears more than once");
  }
}

const msgpack::object* MapReader::find(std::string_view key) const {
  for (std::uint32_t i = 0; i < map_.size; ++i) {
    if (key_text(map_.ptr[i].key) == key) return &map_.ptr[i].val;
  }
  return nullptr;
}

std::string MapReader::path_of(std::string_view key) const { return join_path(path_, key); }

void MapReader::fail(const char* code, std::string message) {
  if (!error_) error_ = make_error(code, std::move(message));
}

bool MapReader::expect(const msgpack::object& value, msgpack::type::object_type type,
                       const std::string& path) {
  if (value.type == type) return true;
  fail(errc::wrong_type, path + ": expected " + msgpack_type_name(type) + ", got " +
                             msgpack_type_name(value.type));
  return false;
}

void MapReader::read(const msgpack::object& value, std::string& out, const std::string& path) {
  if (expect(value, msgpack::type::STR, path)) out.assign(key_text(value));
}

void MapReader::read(const msgpack::object& value, bool& out, const std::string& path) {
  if (expect(value, msgpack::type::BOOLEAN, path)) out = value.via.boolean;
}

// Negative integers arrive as NEGATIVE_INTEGER (msgpack-c normalises every
// non-negative integer to POSITIVE_INTEGER), so this also rejects a sign.
void MapReader::read(const msgpack::object& value, std::uint64_t& out, const std::string& path) {
  if (expect(value, msgpack::type::POSITIVE_INTEGER, path)) out = value.via.u64;
}

// A float field also takes an integer: a number is a number, and some packers
// shrink whole floats.
void MapReader::read(const msgpack::object& value, double& out, const std::string& path) {
  switch (value.type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: out = value.via.f64; return;
    case msgpack::type::POSITIVE_INTEGER: out = static_cast<double>(value.via.u64); return;
    case msgpack::type::NEGATIVE_INTEGER: out = static_cast<double>(value.via.i64); return;
    default: expect(value, msgpack::type::FLOAT64, path);
  }
}

void MapReader::read(const msgpack::object& value, Value& out, const std::string& path) {
  switch (value.type) {
    case msgpack::type::NIL: out = std::monostate{}; return;
    case msgpack::type::BOOLEAN: out = value.via.boolean; return;
    case msgpack::type::POSITIVE_INTEGER:
      if (value.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return fail(errc::bad_value, path + ": " + std::to_string(value.via.u64) +
                                         " does not fit a signed 64-bit integer");
      }
      out = static_cast<std::int64_t>(value.via.u64);
      return;
    case msgpack::type::NEGATIVE_INTEGER: out = value.via.i64; return;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: out = value.via.f64; return;
    case msgpack::type::STR: out = std::string(key_text(value)); return;
    default:
      fail(errc::wrong_type, path + ": expected nil, bool, integer, float or string, got " +
                                 msgpack_type_name(value.type));
  }
}

void MapReader::read(const msgpack::object& value, ValueMap& out, const std::string& path) {
  MapReader entries(value, path);
  if (!entries.ok()) {
    error_ = entries.error();
    return;
  }
  out.clear();
  for (std::uint32_t i = 0; i < entries.map_.size && !error_; ++i) {
    const auto& kv = entries.map_.ptr[i];
    std::string key(key_text(kv.key));
    read(kv.val, out[key], join_path(path, key));
  }
}

}  // namespace pivot::protocol::wire
