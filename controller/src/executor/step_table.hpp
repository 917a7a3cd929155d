#pragma once
// A plan written as a table of a run's member functions (private to
// src/executor): the pivot's and the failover's plans are each one such
// table, the one place their step names are written, bound to the run that
// executes them.

#include <cstdint>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "step_runner.hpp"

namespace pivot::controller {

template <class Run>
struct StepDef {
  const char* name;
  plan::Phase phase;
  std::uint64_t (*deadline_ms)(const Policy&);
  plan::Verdict (Run::*action)(JobStep&);
  plan::Undo (Run::*undo)() = nullptr;  // planned before the action runs
  bool (Run::*when)() const = nullptr;  // run only when true
  bool commit_point = false;            // the runner asks JobLock::commits first
};

// The table bound to `run`: each step's action, undo and condition call it.
template <class Run>
plan::Plan bind_plan(Run& run, const std::vector<StepDef<Run>>& table, const Policy& policy) {
  plan::Plan p;
  for (const StepDef<Run>& def : table) {
    plan::PlanStep step;
    step.name = def.name;
    step.phase = def.phase;
    step.deadline_ms = def.deadline_ms(policy);
    step.action = [&run, action = def.action](JobStep& s) { return (run.*action)(s); };
    if (def.undo) step.undo = (run.*def.undo)();
    if (def.when) step.when = [&run, when = def.when] { return (run.*when)(); };
    step.commit_point = def.commit_point;
    p.steps.push_back(std::move(step));
  }
  return p;
}

}  // namespace pivot::controller
