// The client side of server-sent events: whole events out of bytes in any
// split, as pivotctl reads GET /v1/events.
#include "pivot/ctl/sse_parser.hpp"

#include <gtest/gtest.h>

namespace pivot::ctl {
namespace {

std::string joined(const std::vector<SseEvent>& events) {
  std::string out;
  for (const auto& e : events) out += "[" + e.id + "|" + e.type + "|" + e.data + "]";
  return out;
}

TEST(SseParserTest, ReadsEventsAndSkipsCommentsAndRetry) {
  SseParser p;
  const auto events = p.feed("retry: 1000\n: pivotd events, epoch 3\n\nid: 3-1\nevent: job\ndata: {\"a\":1}\n\n"
                             ": keep-alive\n\nid: 3-2\nevent: node\ndata: {}\n\n");
  EXPECT_EQ(joined(events), "[3-1|job|{\"a\":1}][3-2|node|{}]");
  EXPECT_EQ(p.comments(), 2u);
  EXPECT_EQ(p.last_event_id(), "3-2");
}

TEST(SseParserTest, AnySplitGivesTheSameEvents) {
  const std::string text = "id: 3-1\r\nevent: job\r\ndata: one\r\ndata: two\r\n\r\nid: 3-2\revent: reset\rdata:x\r\r";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    SseParser p;
    auto events = p.feed(text.substr(0, cut));
    auto rest = p.feed(text.substr(cut));
    events.insert(events.end(), rest.begin(), rest.end());
    EXPECT_EQ(joined(events), "[3-1|job|one\ntwo][3-2|reset|x]") << "cut at " << cut;
  }
}

TEST(SseParserTest, AnEventWithoutDataIsNotDispatchedButItsIdCounts) {
  SseParser p;
  EXPECT_TRUE(p.feed("id: 3-7\nevent: job\n\n").empty());
  EXPECT_EQ(p.last_event_id(), "3-7");
  EXPECT_EQ(joined(p.feed("data: d\n\n")), "[3-7|message|d]");  // the type does not carry over
}

TEST(SseParserTest, AnUnfinishedEventWaitsForItsBlankLine) {
  SseParser p;
  EXPECT_TRUE(p.feed("id: 1-1\nevent: job\ndata: {}\n").empty());
  EXPECT_EQ(joined(p.feed("\n")), "[1-1|job|{}]");
}

}  // namespace
}  // namespace pivot::ctl
