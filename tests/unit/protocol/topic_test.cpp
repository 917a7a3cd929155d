// Names and topics: the grammar, the trailing slash, db1 never matching db10.

#include <gtest/gtest.h>

#include "pivot/protocol/errors.hpp"
#include "pivot/protocol/names.hpp"
#include "pivot/protocol/topic.hpp"
#include "sample_messages.hpp"

namespace pivot::protocol {
namespace {

class ValidName : public ::testing::TestWithParam<std::string> {};
class InvalidName : public ::testing::TestWithParam<std::string> {};

TEST_P(ValidName, IsAccepted) {
  EXPECT_TRUE(is_valid_name(GetParam()));
  EXPECT_TRUE(validate_name(GetParam(), "node").ok());
}

TEST_P(InvalidName, IsRefusedWithBadName) {
  EXPECT_FALSE(is_valid_name(GetParam()));
  auto r = validate_name(GetParam(), "node");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::bad_name);
  EXPECT_NE(r.error().message.find("node '"), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(Grammar, ValidName,
                         ::testing::Values("a", "0", "db1", "sms-1", "db_2", "9x-y_z",
                                           std::string(63, 'a')));
INSTANTIATE_TEST_SUITE_P(Grammar, InvalidName,
                         ::testing::Values("", "-a", "_a", "Db1", "a.b", "a/b", "a b", " a",
                                           "caf\xc3\xa9", std::string(64, 'a'),
                                           std::string("a\0b", 3)));

TEST(Topic, IsBuiltWithATrailingSlash) {
  EXPECT_EQ(make_topic(Channel::events, "sms-1", "db1"), "evt/sms-1/db1/");
  EXPECT_EQ(make_topic(Channel::commands, "sms-1", "db1"), "cmd/sms-1/db1/");
  EXPECT_EQ(cluster_prefix(Channel::events, "sms-1"), "evt/sms-1/");
}

TEST(Topic, Db1SubscriptionDoesNotMatchDb10) {
  const std::string db1 = make_topic(Channel::commands, "sms-1", "db1");
  const std::string db10 = make_topic(Channel::commands, "sms-1", "db10");
  EXPECT_FALSE(db10.starts_with(db1));  // ZeroMQ SUB matching is a byte prefix
  EXPECT_TRUE(db10.starts_with(cluster_prefix(Channel::commands, "sms-1")));
  EXPECT_FALSE(make_topic(Channel::events, "sms-10", "db1")
                   .starts_with(cluster_prefix(Channel::events, "sms-1")));
}

TEST(Topic, ParsesWhatItBuilds) {
  auto parsed = parse_topic(make_topic(Channel::commands, "sms-1", "db10"));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, (Topic{Channel::commands, "sms-1", "db10"}));
}

TEST(Topic, FollowsTheMessageType) {
  EXPECT_EQ(topic_of(testing::change_source_command()), "cmd/sms-1/db3/");
  EXPECT_EQ(topic_of(testing::change_source_result()), "evt/sms-1/db3/");
  EXPECT_EQ(topic_of(testing::mariadb_replica_state()), "evt/sms-1/db2/");
  EXPECT_EQ(topic_of(testing::mysql_down_event()), "evt/sms-1/db1/");
}

class BadTopic : public ::testing::TestWithParam<std::string> {};

TEST_P(BadTopic, IsRefused) {
  auto parsed = parse_topic(GetParam());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, errc::bad_topic);
}

INSTANTIATE_TEST_SUITE_P(Grammar, BadTopic,
                         ::testing::Values("", "evt", "evt/", "evt/sms-1", "evt/sms-1/",
                                           "evt/sms-1/db1", "evt/sms-1//", "evt//db1/",
                                           "evt/sms-1/db1//", "evt/sms-1/db1/x/", "EVT/sms-1/db1/",
                                           "pub/sms-1/db1/", "evt/sms.1/db1/", "evt/sms-1/Db1/",
                                           std::string("evt/sms-1/db1/\0", 15)));

}  // namespace
}  // namespace pivot::protocol
