#pragma once
// encode/decode: a Message <-> its two ZeroMQ frames (topic, MessagePack map).
// decode() is the edge for untrusted bytes: it never throws, never aborts, and
// says what is wrong with a stable errc slug (errors.hpp) and the field's path.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "pivot/protocol/message.hpp"
#include "pivot/result.hpp"

namespace pivot::protocol {

// Bounds for untrusted input. msgpack-c allocates from the headers it reads,
// so without them 5 bytes (dd dd dd 8a 8a) ask for 2^37 bytes.
struct DecodeLimits {
  std::size_t max_frame_bytes = 1024 * 1024;  // payload frame
  std::size_t max_string_bytes = 256 * 1024;  // any str, bin or ext (a gtid_executed can be long)
  std::size_t max_entries = 256;              // any map or array
  std::size_t max_depth = 8;                  // nesting; envelope > body > replica is 3
};

// The payload frame: a MessagePack map with keys in a fixed order, so equal
// messages give equal bytes (the golden fixtures rely on it). The topic frame
// is topic_of(message) (topic.hpp).
std::string encode(const Message& message);

// Both frames in, one typed Message out, or an Error. Checks that the frames
// agree (topic_mismatch) and that a state names the envelope's node
// (identity_mismatch). Does not check a command's action or args: the agent
// answers those with validate_args()'s error.
Result<Message> decode(std::string_view topic_frame, std::string_view payload_frame,
                       const DecodeLimits& limits = {});

// For a command that does not decode: its body.id when one can be read, so
// the agent can answer the sender with an error result instead of silence.
// Same limits; never throws.
std::optional<std::string> peek_command_id(std::string_view payload_frame, const DecodeLimits& limits = {});

}  // namespace pivot::protocol
