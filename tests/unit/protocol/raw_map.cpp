#include "raw_map.hpp"

#include <algorithm>
#include <stdexcept>

namespace pivot::protocol::testing {


Writer nil() {
  return [](Packer& packer) { packer.pack_nil(); };
}

RawMap RawMap::parse(const std::string& bytes) {
  auto handle = std::make_shared<msgpack::object_handle>(msgpack::unpack(bytes.data(), bytes.size()));
  RawMap out;
  out.keep_ = handle;
  const msgpack::object& root = handle->get();
  if (root.type != msgpack::type::MAP) throw std::invalid_argument("RawMap::parse: not a map");
  for (std::uint32_t i = 0; i < root.via.map.size; ++i) {
    const auto& kv = root.via.map.ptr[i];
    std::string key = kv.key.as<std::string>();
    msgpack::object value = kv.val;
    out.entries_.emplace_back(key, [value, handle](Packer& packer) { packer.pack(value); });
    out.originals_.emplace_back(key, value);
  }
  return out;
}

RawMap& RawMap::set(const std::string& key, Writer value) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&key](const auto& entry) { return entry.first == key; });
  if (it == entries_.end()) return append(key, std::move(value));
  it->second = std::move(value);
  return *this;
}

RawMap& RawMap::set(const std::string& key, const RawMap& nested) {
  return set(key, [nested](Packer& packer) { nested.pack(packer); });
}

RawMap& RawMap::erase(const std::string& key) {
  std::erase_if(entries_, [&key](const auto& entry) { return entry.first == key; });
  return *this;
}

RawMap& RawMap::append(const std::string& key, Writer value) {
  entries_.emplace_back(key, std::move(value));
  return *this;
}

RawMap RawMap::sub(const std::string& key) const {
  for (const auto& [name, object] : originals_) {
    if (name != key || object.type != msgpack::type::MAP) continue;
    // Re-parse the nested map through its own bytes: simple, and owns itself.
    msgpack::sbuffer buffer;
    msgpack::pack(buffer, object);
    return parse(std::string(buffer.data(), buffer.size()));
  }
  throw std::invalid_argument("RawMap::sub: no map under " + key);
}

void RawMap::pack(Packer& packer) const {
  packer.pack_map(static_cast<std::uint32_t>(entries_.size()));
  for (const auto& [key, writer] : entries_) {
    packer.pack(key);
    writer(packer);
  }
}

std::string RawMap::bytes() const {
  msgpack::sbuffer buffer;
  Packer packer(buffer);
  pack(packer);
  return std::string(buffer.data(), buffer.size());
}

}  // namespace pivot::protocol::testing
