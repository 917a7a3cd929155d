#include "failover_recovery_point.hpp"

#include <algorithm>

#include "recovery_point.hpp"

namespace pivot::controller::plan {
namespace {

const JobStep* ended_step(const Job& job, const std::string& name) {
  for (auto it = job.steps.rbegin(); it != job.steps.rend(); ++it) {
    if (it->name == name) return it->state == StepState::succeeded ? &*it : nullptr;
  }
  return nullptr;
}

}  // namespace

const char* to_string(FailoverRecoveryWay way) {
  switch (way) {
    case FailoverRecoveryWay::roll_back:
      return "roll_back";
    case FailoverRecoveryWay::roll_forward:
      return "roll_forward";
    case FailoverRecoveryWay::nothing_changed:
      break;
  }
  return "nothing_changed";
}

Result<FailoverRecoveryPoint> failover_recovery_point(const Job& saved, const std::vector<JournalEntry>& entries,
                                                      const std::vector<std::string>& plan_steps) {
  // The pivot's reading of which steps started and which one was running
  // (it names no pivot fence here, so it asks nothing of check's detail).
  auto base = recovery_point(saved, entries, plan_steps);
  if (!base) return base.error();
  FailoverRecoveryPoint point;
  point.started = base->started;
  point.interrupted = base->interrupted;
  const auto started = [&](const char* name) {
    return std::find(point.started.begin(), point.started.end(), name) != point.started.end();
  };
  point.changed_anything = started("fence_old_primary");
  point.catch_up_started = started("catch_up");
  point.promote_started = started("promote");
  if (const JobStep* check = ended_step(saved, "check")) point.dead = check->detail.value("primary", "");
  if (const JobStep* choose = ended_step(saved, "choose")) point.candidate = choose->detail.value("candidate", "");
  // "<job>/stop_io/<node>": each stop journaled may have stopped that IO thread.
  const std::string prefix = saved.id + "/stop_io/";
  for (const JournalEntry& e : entries) {
    if (e.kind == JournalEntry::Kind::command_sent && e.state.rfind(prefix, 0) == 0) {
      point.stopped_io.insert(e.state.substr(prefix.size(), e.state.find('/', prefix.size()) - prefix.size()));
    }
  }
  if (point.changed_anything && point.dead.empty()) {
    return make_error("bad_journal", "failover " + saved.id + " began to fence but its check names no primary");
  }
  if (point.promote_started && point.candidate.empty()) {
    return make_error("bad_journal", "failover " + saved.id + " began to promote but its choose names no winner");
  }
  return point;
}

FailoverRecoveryWay failover_recovery_way(const FailoverRecoveryPoint& point) {
  if (point.promote_started) return FailoverRecoveryWay::roll_forward;
  if (point.changed_anything) return FailoverRecoveryWay::roll_back;
  return FailoverRecoveryWay::nothing_changed;
}

}  // namespace pivot::controller::plan
