#include "recovery_point.hpp"

#include <algorithm>


namespace pivot::controller::plan {
namespace {

const JobStep* last_named(const Job& job, const std::string& name) {
  for (auto it = job.steps.rbegin(); it != job.steps.rend(); ++it) {
    if (it->name == name) return &*it;
  }
  return nullptr;
}

std::string text_at(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<RecoveryPoint> recovery_point(const Job& saved, const std::vector<JournalEntry>& entries,
                                     const std::vector<std::string>& plan_steps) {
  RecoveryPoint point;
  const auto fence_at = std::find(plan_steps.begin(), plan_steps.end(), "fence_read_only");
  for (auto name = plan_steps.begin(); name != plan_steps.end(); ++name) {
    const JobStep* step = last_named(saved, *name);
    if (!step) continue;
    point.started.push_back(*name);
    point.last_started = *name;
    if (name >= fence_at) point.changed_anything = true;
    if (step->state == StepState::running) point.interrupted = *name;
    if (step->state == StepState::succeeded || step->state == StepState::skipped) point.succeeded.insert(*name);
  }
  if (const JobStep* check = last_named(saved, "check"); check && check->state == StepState::succeeded) {
    point.old_primary = text_at(check->detail, "primary");
    point.candidate = text_at(check->detail, "candidate");
  }
  if (const JobStep* capture = last_named(saved, "capture_position");
      capture && capture->state == StepState::succeeded && capture->detail.contains("position")) {
    point.position = Position{text_at(capture->detail, "position"), text_at(capture->detail, "use_gtid")};
  }
  if (point.changed_anything && (point.old_primary.empty() || point.candidate.empty())) {
    return make_error("bad_journal", "job " + saved.id + " reached " + point.last_started +
                                         " but its check step names no primary and candidate");
  }
  const std::string promote_id = command_id(saved.id, "promote", point.candidate, "set_read_only");
  point.may_be_writable = std::any_of(entries.begin(), entries.end(), [&](const JournalEntry& e) {
    return e.kind == JournalEntry::Kind::command_sent && e.state == promote_id;  // detail: the step
  });
  return point;
}

RecoveryWay recovery_way(const RecoveryPoint& point, bool candidate_writable) {
  if (!point.changed_anything) return RecoveryWay::nothing_changed;
  return point.may_be_writable && candidate_writable ? RecoveryWay::roll_forward : RecoveryWay::roll_back;
}

const char* to_string(RecoveryWay way) {
  switch (way) {
    case RecoveryWay::nothing_changed: return "nothing_changed";
    case RecoveryWay::roll_back: return "roll_back";
    case RecoveryWay::roll_forward: return "roll_forward";
  }
  return "roll_back";
}

}  // namespace pivot::controller::plan
