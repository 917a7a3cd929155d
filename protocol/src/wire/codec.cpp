#include "pivot/protocol/codec.hpp"

#include <new>
#include <utility>

#include <msgpack.hpp>

#include "map_reader.hpp"
#include "map_writer.hpp"
#include "pivot/protocol/errors.hpp"
#include "pivot/protocol/names.hpp"
#include "pivot/protocol/topic.hpp"

namespace pivot::protocol {

namespace {

using wire::MapReader;

// The Body alternative for a message type, default-constructed, to read into.
template <std::size_t... I>
Body empty_body(MessageType type, std::index_sequence<I...>) {
  Body body;
  ((static_cast<std::size_t>(type) == I ? (void)body.emplace<I>() : void()), ...);
  return body;
}
static_assert(std::variant_size_v<Body> == EnumNames<MessageType>::names.size());

// msgpack-c throws on bad input; this is the edge where that stops. The limits
// are what keep `dd dd dd 8a 8a` (an array32 header claiming 2^32 entries) from
// allocating 2^37 bytes: msgpack-c allocates a container before reading it.
Result<msgpack::object_handle> unpack(std::string_view payload, const DecodeLimits& limits) {
  const msgpack::unpack_limit bounds(limits.max_entries, limits.max_entries,
                                     limits.max_string_bytes, limits.max_string_bytes,
                                     limits.max_string_bytes, limits.max_depth);
  std::size_t offset = 0;
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(payload.data(), payload.size(), offset, nullptr, nullptr, bounds);
  } catch (const msgpack::size_overflow& e) {
    return make_error(errc::limit_exceeded,
                      std::string("payload exceeds a decode limit: ") + e.what());
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "payload needs more memory than is available");
  } catch (const std::exception& e) {  // insufficient_bytes, parse_error, anything else
    return make_error(errc::not_msgpack, std::string("payload is not MessagePack: ") + e.what());
  }
  if (offset != payload.size()) {
    return make_error(errc::trailing_bytes, std::to_string(payload.size() - offset) +
                                                " bytes follow the message map");
  }
  return handle;
}

Result<MessageType> read_version_and_type(MapReader& reader) {
  std::uint64_t version = 0;
  reader("v", version);
  if (!reader.ok()) return reader.error();
  if (version != kProtocolVersion) {
    return make_error(errc::unknown_version, "v is " + std::to_string(version) +
                                                 ", this build speaks v" +
                                                 std::to_string(kProtocolVersion));
  }
  std::string type_text;
  reader("type", type_text);
  if (!reader.ok()) return reader.error();
  auto type = enum_from_string<MessageType>(type_text);
  if (!type) {
    return make_error(errc::unknown_type, "type '" + type_text.substr(0, 64) +
                                              "' is not one of " + enum_choices<MessageType>());
  }
  return *type;
}

Result<void> check_non_empty(std::string_view field, const std::string& value) {
  if (!value.empty()) return ok();
  return make_error(errc::bad_value, std::string(field) + " must not be empty");
}

Result<void> check_identity(const Topic& topic, const Message& message) {
  const Envelope& env = message.envelope;
  if (auto r = validate_name(env.cluster, "cluster"); !r) return r;
  if (auto r = validate_name(env.node, "node"); !r) return r;
  if (auto r = check_non_empty("boot_id", env.boot_id); !r) return r;
  if (topic.channel != channel_of(message.type())) {
    return make_error(errc::topic_mismatch, std::string("a ") +
                                                std::string(to_string(message.type())) +
                                                " message cannot travel on this channel");
  }
  if (topic.cluster != env.cluster || topic.node != env.node) {
    return make_error(errc::topic_mismatch, "topic names " + topic.cluster + "/" + topic.node +
                                                " but the envelope names " + env.cluster + "/" +
                                                env.node);
  }
  return ok();
}

// Rules within a body that its types alone do not say.
Result<void> check_body(const Message& message) {
  const Envelope& env = message.envelope;
  if (const auto* state = std::get_if<NodeState>(&message.body)) {
    if (state->cluster != env.cluster || state->node != env.node) {
      return make_error(errc::identity_mismatch,
                        "body names " + state->cluster.substr(0, 64) + "/" +
                            state->node.substr(0, 64) + " but the envelope names " +
                            env.cluster + "/" + env.node);
    }
  } else if (const auto* command = std::get_if<Command>(&message.body)) {
    return check_non_empty("body.id", command->id);
  } else if (const auto* result = std::get_if<CommandResult>(&message.body)) {
    return check_non_empty("body.id", result->id);
  }
  return ok();
}

Result<Message> decode_payload(const Topic& topic, std::string_view payload,
                               const DecodeLimits& limits) {
  if (payload.size() > limits.max_frame_bytes) {
    return make_error(errc::frame_too_large,
                      "payload of " + std::to_string(payload.size()) + " bytes is over the " +
                          std::to_string(limits.max_frame_bytes) + "-byte limit");
  }
  auto handle = unpack(payload, limits);
  if (!handle) return handle.error();
  const msgpack::object& root = handle->get();
  if (root.type != msgpack::type::MAP) {
    return make_error(errc::not_a_map, std::string("message is a ") +
                                           wire::msgpack_type_name(root.type) +
                                           ", expected a map");
  }
  MapReader reader(root, "");
  auto type = read_version_and_type(reader);
  if (!type) return type.error();

  Message message{{}, empty_body(*type, std::make_index_sequence<std::variant_size_v<Body>>{})};
  wire::fields(reader, message.envelope);
  std::visit([&reader](auto& body) { reader("body", body); }, message.body);
  if (!reader.ok()) return reader.error();
  if (auto r = check_identity(topic, message); !r) return r.error();
  if (auto r = check_body(message); !r) return r.error();
  return message;
}

}  // namespace

std::string encode(const Message& message) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  wire::MapWriter writer(packer);
  // v, type, the envelope's fields, body: see docs/protocol.md.
  writer.map_header(2 + wire::field_count(message.envelope) + 1);
  writer("v", kProtocolVersion);
  writer("type", message.type());
  wire::fields(writer, message.envelope);
  std::visit([&writer](const auto& body) { writer("body", body); }, message.body);
  return std::string(buffer.data(), buffer.size());
}

Result<Message> decode(std::string_view topic_frame, std::string_view payload_frame,
                       const DecodeLimits& limits) {
  // Nothing below should throw once unpack() has caught msgpack-c; this guard
  // keeps the promise for the rest (std::string growth failing, for one).
  try {
    auto topic = parse_topic(topic_frame);
    if (!topic) return topic.error();
    return decode_payload(*topic, payload_frame, limits);
  } catch (const std::bad_alloc&) {
    return make_error(errc::limit_exceeded, "decoding ran out of memory");
  } catch (const std::exception& e) {
    return make_error(errc::not_msgpack, std::string("decoding failed: ") + e.what());
  }
}

std::optional<std::string> peek_command_id(std::string_view payload_frame, const DecodeLimits& limits) {
  try {
    if (payload_frame.size() > limits.max_frame_bytes) return std::nullopt;
    auto handle = unpack(payload_frame, limits);
    if (!handle) return std::nullopt;
    // Follows body.id through whatever else is wrong with the message.
    auto find = [](const msgpack::object& map, std::string_view key) -> const msgpack::object* {
      if (map.type != msgpack::type::MAP) return nullptr;
      for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        const auto& kv = map.via.map.ptr[i];
        if (kv.key.type == msgpack::type::STR &&
            std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
          return &kv.val;
        }
      }
      return nullptr;
    };
    const msgpack::object* body = find(handle->get(), "body");
    const msgpack::object* id = body ? find(*body, "id") : nullptr;
    if (!id || id->type != msgpack::type::STR || id->via.str.size == 0 || id->via.str.size > 256) {
      return std::nullopt;
    }
    return std::string(id->via.str.ptr, id->via.str.size);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace pivot::protocol
