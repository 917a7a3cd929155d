#pragma once
// RawMap: a MessagePack map taken apart entry by entry, so that a test can
// start from a valid encoded message and break one thing (drop a key, change
// a type, repeat a key) that encode() would never produce.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <msgpack.hpp>

namespace pivot::protocol::testing {

using Packer = msgpack::packer<msgpack::sbuffer>;
using Writer = std::function<void(Packer&)>;

// A writer for any value msgpack-c can pack.
template <typename T>
Writer val(T value) {
  return [value](Packer& packer) { packer.pack(value); };
}
Writer nil();

class RawMap {
 public:
  // The top-level map of encoded bytes (which must be a map).
  static RawMap parse(const std::string& bytes);

  // Replaces the key's value in place, or appends the key.
  RawMap& set(const std::string& key, Writer value);
  RawMap& set(const std::string& key, const RawMap& nested);
  RawMap& erase(const std::string& key);
  // Appends the key even if present: a repeated key.
  RawMap& append(const std::string& key, Writer value);
  // The map stored under key, to change and set() back.
  RawMap sub(const std::string& key) const;

  void pack(Packer& packer) const;
  std::string bytes() const;

 private:
  std::shared_ptr<msgpack::object_handle> keep_;  // owns the objects the writers point into
  std::vector<std::pair<std::string, Writer>> entries_;
  std::vector<std::pair<std::string, msgpack::object>> originals_;
};

}  // namespace pivot::protocol::testing
