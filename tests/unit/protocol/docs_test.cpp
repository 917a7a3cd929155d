// docs/protocol.md keeps up with the code: every wire key, every action with
// its args and detail keys, and every error slug is named in it.

#include <cstdlib>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <msgpack.hpp>

#include "pivot/protocol/action_catalogue.hpp"
#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/errors.hpp"
#include "sample_messages.hpp"

namespace pivot::protocol {
namespace {

std::string protocol_doc() {
  const char* root = std::getenv("PIVOT_SOURCE_DIR");
  std::ifstream in(std::string(root != nullptr ? root : ".") + "/docs/protocol.md");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void expect_documented(const std::string& doc, std::string_view name) {
  EXPECT_NE(doc.find("`" + std::string(name) + "`"), std::string::npos)
      << "`" << name << "` is not in docs/protocol.md";
}

// Every key of a map and of the maps inside it.
void expect_keys_documented(const std::string& doc, const msgpack::object& map) {
  for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    expect_documented(doc, kv.key.as<std::string>());
    if (kv.val.type == msgpack::type::MAP) expect_keys_documented(doc, kv.val);
  }
}

TEST(ProtocolDoc, NamesEveryWireKey) {
  const std::string doc = protocol_doc();
  ASSERT_FALSE(doc.empty());
  for (auto build : {testing::mariadb_replica_state, testing::mysql_down_event,
                     testing::change_source_command, testing::change_source_result}) {
    const std::string bytes = encode(build());
    auto handle = msgpack::unpack(bytes.data(), bytes.size());
    expect_keys_documented(doc, handle.get());
  }
}

TEST(ProtocolDoc, NamesEveryActionArgAndDetailKey) {
  const std::string doc = protocol_doc();
  for (const auto& action : action_catalogue()) {
    expect_documented(doc, action.name);
    for (const auto& arg : action.args) expect_documented(doc, arg.name);
    for (const auto& key : action.detail) expect_documented(doc, key.name);
  }
}

TEST(ProtocolDoc, NamesEveryErrorCode) {
  const std::string doc = protocol_doc();
  for (const char* code :
       {errc::bad_topic, errc::frame_too_large, errc::not_msgpack, errc::limit_exceeded,
        errc::trailing_bytes, errc::not_a_map, errc::duplicate_key, errc::wrong_type,
        errc::missing_field, errc::bad_value, errc::unknown_version, errc::unknown_type,
        errc::bad_name, errc::topic_mismatch, errc::identity_mismatch, errc::unknown_action,
        errc::missing_arg, errc::wrong_arg_type, errc::unknown_arg, errc::bad_arg_value}) {
    expect_documented(doc, code);
  }
}

}  // namespace
}  // namespace pivot::protocol
