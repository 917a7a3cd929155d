// GET /v1/events' pure parts: ids, SSE framing, the filter, the bounded
// history and resume, one client's bounded queue.
#include "pivot/controller/event_log.hpp"

#include <gtest/gtest.h>

namespace pivot::controller {
namespace {

TEST(EventIdTest, IsEpochDashSequenceAndParsesBack) {
  EXPECT_EQ(to_string(EventId{12, 345}), "12-345");
  EXPECT_EQ(parse_event_id("12-345"), (EventId{12, 345}));
  EXPECT_EQ(parse_event_id("0-0"), (EventId{0, 0}));
  for (const char* bad : {"", "12", "-3", "12-", "12-3-4", " 12-3", "12-3 ", "a-1", "1-+2", "99999999999999999999999-1"}) {
    EXPECT_FALSE(parse_event_id(bad)) << bad;
  }
}

TEST(SseFrameTest, HasIdEventDataAndABlankLine) {
  EXPECT_EQ(sse_frame("job", "3-7", R"({"id":"pv-3-1"})"), "id: 3-7\nevent: job\ndata: {\"id\":\"pv-3-1\"}\n\n");
}

TEST(SseFrameTest, ANewlineInTheDataNeverEndsTheEventEarly) {
  EXPECT_EQ(sse_frame("node", "1-1", "a\nb\r\n\nc"), "id: 1-1\nevent: node\ndata: a\ndata: b\ndata: \ndata: c\n\n");
}

TEST(SseFrameTest, ACommentStartsWithAColon) { EXPECT_EQ(sse_comment("keep-alive"), ": keep-alive\n\n"); }

TEST(EventFilterTest, AClusterFilterTakesOnlyThatClustersEvents) {
  const Event sms1{{1, 1}, "node", "sms-1", ""};
  EXPECT_TRUE(event_matches(sms1, std::nullopt));
  EXPECT_TRUE(event_matches(sms1, std::string("sms-1")));
  EXPECT_FALSE(event_matches(sms1, std::string("sms-10")));
}

TEST(EventLogTest, IdsIncreaseWithinARunAndCarryTheEpoch) {
  EventLog log(7, 1 << 20, 100);
  EXPECT_EQ(log.append("node", "sms-1", "{}").id, (EventId{7, 1}));
  EXPECT_EQ(log.append("job", "sms-1", "{}").id, (EventId{7, 2}));
  EXPECT_EQ(log.take_id(), (EventId{7, 3}));  // a reset's: not kept, never given again
  const auto& next = log.append("job", "sms-1", "{}");
  EXPECT_EQ(next.id, (EventId{7, 4}));
  EXPECT_EQ(next.frame, "id: 7-4\nevent: job\ndata: {}\n\n");
  EXPECT_EQ(log.size(), 3u);
}

std::vector<std::string> ids(const ResumePoint& point) {
  std::vector<std::string> out;
  for (const auto* e : point.replay) out.push_back(to_string(e->id));
  return out;
}

TEST(EventLogTest, ANewClientGetsNoReplayAndNoReset) {
  EventLog log(7, 1 << 20, 100);
  log.append("node", "sms-1", "{}");
  const auto point = log.resume_after(std::nullopt, std::nullopt);
  EXPECT_TRUE(point.replay.empty());
  EXPECT_FALSE(point.reset);
}

TEST(EventLogTest, ResumesAfterTheLastEventIdWithTheFilter) {
  EventLog log(7, 1 << 20, 100);
  log.append("node", "sms-1", "{}");   // 7-1
  log.append("node", "sms-2", "{}");   // 7-2
  log.append("job", "sms-1", "{}");    // 7-3
  log.take_id();                       // 7-4 (a reset)
  log.append("cluster", "sms-1", "{}");  // 7-5
  EXPECT_EQ(ids(log.resume_after("7-1", std::nullopt)), (std::vector<std::string>{"7-2", "7-3", "7-5"}));
  EXPECT_EQ(ids(log.resume_after("7-1", "sms-1")), (std::vector<std::string>{"7-3", "7-5"}));
  EXPECT_EQ(ids(log.resume_after("7-4", std::nullopt)), (std::vector<std::string>{"7-5"}));
  const auto caught_up = log.resume_after("7-5", std::nullopt);
  EXPECT_TRUE(caught_up.replay.empty());
  EXPECT_FALSE(caught_up.reset);
  EXPECT_FALSE(log.resume_after("7-0", std::nullopt).reset);  // before the first: everything
  EXPECT_EQ(log.resume_after("7-0", std::nullopt).replay.size(), 4u);
}

TEST(EventLogTest, AnIdItCannotResumeFromGivesAResetThatSaysWhy) {
  EventLog log(7, 1 << 20, 100);
  log.append("node", "sms-1", "{}");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"6-1", "another pivotd run (epoch 6; this one is 7)"},
      {"8-1", "another pivotd run (epoch 8; this one is 7)"},
      {"7-2", "never given out (the newest is 7-1)"},
      {"garbage", "not an id pivotd gives out"},
  };
  for (const auto& [id, why] : cases) {
    const auto point = log.resume_after(id, std::nullopt);
    ASSERT_TRUE(point.reset) << id;
    EXPECT_NE(point.reset->find(why), std::string::npos) << *point.reset;
    EXPECT_TRUE(point.replay.empty());
  }
}

TEST(EventLogTest, TheHistoryIsBoundedByCountAndAnIdTooOldGetsAReset) {
  EventLog log(7, 1 << 20, 3);
  for (int i = 0; i < 5; ++i) log.append("node", "sms-1", "{}");  // keeps 7-3..7-5
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(ids(log.resume_after("7-2", std::nullopt)), (std::vector<std::string>{"7-3", "7-4", "7-5"}));
  const auto old = log.resume_after("7-1", std::nullopt);
  ASSERT_TRUE(old.reset);
  EXPECT_NE(old.reset->find("older than the events kept (from 7-3)"), std::string::npos) << *old.reset;
}

TEST(EventLogTest, TheHistoryIsBoundedByBytesButKeepsTheNewestEvent) {
  const std::string big(100, 'x');
  const auto frame = sse_frame("job", "1-10", big).size();
  EventLog log(1, 2 * frame + 10, 1000);
  for (int i = 0; i < 10; ++i) log.append("job", "sms-1", big);
  EXPECT_LE(log.bytes(), 2 * frame + 10);
  EXPECT_EQ(log.size(), 2u);
  EventLog tiny(1, 10, 1000);
  tiny.append("job", "sms-1", big);
  EXPECT_EQ(tiny.size(), 1u);  // over the bound alone: still resumable from the one before
}

TEST(ClientQueueTest, TakesEverythingWaitingAtOnce) {
  ClientQueue queue(100);
  EXPECT_TRUE(queue.push("ab"));
  EXPECT_TRUE(queue.push("cd"));
  EXPECT_EQ(queue.take(), "abcd");
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.take(), "");
}

TEST(ClientQueueTest, AClientThatStopsTakingIsDroppedAtTheBoundAndItsFramesForgotten) {
  ClientQueue queue(10);
  EXPECT_TRUE(queue.push("12345"));
  EXPECT_TRUE(queue.push("67890"));  // exactly the bound
  EXPECT_FALSE(queue.push("x"));
  EXPECT_TRUE(queue.dropped());
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.push("y"));  // dropped for good
  EXPECT_EQ(queue.take(), "");
}

TEST(ClientQueueTest, OneEventLargerThanTheBoundPassesWhenNothingWaits) {
  ClientQueue queue(10);
  EXPECT_TRUE(queue.push(std::string(50, 'x')));
  EXPECT_FALSE(queue.dropped());
  EXPECT_EQ(queue.take().size(), 50u);
  EXPECT_TRUE(queue.push("a"));
  EXPECT_FALSE(queue.push(std::string(50, 'x')));  // behind another: the client is behind
}

}  // namespace
}  // namespace pivot::controller
