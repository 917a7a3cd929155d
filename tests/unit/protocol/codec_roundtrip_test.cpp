// encode then decode gives back the same message, for every message type.

#include <gtest/gtest.h>

#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/errors.hpp"
#include "pivot/protocol/topic.hpp"
#include "raw_map.hpp"
#include "sample_messages.hpp"

namespace pivot::protocol {
namespace {

using namespace testing;  // NOLINT: the sample builders

struct Sample {
  const char* name;
  Message (*build)();
};

class RoundTrip : public ::testing::TestWithParam<Sample> {};

TEST_P(RoundTrip, DecodesToTheSameMessageAndBytes) {
  const Message original = GetParam().build();
  const std::string payload = encode(original);
  auto decoded = decode(topic_of(original), payload);
  ASSERT_TRUE(decoded.ok()) << decoded.error().code << ": " << decoded.error().message;
  EXPECT_EQ(*decoded, original);
  EXPECT_EQ(encode(*decoded), payload);
}

INSTANTIATE_TEST_SUITE_P(
    EveryType, RoundTrip,
    ::testing::Values(Sample{"mariadb_replica_state", mariadb_replica_state},
                      Sample{"mysql_primary_state", mysql_primary_state},
                      Sample{"unreachable_state", unreachable_state},
                      Sample{"mysql_down_event", mysql_down_event},
                      Sample{"change_source_command", change_source_command},
                      Sample{"change_source_result", change_source_result}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RoundTrip, UnreachableNodeKeepsUnknownsAsNil) {
  auto decoded = decode(topic_of(unreachable_state()), encode(unreachable_state()));
  ASSERT_TRUE(decoded.ok());
  const auto& state = std::get<NodeState>(decoded->body);
  EXPECT_FALSE(state.mysql_reachable);
  EXPECT_FALSE(state.flavor.has_value());
  EXPECT_FALSE(state.read_only.has_value());
  EXPECT_FALSE(state.replica.has_value());
  EXPECT_FALSE(state.semi_sync.has_value());
  EXPECT_FALSE(state.uptime_s.has_value());
  EXPECT_FALSE(state.slave_net_timeout.has_value());
  EXPECT_EQ(state.probe_error, "Can't connect to MySQL server on '127.0.0.1' (111)");
}

TEST(RoundTrip, EnvelopeKeysComeFirstInAFixedOrder) {
  auto raw = msgpack::unpack(encode(mysql_down_event()).data(), encode(mysql_down_event()).size());
  const auto& map = raw->via.map;
  ASSERT_EQ(map.size, 8u);
  const char* expected[] = {"v", "type", "cluster", "node", "boot_id", "seq", "ts_ms", "body"};
  for (std::uint32_t i = 0; i < map.size; ++i) {
    EXPECT_EQ(map.ptr[i].key.as<std::string>(), expected[i]);
  }
}

TEST(RoundTrip, UnknownExtraKeysAreIgnored) {
  const Message original = mariadb_replica_state();
  auto raw = RawMap::parse(encode(original));
  auto body = raw.sub("body");
  auto replica = body.sub("replica");
  replica.set("relay_log_space", val(std::uint64_t{123456}));
  body.set("replica", replica);
  body.set("future_field", val(std::vector<int>{1, 2, 3}));
  raw.set("body", body);
  raw.set("trace_id", val(std::string("abc")));
  raw.set("hints", val(std::map<std::string, double>{{"load", 0.5}}));

  auto decoded = decode(topic_of(original), raw.bytes());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, original);
}

// slave_net_timeout came to v1 later: an older agent leaves it out (nil), a
// newer one sends nil when it cannot know it; any other key stays required.
TEST(RoundTrip, AnAddedKeyMayBeAbsentOrNil) {
  const Message original = mariadb_replica_state();
  ASSERT_EQ(std::get<NodeState>(original.body).slave_net_timeout, 4u);
  for (const auto& body : {RawMap::parse(encode(original)).sub("body").erase("slave_net_timeout"),
                           RawMap::parse(encode(original)).sub("body").set("slave_net_timeout", nil())}) {
    auto raw = RawMap::parse(encode(original));
    raw.set("body", body);
    auto decoded = decode(topic_of(original), raw.bytes());
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_FALSE(std::get<NodeState>(decoded->body).slave_net_timeout.has_value());
  }
  // semi_sync's source_active, wait_point and timeout_ms came later too.
  {
    auto raw = RawMap::parse(encode(original));
    auto body = raw.sub("body");
    body.set("semi_sync", body.sub("semi_sync").erase("source_active").erase("wait_point").set("timeout_ms", nil()));
    raw.set("body", body);
    auto decoded = decode(topic_of(original), raw.bytes());
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    const auto& semi = std::get<NodeState>(decoded->body).semi_sync;
    ASSERT_TRUE(semi.has_value());
    EXPECT_TRUE(semi->replica);
    EXPECT_FALSE(semi->source_active.has_value());
    EXPECT_FALSE(semi->wait_point.has_value());
    EXPECT_FALSE(semi->timeout_ms.has_value());
  }
  // and kill_conn_timeout_s after them.
  {
    auto raw = RawMap::parse(encode(original));
    auto body = raw.sub("body");
    body.set("semi_sync", body.sub("semi_sync").erase("kill_conn_timeout_s"));
    raw.set("body", body);
    auto decoded = decode(topic_of(original), raw.bytes());
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    const auto& semi = std::get<NodeState>(decoded->body).semi_sync;
    ASSERT_TRUE(semi.has_value());
    EXPECT_EQ(semi->timeout_ms, 30000u);
    EXPECT_FALSE(semi->kill_conn_timeout_s.has_value());
  }
  auto raw = RawMap::parse(encode(original));
  raw.set("body", raw.sub("body").erase("uptime_s"));
  auto decoded = decode(topic_of(original), raw.bytes());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, std::string(errc::missing_field));
}

TEST(RoundTrip, FloatFieldAcceptsAnInteger) {
  const Message original = unreachable_state();
  auto raw = RawMap::parse(encode(original));
  raw.set("body", raw.sub("body").set("probe_latency_ms", val(2000)));
  auto decoded = decode(topic_of(original), raw.bytes());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(std::get<NodeState>(decoded->body).probe_latency_ms, 2000.0);
}

TEST(RoundTrip, EveryScalarKindInDetailSurvives) {
  Message original = change_source_result();
  auto& detail = std::get<CommandResult>(original.body).detail;
  detail["negative"] = std::int64_t{-5};
  detail["fraction"] = 0.25;
  detail["unknown"] = std::monostate{};
  detail["flag"] = false;
  detail["text"] = std::string("caf\xc3\xa9");
  auto decoded = decode(topic_of(original), encode(original));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(std::get<CommandResult>(decoded->body).detail, detail);
}

}  // namespace
}  // namespace pivot::protocol
