// StepTexts: the same text as rendering every step, with each ended step
// rendered once (issue 22).
#include "pivot/controller/step_texts.hpp"

#include <gtest/gtest.h>

namespace pivot::controller {
namespace {

std::string plain(const JobStep& s) {
  return "{" + s.name + ":" + std::string(protocol::to_string(s.state)) + ":" + std::to_string(s.finished_at_ms) + "}";
}

std::string every_step(const Job& job) {
  std::string text = "[";
  for (std::size_t i = 0; i < job.steps.size(); ++i) text += (i ? "," : "") + plain(job.steps[i]);
  return text + "]";
}

JobStep step(const std::string& name, StepState state, std::uint64_t finished_at_ms = 0) {
  JobStep s;
  s.name = name;
  s.state = state;
  s.finished_at_ms = finished_at_ms;
  return s;
}

class StepTextsTest : public ::testing::Test {
 protected:
  int renders = 0;
  StepTexts texts{[this](const JobStep& s) {
    ++renders;
    return plain(s);
  }};
  Job job = [] {
    Job j;
    j.id = "j1";
    j.state = JobState::running;
    return j;
  }();
  // The text, checked against rendering every step.
  std::string array() {
    std::string text = texts.array(job);
    EXPECT_EQ(text, every_step(job));
    return text;
  }
};

TEST_F(StepTextsTest, AnEndedStepIsRenderedOnceARunningOneEachTime) {
  EXPECT_EQ(array(), "[]");
  job.steps.push_back(step("check", StepState::running));
  array();
  array();
  EXPECT_EQ(renders, 2) << "a running step may change: rendered each time";
  job.steps.back() = step("check", StepState::succeeded, 10);
  array();
  job.steps.push_back(step("fence", StepState::running));
  array();
  job.steps.back() = step("fence", StepState::succeeded, 12);
  array();
  job.steps.push_back(step("promote", StepState::running));
  EXPECT_EQ(array(), "[{check:succeeded:10},{fence:succeeded:12},{promote:running:0}]");
  EXPECT_EQ(renders, 2 + 1 + 1 + 1 + 1) << "check and fence ended: not rendered again";
}

TEST_F(StepTextsTest, AStepReplacedAtAnIndexOrEndedAgainIsRenderedAnew) {
  job.steps = {step("check", StepState::succeeded, 10), step("recover", StepState::failed, 11)};
  array();
  // A job read back and rewritten (recovery): another step where recover was.
  job.steps[1] = step("rollback", StepState::succeeded, 13);
  array();
  // The same name ending at another time is another step.
  job.steps[1] = step("rollback", StepState::succeeded, 14);
  EXPECT_EQ(array(), "[{check:succeeded:10},{rollback:succeeded:14}]");
  EXPECT_EQ(renders, 2 + 1 + 1);
}

TEST_F(StepTextsTest, AFinishedJobsTextsAreDropped) {
  job.steps = {step("check", StepState::succeeded, 10)};
  array();
  job.state = JobState::succeeded;
  array();
  EXPECT_EQ(renders, 1);
  array();
  EXPECT_EQ(renders, 2) << "kept no longer once the job finished";
}

}  // namespace
}  // namespace pivot::controller
