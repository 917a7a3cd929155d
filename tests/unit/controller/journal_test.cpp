// The journal and leadership ports' in-memory implementations.
#include "pivot/controller/journal.hpp"
#include "pivot/controller/memory_journal.hpp"

#include <thread>

#include <gtest/gtest.h>

#include "pivot/controller/leadership.hpp"

namespace pivot::controller {
namespace {

using Kind = JournalEntry::Kind;

TEST(MemoryJournalTest, KeepsEveryEntryInOrderWithItsJob) {
  MemoryJournal journal;
  journal.job_created("j1", "sms-1", JobKind::pivot, 10);
  journal.step_started("j1", "fence_read_only", 5000, 11);
  journal.command_sent("j1", "fence_read_only", "j1/fence_read_only/db1", 12);
  journal.job_created("j2", "sms-2", JobKind::pivot, 13);
  journal.step_finished("j1", "fence_read_only", StepState::succeeded, 14);
  journal.job_finished("j1", JobState::rolled_back, 15);

  EXPECT_EQ(journal.entries().size(), 6u);
  const auto j1 = journal.entries("j1");
  ASSERT_EQ(j1.size(), 5u);
  EXPECT_EQ(j1[0].kind, Kind::job_created);
  EXPECT_EQ(j1[0].detail, "sms-1");
  EXPECT_EQ(j1[0].state, "pivot");
  EXPECT_EQ(j1[1].deadline_ms, 5000u);
  EXPECT_EQ(j1[2].kind, Kind::command_sent);
  EXPECT_EQ(j1[2].detail, "fence_read_only");
  EXPECT_EQ(j1[2].state, "j1/fence_read_only/db1");
  EXPECT_EQ(j1[3].state, "succeeded");
  EXPECT_EQ(j1[4].kind, Kind::job_finished);
  EXPECT_EQ(j1[4].state, "rolled_back");
  EXPECT_EQ(j1[4].at_ms, 15u);
  EXPECT_EQ(journal.entries("j2").size(), 1u);
  EXPECT_TRUE(journal.entries("j3").empty());

  journal.forget("j1");
  EXPECT_TRUE(journal.entries("j1").empty());
  EXPECT_EQ(journal.entries().size(), 1u);
}

TEST(MemoryJournalTest, TakesCommandsFromSeveralThreadsAtOnce) {
  // repoint_replicas and verify send to every node at once.
  MemoryJournal journal;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&journal, t] {
      for (int i = 0; i < 500; ++i) journal.command_sent("j1", "verify", "j1/verify/db" + std::to_string(t), 1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(journal.entries("j1").size(), 2000u);
}

TEST(SoleLeadershipTest, IsAlwaysTheLeaderAtTheEpochItWasGiven) {
  SoleLeadership leadership(42);
  EXPECT_TRUE(leadership.leader());
  EXPECT_EQ(leadership.epoch(), 42u);
}

}  // namespace
}  // namespace pivot::controller
