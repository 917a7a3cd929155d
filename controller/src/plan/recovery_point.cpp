#include "recovery_point.hpp"

#include <algorithm>
#include <map>


namespace pivot::controller::plan {
namespace {

const JobStep* last_named(const Job& job, const std::string& name) {
  for (auto it = job.steps.rbegin(); it != job.steps.rend(); ++it) {
    if (it->name == name) return &*it;
  }
  return nullptr;
}

}  // namespace

Result<RecoveryPoint> recovery_point(const Job& saved, const std::vector<JournalEntry>& entries,
                                     const std::vector<std::string>& plan_steps) {
  RecoveryPoint point;
  // Where each step stands, from the journal's entries (written before its
  // commands go out; the saved job gets a step only once it ended): the last
  // entry of a step says whether it ran to its end, and how.
  std::map<std::string, const JournalEntry*> last_of;
  for (const JournalEntry& e : entries) {
    if (e.kind == JournalEntry::Kind::step_started || e.kind == JournalEntry::Kind::step_finished) last_of[e.detail] = &e;
  }
  const auto fence_at = std::find(plan_steps.begin(), plan_steps.end(), "fence_read_only");
  for (auto name = plan_steps.begin(); name != plan_steps.end(); ++name) {
    auto it = last_of.find(*name);
    const JobStep* step = last_named(saved, *name);
    if (it == last_of.end() && !step) continue;
    point.started.push_back(*name);
    point.last_started = *name;
    if (name >= fence_at) point.changed_anything = true;
    const std::string state = it != last_of.end() ? (it->second->kind == JournalEntry::Kind::step_started
                                                         ? std::string("running")
                                                         : it->second->state)
                                                  : std::string(protocol::to_string(step->state));
    if (state == "running") {
      point.interrupted = *name;
      point.interrupted_at_ms = it != last_of.end() ? it->second->at_ms : step->started_at_ms;
    }
    if (state == "succeeded" || state == "skipped") point.succeeded.insert(*name);
  }
  if (const JobStep* check = last_named(saved, "check"); check && check->state == StepState::succeeded) {
    point.old_primary = check->detail.value("primary", "");
    point.candidate = check->detail.value("candidate", "");
  }
  if (const JobStep* capture = last_named(saved, "capture_position");
      capture && capture->state == StepState::succeeded && capture->detail.contains("position")) {
    point.position = Position{capture->detail.value("position", ""), capture->detail.value("use_gtid", "")};
  }
  if (point.changed_anything && (point.old_primary.empty() || point.candidate.empty())) {
    return make_error("bad_journal", "job " + saved.id + " reached " + point.last_started +
                                         " but its check step names no primary and candidate");
  }
  // promote's switch, or its second one to an agent that refused no_source.
  const std::string promote_id = command_id(saved.id, "promote", point.candidate, "set_read_only");
  const std::string again_id = command_id(saved.id, "promote", point.candidate, "set_read_only_again");
  point.may_be_writable = std::any_of(entries.begin(), entries.end(), [&](const JournalEntry& e) {
    return e.kind == JournalEntry::Kind::command_sent && (e.state == promote_id || e.state == again_id);
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
