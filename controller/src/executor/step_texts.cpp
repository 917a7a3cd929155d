#include "pivot/controller/step_texts.hpp"

namespace pivot::controller {

std::string StepTexts::array(const Job& job) {
  std::string text = "[";
  std::lock_guard lock(mu_);
  auto& ended = ended_[job.id];
  for (std::size_t i = 0; i < job.steps.size(); ++i) {
    const JobStep& step = job.steps[i];
    if (i > 0) text += ',';
    if (i < ended.size() && ended[i].name == step.name && ended[i].finished_at_ms == step.finished_at_ms &&
        step.state != StepState::running) {
      text += ended[i].text;
      continue;
    }
    std::string step_text = render_(step);
    text += step_text;
    if (step.state != StepState::running && step.finished_at_ms != 0) {
      if (i < ended.size()) {
        ended[i] = {step.name, step.finished_at_ms, std::move(step_text)};
      } else if (i == ended.size()) {
        ended.push_back({step.name, step.finished_at_ms, std::move(step_text)});
      }
    }
  }
  text += ']';
  if (job.finished()) ended_.erase(job.id);
  return text;
}

}  // namespace pivot::controller
