#pragma once
// The stable error slugs of pivot_protocol (pivot::Error::code). Adapters log
// them, tests match on them, docs/protocol.md lists them: never rename one.

namespace pivot::protocol::errc {

// decode(): the frames themselves
inline constexpr char bad_topic[] = "bad_topic";              // topic frame is not evt|cmd/<cluster>/<node>/
inline constexpr char frame_too_large[] = "frame_too_large";  // payload over DecodeLimits::max_frame_bytes
inline constexpr char not_msgpack[] = "not_msgpack";          // truncated or malformed MessagePack
inline constexpr char limit_exceeded[] = "limit_exceeded";    // a str/bin/ext/array/map/depth bound hit
inline constexpr char trailing_bytes[] = "trailing_bytes";    // bytes after the top-level map
inline constexpr char not_a_map[] = "not_a_map";              // the top-level object is not a map
// decode(): the fields
inline constexpr char duplicate_key[] = "duplicate_key";      // a map names the same key twice
inline constexpr char wrong_type[] = "wrong_type";            // a field has the wrong MessagePack type or sign
inline constexpr char missing_field[] = "missing_field";      // a required key is absent
inline constexpr char bad_value[] = "bad_value";              // right type, value outside its domain
inline constexpr char unknown_version[] = "unknown_version";  // v is not a version this build speaks
inline constexpr char unknown_type[] = "unknown_type";        // type is not state|event|command|result
inline constexpr char bad_name[] = "bad_name";                // cluster or node breaks the name grammar
inline constexpr char topic_mismatch[] = "topic_mismatch";    // topic disagrees with the envelope
inline constexpr char identity_mismatch[] = "identity_mismatch";  // body names another cluster/node

// validate_args(): a command's action and args
inline constexpr char unknown_action[] = "unknown_action";
inline constexpr char missing_arg[] = "missing_arg";
inline constexpr char wrong_arg_type[] = "wrong_arg_type";
inline constexpr char unknown_arg[] = "unknown_arg";
inline constexpr char bad_arg_value[] = "bad_arg_value";

}  // namespace pivot::protocol::errc
