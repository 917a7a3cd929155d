// peek_command_id: the id of a command that does not decode, so the agent can
// answer its sender instead of staying silent.
#include <gtest/gtest.h>

#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/topic.hpp"
#include "sample_messages.hpp"

namespace pivot::protocol {
namespace {

using namespace testing;

TEST(PeekCommandId, ReadsTheIdThroughAnotherFault) {
  Message m = change_source_command();
  std::string payload = encode(m);
  const auto v = payload.find("\xa1v\x01");
  ASSERT_NE(v, std::string::npos);
  payload[v + 2] = 99;  // unknown version: decode refuses it
  ASSERT_FALSE(decode(topic_of(m), payload).ok());
  EXPECT_EQ(peek_command_id(payload), std::get<Command>(m.body).id);
}

TEST(PeekCommandId, NothingWhenThereIsNoReadableId) {
  EXPECT_FALSE(peek_command_id(""));
  EXPECT_FALSE(peek_command_id("not msgpack"));
  EXPECT_FALSE(peek_command_id(std::string("\xdd\xdd\xdd\x8a\x8a", 5)));
  EXPECT_FALSE(peek_command_id(encode(mariadb_replica_state()))) << "a state body has no id";
}

}  // namespace
}  // namespace pivot::protocol
