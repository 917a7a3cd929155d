// The step runner on plans of its own (the pivot's plan is
// pivot_executor_test's): order, phases, undo order, gates, the hold at each
// phase edge, and what it reports to the step sink and the journal.
#include "step_runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_ports.hpp"
#include "pivot/controller/memory_journal.hpp"

namespace pivot::controller::plan {
namespace {

using ::testing::ElementsAre;

class StepRunnerTest : public ::testing::Test {
 protected:
  // A step that logs its name and answers `verdict`; its undo logs "undo <name>" and answers `restores`.
  PlanStep step(const std::string& name, Phase phase, Verdict verdict = Verdict::succeeded) {
    PlanStep s;
    s.name = name;
    s.phase = phase;
    s.deadline_ms = 100;
    s.action = [this, name, verdict](JobStep&) {
      log.push_back(name);
      return verdict;
    };
    return s;
  }
  Undo undo(const std::string& name, bool restores = true) {
    return Undo{[this, name, restores] {
      log.push_back("undo " + name);
      return restores;
    }};
  }
  RunReport run() {
    StepRunner runner({clock, observer, journal, lock}, "j1", "sms-1");
    auto report = runner.run(plan);
    failures = runner.failures();
    return report;
  }

  test::ManualClock clock;
  test::RecordingObserver observer;
  MemoryJournal journal;
  test::FakeJobLock lock;
  Plan plan;
  std::vector<std::string> log;
  std::vector<StepFailure> failures;
};

TEST_F(StepRunnerTest, StepsRunInOrderEachReportedAtStartAndEnd) {
  plan.steps = {step("a", Phase::reversible), step("b", Phase::reversible, Verdict::skipped),
                step("c", Phase::forward_only)};
  EXPECT_EQ(run().end, RunEnd::completed);
  EXPECT_THAT(log, ElementsAre("a", "b", "c"));
  ASSERT_EQ(observer.events.size(), 6u);
  EXPECT_TRUE(observer.events[0].started);
  EXPECT_EQ(observer.events[0].job_id, "j1");
  EXPECT_EQ(observer.step("b").state, StepState::skipped);
  EXPECT_EQ(observer.step("c").state, StepState::succeeded);
}

TEST_F(StepRunnerTest, AReversibleFailureUndoesInReverseOrderTheLastOnesAfter) {
  plan.steps = {step("a", Phase::reversible), step("b", Phase::reversible), step("c", Phase::reversible),
                step("d", Phase::reversible, Verdict::failed), step("e", Phase::forward_only)};
  plan.steps[0].undo = undo("a");
  plan.steps[1].undo = undo("b");
  plan.steps[1].undo->last = true;  // kept out of the window: after every other undo
  plan.steps[2].undo = undo("c");
  plan.settle = [this] { log.push_back("settle"); };
  const auto report = run();
  EXPECT_EQ(report.end, RunEnd::rolled_back);
  EXPECT_EQ(report.stopped_at, "d");
  EXPECT_THAT(log, ElementsAre("a", "b", "c", "d", "settle", "undo c", "undo a", "undo b"));
}

TEST_F(StepRunnerTest, TheUndoOfAStepIsPlannedBeforeItRunsEvenWhenItFails) {
  // An unanswered command may have run: the failing step's own undo runs too.
  plan.steps = {step("a", Phase::reversible, Verdict::failed)};
  plan.steps[0].undo = undo("a");
  EXPECT_EQ(run().end, RunEnd::rolled_back);
  EXPECT_THAT(log, ElementsAre("a", "undo a"));
}

TEST_F(StepRunnerTest, AnActionCanPlanAnUndoBeforeItsSecondCommand) {
  StepRunner runner({clock, observer, journal, lock}, "j1", "sms-1");
  plan.steps = {step("a", Phase::reversible)};
  plan.steps[0].undo = undo("a");
  plan.steps[0].action = [&](JobStep&) {
    runner.plan_undo(undo("a's second"));
    return Verdict::failed;
  };
  EXPECT_EQ(runner.run(plan).end, RunEnd::rolled_back);
  EXPECT_THAT(log, ElementsAre("undo a's second", "undo a"));
}

TEST_F(StepRunnerTest, AFailingGateStopsTheRollbackOtherFailuresDoNot) {
  plan.steps = {step("a", Phase::reversible), step("b", Phase::reversible), step("c", Phase::reversible),
                step("d", Phase::reversible, Verdict::failed)};
  plan.steps[0].undo = undo("a");
  plan.steps[1].undo = undo("b", false);
  plan.steps[2].undo = undo("c");
  EXPECT_EQ(run().end, RunEnd::rollback_incomplete);
  EXPECT_THAT(log, ElementsAre("a", "b", "c", "d", "undo c", "undo b", "undo a"));

  log.clear();
  plan.steps[2].undo = undo("c", false);
  plan.steps[2].undo->gate = true;
  EXPECT_EQ(run().end, RunEnd::rollback_stopped);
  EXPECT_THAT(log, ElementsAre("a", "b", "c", "d", "undo c")) << "what follows a failed gate could do harm";
}

TEST_F(StepRunnerTest, AReversibleFailureWithNothingPlannedStops) {
  plan.steps = {step("a", Phase::reversible, Verdict::failed), step("b", Phase::reversible)};
  const auto report = run();
  EXPECT_EQ(report.end, RunEnd::stopped);
  EXPECT_EQ(report.stopped_at, "a");
  EXPECT_THAT(log, ElementsAre("a"));
}

TEST_F(StepRunnerTest, AForwardOnlyFailureIsRecordedAndTheRestStillRuns) {
  plan.steps = {step("a", Phase::reversible), step("b", Phase::forward_only, Verdict::failed),
                step("c", Phase::forward_only)};
  plan.steps[0].undo = undo("a");
  EXPECT_EQ(run().end, RunEnd::completed);
  EXPECT_THAT(log, ElementsAre("a", "b", "c")) << "nothing rolls back after the point of no return";
}

TEST_F(StepRunnerTest, DoneEndsThePlanSucceeded) {
  plan.steps = {step("a", Phase::reversible, Verdict::done), step("b", Phase::reversible)};
  EXPECT_EQ(run().end, RunEnd::done);
  EXPECT_THAT(log, ElementsAre("a"));
  EXPECT_EQ(observer.step("a").state, StepState::succeeded);
}

TEST_F(StepRunnerTest, AStepWhoseConditionIsFalseIsNeitherRunNorReported) {
  plan.steps = {step("a", Phase::reversible), step("b", Phase::reversible), step("c", Phase::reversible)};
  plan.steps[1].when = [] { return false; };
  run();
  EXPECT_THAT(log, ElementsAre("a", "c"));
  EXPECT_EQ(observer.step("b").name, "(absent)");
}

TEST_F(StepRunnerTest, TheHoldIsAskedAtEachEdgeOfAPhase) {
  plan.steps = {step("a", Phase::reversible), step("b", Phase::reversible), step("c", Phase::reversible),
                step("d", Phase::forward_only), step("e", Phase::forward_only), step("f", Phase::forward_only)};
  run();
  EXPECT_EQ(lock.asked.size(), 4u) << "before a, c, d and f";
  EXPECT_EQ(lock.asked.front(), "sms-1 j1");
  std::vector<bool> edges;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) edges.push_back(at_phase_edge(plan.steps, i));
  EXPECT_THAT(edges, ElementsAre(true, false, true, true, false, true));
}

TEST_F(StepRunnerTest, AHoldLostBeforeThePointOfNoReturnRollsBack) {
  plan.steps = {step("a", Phase::reversible), step("b", Phase::reversible), step("c", Phase::reversible),
                step("d", Phase::forward_only)};
  plan.steps[0].undo = undo("a");
  plan.steps[2].undo = undo("c");
  lock.lost_from = 2;  // the second ask: before c, the last reversible step
  const auto report = run();
  EXPECT_EQ(report.end, RunEnd::rolled_back);
  EXPECT_EQ(report.stopped_at, "c");
  EXPECT_THAT(log, ElementsAre("a", "b", "undo a")) << "c never ran, so its undo was never planned";
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].step, "c");
  EXPECT_EQ(failures[0].error, "hold_lost");
  EXPECT_EQ(observer.step("c").name, "(absent)");
}

TEST_F(StepRunnerTest, AHoldLostAfterThePointOfNoReturnRollsForward) {
  plan.steps = {step("a", Phase::reversible), step("b", Phase::reversible), step("c", Phase::forward_only),
                step("d", Phase::forward_only)};
  plan.steps[0].undo = undo("a");
  lock.lost_from = 3;  // before c, the first forward-only step
  EXPECT_EQ(run().end, RunEnd::completed);
  EXPECT_THAT(log, ElementsAre("a", "b", "c", "d")) << "the cluster must end whole: every step still runs";
  ASSERT_GE(failures.size(), 1u);
  EXPECT_EQ(failures[0].step, "c");
  EXPECT_EQ(failures[0].error, "hold_lost");
}

TEST_F(StepRunnerTest, TheJournalHasEachStepsStartBeforeItsActionRuns) {
  plan.steps = {step("a", Phase::reversible), step("b", Phase::forward_only, Verdict::failed)};
  std::size_t entries_seen_by_b = 0;
  plan.steps[1].action = [&](JobStep&) {
    entries_seen_by_b = journal.entries("j1").size();
    return Verdict::failed;
  };
  run();
  const auto entries = journal.entries("j1");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries_seen_by_b, 3u) << "a started, a finished, b started: before b's commands";
  EXPECT_EQ(entries[0].kind, JournalEntry::Kind::step_started);
  EXPECT_EQ(entries[0].detail, "a");
  EXPECT_EQ(entries[0].deadline_ms, 100u);
  EXPECT_EQ(entries[0].at_ms, clock.wall_ms());
  EXPECT_EQ(entries[1].kind, JournalEntry::Kind::step_finished);
  EXPECT_EQ(entries[1].state, "succeeded");
  EXPECT_EQ(entries[3].state, "failed");
}

TEST_F(StepRunnerTest, AStepsSummarySaysItsFailure) {
  StepRunner runner({clock, observer, journal, lock}, "j1", "sms-1");
  runner.step("rollback_x", [&](JobStep& s) {
    runner.record_failure(s.name, "mysql_error", "rollback_x: the server said no");
    return false;
  });
  EXPECT_EQ(observer.step("rollback_x").state, StepState::failed);
  EXPECT_THAT(observer.step("rollback_x").summary, ::testing::HasSubstr("the server said no"));
}

}  // namespace
}  // namespace pivot::controller::plan
