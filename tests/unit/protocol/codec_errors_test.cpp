// Every way decode() refuses input, each by its own error code, with the
// message naming the field. Bad inputs start from a valid message and break
// one thing (RawMap), or are raw bytes.

#include <chrono>
#include <functional>

#include <gtest/gtest.h>

#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/errors.hpp"
#include "pivot/protocol/topic.hpp"
#include "raw_map.hpp"
#include "sample_messages.hpp"

namespace pivot::protocol {
namespace {

using namespace testing;  // NOLINT: the sample builders and RawMap

struct Frames {
  std::string topic;
  std::string payload;
};

using Change = std::function<void(RawMap&)>;

// The message's frames with the payload map changed.
Frames broken(const Message& message, const Change& change) {
  auto raw = RawMap::parse(encode(message));
  change(raw);
  return {topic_of(message), raw.bytes()};
}

// The same, changing a map nested under `path` (e.g. {"body", "replica"}).
Frames broken_at(const Message& message, std::vector<std::string> path, const Change& change) {
  std::function<void(RawMap&, std::size_t)> descend = [&](RawMap& map, std::size_t depth) {
    if (depth == path.size()) return change(map);
    RawMap inner = map.sub(path[depth]);
    descend(inner, depth + 1);
    map.set(path[depth], inner);
  };
  return broken(message, [&](RawMap& raw) { descend(raw, 0); });
}

Frames with_payload(const Message& message, std::string payload) {
  return {topic_of(message), std::move(payload)};
}

Frames with_topic(const Message& message, std::string topic) {
  return {std::move(topic), encode(message)};
}

struct BadInput {
  const char* name;
  std::function<Frames()> frames;
  const char* code;
  const char* mentions;  // a text the error message must contain (the field)
};

// [[[...[nil]...]]]: `depth` arrays inside each other.
Writer nested_arrays(int depth) {
  return [depth](Packer& packer) {
    for (int i = 0; i < depth; ++i) packer.pack_array(1);
    packer.pack_nil();
  };
}

std::vector<BadInput> bad_inputs() {
  const Message event = mysql_down_event();
  const Message state = mariadb_replica_state();
  const Message command = change_source_command();
  const Message result = change_source_result();
  return {
      // the bytes
      {"empty_payload", [=] { return with_payload(event, ""); }, errc::not_msgpack, "MessagePack"},
      {"truncated_payload",
       [=] {
         std::string bytes = encode(event);
         bytes.pop_back();
         return with_payload(event, bytes);
       },
       errc::not_msgpack, "MessagePack"},
      {"reserved_byte_c1", [=] { return with_payload(event, "\xc1"); }, errc::not_msgpack,
       "MessagePack"},
      {"array32_claiming_4g_entries", [=] { return with_payload(event, "\xdd\xdd\xdd\x8a\x8a"); },
       errc::limit_exceeded, "limit"},
      {"string_over_limit",
       [=] {
         return broken_at(event, {"body"}, [](RawMap& body) {
           body.set("detail", val(std::string(300 * 1024, 'x')));
         });
       },
       errc::limit_exceeded, "limit"},
      {"map_over_entry_limit",
       [=] {
         std::map<std::string, int> big;
         for (int i = 0; i < 300; ++i) big["k" + std::to_string(i)] = i;
         return broken(event, [big](RawMap& raw) { raw.set("extra", val(big)); });
       },
       errc::limit_exceeded, "limit"},
      {"nesting_over_depth_limit",
       [=] {
         return broken(event, [](RawMap& raw) { raw.set("extra", nested_arrays(12)); });
       },
       errc::limit_exceeded, "limit"},
      {"trailing_bytes", [=] { return with_payload(event, encode(event) + '\xc0'); },
       errc::trailing_bytes, "follow"},
      {"payload_is_an_array",
       [=] {
         msgpack::sbuffer buffer;
         msgpack::pack(buffer, std::vector<int>{1, 2});
         return with_payload(event, std::string(buffer.data(), buffer.size()));
       },
       errc::not_a_map, "array"},
      {"payload_is_a_string", [=] { return with_payload(event, "\xa5state"); }, errc::not_a_map,
       "string"},
      {"payload_over_1_mib",
       [=] { return with_payload(event, std::string(1024 * 1024 + 1, '\x80')); },
       errc::frame_too_large, "1048577"},
      // the map itself
      {"key_is_not_a_string",
       [=] {
         msgpack::sbuffer buffer;
         Packer packer(buffer);
         packer.pack_map(1);
         packer.pack(1);
         packer.pack(std::string("v"));
         return with_payload(event, std::string(buffer.data(), buffer.size()));
       },
       errc::wrong_type, "keys must be strings"},
      {"repeated_top_level_key",
       [=] { return broken(event, [](RawMap& raw) { raw.append("seq", val(14)); }); },
       errc::duplicate_key, "seq"},
      {"repeated_body_key",
       [=] {
         return broken_at(event, {"body"}, [](RawMap& body) { body.append("kind", val("mysql_up")); });
       },
       errc::duplicate_key, "body.kind"},
      // the envelope
      {"v_missing", [=] { return broken(event, [](RawMap& raw) { raw.erase("v"); }); },
       errc::missing_field, "v"},
      {"v_is_a_string", [=] { return broken(event, [](RawMap& raw) { raw.set("v", val("1")); }); },
       errc::wrong_type, "v"},
      {"v_is_2", [=] { return broken(event, [](RawMap& raw) { raw.set("v", val(2)); }); },
       errc::unknown_version, "v is 2"},
      {"v_is_0", [=] { return broken(event, [](RawMap& raw) { raw.set("v", val(0)); }); },
       errc::unknown_version, "v is 0"},
      {"type_unknown",
       [=] { return broken(event, [](RawMap& raw) { raw.set("type", val("gossip")); }); },
       errc::unknown_type, "gossip"},
      {"type_is_an_int", [=] { return broken(event, [](RawMap& raw) { raw.set("type", val(1)); }); },
       errc::wrong_type, "type"},
      {"seq_missing", [=] { return broken(event, [](RawMap& raw) { raw.erase("seq"); }); },
       errc::missing_field, "seq"},
      {"seq_is_a_string",
       [=] { return broken(event, [](RawMap& raw) { raw.set("seq", val("13")); }); },
       errc::wrong_type, "seq"},
      {"seq_is_negative", [=] { return broken(event, [](RawMap& raw) { raw.set("seq", val(-1)); }); },
       errc::wrong_type, "seq: expected unsigned integer, got negative integer"},
      {"ts_ms_is_a_float",
       [=] { return broken(event, [](RawMap& raw) { raw.set("ts_ms", val(1.5)); }); },
       errc::wrong_type, "ts_ms"},
      {"cluster_is_nil", [=] { return broken(event, [](RawMap& raw) { raw.set("cluster", nil()); }); },
       errc::wrong_type, "cluster"},
      {"cluster_breaks_grammar",
       [=] { return broken(event, [](RawMap& raw) { raw.set("cluster", val("SMS-1")); }); },
       errc::bad_name, "cluster 'SMS-1'"},
      {"node_has_a_dot",
       [=] { return broken(event, [](RawMap& raw) { raw.set("node", val("db.1")); }); },
       errc::bad_name, "node 'db.1'"},
      {"boot_id_empty",
       [=] { return broken(event, [](RawMap& raw) { raw.set("boot_id", val("")); }); },
       errc::bad_value, "boot_id"},
      {"body_missing", [=] { return broken(event, [](RawMap& raw) { raw.erase("body"); }); },
       errc::missing_field, "body"},
      {"body_is_an_array",
       [=] { return broken(event, [](RawMap& raw) { raw.set("body", val(std::vector<int>{1})); }); },
       errc::wrong_type, "body: expected map, got array"},
      // the frames against each other
      {"command_on_the_events_channel",
       [=] { return with_topic(command, make_topic(Channel::events, "sms-1", "db3")); },
       errc::topic_mismatch, "command"},
      {"state_on_the_commands_channel",
       [=] { return with_topic(state, make_topic(Channel::commands, "sms-1", "db2")); },
       errc::topic_mismatch, "state"},
      {"topic_names_another_node",
       [=] { return with_topic(event, make_topic(Channel::events, "sms-1", "db10")); },
       errc::topic_mismatch, "db10"},
      {"topic_without_trailing_slash", [=] { return with_topic(event, "evt/sms-1/db1"); },
       errc::bad_topic, "evt/sms-1/db1"},
      {"topic_with_unknown_channel", [=] { return with_topic(event, "log/sms-1/db1/"); },
       errc::bad_topic, "channel"},
      {"topic_with_extra_level", [=] { return with_topic(event, "evt/sms-1/db1/x/"); },
       errc::bad_topic, "after the node"},
      {"topic_with_empty_node", [=] { return with_topic(event, "evt/sms-1//"); },
       errc::bad_topic, "node"},
      {"topic_with_bad_cluster", [=] { return with_topic(event, "evt/SMS-1/db1/"); },
       errc::bad_topic, "cluster"},
      {"topic_empty", [=] { return with_topic(event, ""); }, errc::bad_topic, "topic"},
      // the bodies
      {"event_kind_unknown",
       [=] { return broken_at(event, {"body"}, [](RawMap& b) { b.set("kind", val("bogus")); }); },
       errc::bad_value, "body.kind: 'bogus' is not one of mysql_down"},
      {"event_kind_missing",
       [=] { return broken_at(event, {"body"}, [](RawMap& b) { b.erase("kind"); }); },
       errc::missing_field, "body.kind"},
      {"state_flavor_unknown",
       [=] { return broken_at(state, {"body"}, [](RawMap& b) { b.set("flavor", val("oracle")); }); },
       errc::bad_value, "body.flavor"},
      {"state_read_only_is_an_int",
       [=] { return broken_at(state, {"body"}, [](RawMap& b) { b.set("read_only", val(1)); }); },
       errc::wrong_type, "body.read_only"},
      {"state_report_port_over_65535",
       [=] { return broken_at(state, {"body"}, [](RawMap& b) { b.set("report_port", val(70000)); }); },
       errc::bad_value, "body.report_port"},
      {"state_server_id_over_uint32",
       [=] {
         return broken_at(state, {"body"},
                          [](RawMap& b) { b.set("server_id", val(std::uint64_t{1} << 33)); });
       },
       errc::bad_value, "body.server_id"},
      {"state_names_another_node",
       [=] { return broken_at(state, {"body"}, [](RawMap& b) { b.set("node", val("db9")); }); },
       errc::identity_mismatch, "db9"},
      {"state_mysql_reachable_nil",
       [=] { return broken_at(state, {"body"}, [](RawMap& b) { b.set("mysql_reachable", nil()); }); },
       errc::wrong_type, "body.mysql_reachable"},
      {"replica_source_port_is_a_string",
       [=] {
         return broken_at(state, {"body", "replica"},
                          [](RawMap& r) { r.set("source_port", val("3306")); });
       },
       errc::wrong_type, "body.replica.source_port"},
      {"replica_sql_delay_missing",
       [=] { return broken_at(state, {"body", "replica"}, [](RawMap& r) { r.erase("sql_delay"); }); },
       errc::missing_field, "body.replica.sql_delay"},
      {"replica_io_running_unknown",
       [=] {
         return broken_at(state, {"body", "replica"},
                          [](RawMap& r) { r.set("io_running", val("Yes")); });
       },
       errc::bad_value, "body.replica.io_running"},
      {"semi_sync_is_a_bool",
       [=] { return broken_at(state, {"body"}, [](RawMap& b) { b.set("semi_sync", val(true)); }); },
       errc::wrong_type, "body.semi_sync"},
      {"semi_sync_wait_point_is_a_string",
       [=] { return broken_at(state, {"body", "semi_sync"}, [](RawMap& m) { m.set("wait_point", val(1)); }); },
       errc::wrong_type, "body.semi_sync.wait_point"},
      {"semi_sync_kill_conn_timeout_is_a_uint",
       [=] { return broken_at(state, {"body", "semi_sync"}, [](RawMap& m) { m.set("kill_conn_timeout_s", val("5")); }); },
       errc::wrong_type, "body.semi_sync.kill_conn_timeout_s"},
      {"slave_net_timeout_is_a_uint",
       [=] { return broken_at(state, {"body"}, [](RawMap& b) { b.set("slave_net_timeout", val("60")); }); },
       errc::wrong_type, "body.slave_net_timeout"},
      {"slave_net_timeout_over_uint32",
       [=] {
         return broken_at(state, {"body"},
                          [](RawMap& b) { b.set("slave_net_timeout", val(std::uint64_t{1} << 32)); });
       },
       errc::bad_value, "body.slave_net_timeout"},
      {"command_id_empty",
       [=] { return broken_at(command, {"body"}, [](RawMap& b) { b.set("id", val("")); }); },
       errc::bad_value, "body.id"},
      {"command_epoch_negative",
       [=] { return broken_at(command, {"body"}, [](RawMap& b) { b.set("epoch", val(-7)); }); },
       errc::wrong_type, "body.epoch"},
      {"command_args_missing",
       [=] { return broken_at(command, {"body"}, [](RawMap& b) { b.erase("args"); }); },
       errc::missing_field, "body.args"},
      {"command_arg_is_a_list",
       [=] {
         return broken_at(command, {"body", "args"},
                          [](RawMap& a) { a.set("host", val(std::vector<std::string>{"a"})); });
       },
       errc::wrong_type, "body.args.host"},
      {"result_ok_is_a_string",
       [=] { return broken_at(result, {"body"}, [](RawMap& b) { b.set("ok", val("true")); }); },
       errc::wrong_type, "body.ok"},
      {"result_detail_integer_over_int64",
       [=] {
         return broken_at(result, {"body", "detail"},
                          [](RawMap& d) { d.set("big", val(std::uint64_t{1} << 63)); });
       },
       errc::bad_value, "body.detail.big"},
      {"result_id_empty",
       [=] { return broken_at(result, {"body"}, [](RawMap& b) { b.set("id", val("")); }); },
       errc::bad_value, "body.id"},
  };
}

class DecodeRejects : public ::testing::TestWithParam<BadInput> {};

TEST_P(DecodeRejects, WithItsOwnCodeNamingTheField) {
  const BadInput& input = GetParam();
  const Frames frames = input.frames();
  auto decoded = decode(frames.topic, frames.payload);
  ASSERT_FALSE(decoded.ok()) << "decoded although it should fail with " << input.code;
  EXPECT_EQ(decoded.error().code, input.code) << decoded.error().message;
  EXPECT_NE(decoded.error().message.find(input.mentions), std::string::npos)
      << "message '" << decoded.error().message << "' does not mention '" << input.mentions << "'";
}

INSTANTIATE_TEST_SUITE_P(BadInputs, DecodeRejects, ::testing::ValuesIn(bad_inputs()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(DecodeLimits, HugeArrayHeaderIsRejectedQuicklyWithoutAllocating) {
  const auto start = std::chrono::steady_clock::now();
  auto decoded = decode("evt/sms-1/db1/", std::string("\xdd\xdd\xdd\x8a\x8a", 5));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, errc::limit_exceeded);
  EXPECT_LT(took, std::chrono::milliseconds(100));
}

TEST(DecodeLimits, FrameLimitIsConfigurable) {
  const Message event = mysql_down_event();
  const std::string payload = encode(event);
  DecodeLimits tight;
  tight.max_frame_bytes = payload.size() - 1;
  auto refused = decode(topic_of(event), payload, tight);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::frame_too_large);
  tight.max_frame_bytes = payload.size();
  EXPECT_TRUE(decode(topic_of(event), payload, tight).ok());
}

TEST(DecodeLimits, DefaultFrameLimitIsOneMebibyte) {
  EXPECT_EQ(DecodeLimits{}.max_frame_bytes, 1024u * 1024u);
}

}  // namespace
}  // namespace pivot::protocol
