#pragma once
// Failpoints: test-only faults that pivotd injects at a named step of a job,
// so that tests reach a branch deterministically (ARCHITECTURE.md, "Pivot
// plan"). They are inert unless pivotd runs with --enable-failpoints, and
// pivotd logs loudly when one is armed and every time one fires.
//
//   PIVOT_FAILPOINT=<step>[/<action>]:<effect>[,<step>[/<action>]:<effect>...]
//
// <step> is a step of the pivot plan (pivot_plan_steps()) or a rollback_*
// step; <action> narrows it to one agent action of that step (promote sends
// reset_replication, then set_read_only). Effects:
// - drop_answer: the agent's command runs, and its answer is dropped as if
//   lost on the way: the AgentPort answers no_answer once the command's
//   timeout has passed, as the real port does.
// - crash: pivotd kills itself (SIGKILL, as systemd's stop timeout or the OOM
//   killer would): `<step>:crash` when the step starts (journaled, no command
//   sent yet), `<step>/<action>:crash` once that command has run and its
//   answer arrived (the change is made, pivotd never learns it). The next
//   pivotd recovers the job (pivot_recovery.cpp).
// Parsing is pure and unit-tested; the AgentPort decorator that applies them
// and the step-start crash live in pivotd's service.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pivot/protocol/command.hpp"
#include "pivot/result.hpp"

namespace pivot::controller {

enum class FailpointEffect { drop_answer, crash };

struct Failpoint {
  std::string step;
  std::string action;  // "" = every command of the step
  FailpointEffect effect = FailpointEffect::drop_answer;
  std::string text;  // as written, for the logs: "promote/set_read_only:drop_answer"
  friend bool operator==(const Failpoint&, const Failpoint&) = default;
};

// The environment variable pivotd reads them from.
inline constexpr const char* kFailpointEnv = "PIVOT_FAILPOINT";

// "" is none. Errors (bad_failpoint) name the entry and what is wrong with it.
Result<std::vector<Failpoint>> parse_failpoints(std::string_view text);

// What pivotd arms: nothing at all unless `enabled` (--enable-failpoints),
// whatever the environment holds; else `env_value` (nullptr: unset) parsed.
Result<std::vector<Failpoint>> failpoints_to_arm(bool enabled, const char* env_value);

// The step a command belongs to, from its id "<job>/<step>/<node>[/<action>]"
// (plan::command_id); "" when the id has no step.
std::string step_of_command(const std::string& command_id);

// The crash failpoint at a step's start (`<step>:crash`, no action), if any.
std::optional<Failpoint> crash_at_start(const std::vector<Failpoint>& failpoints, const std::string& step);

// The first failpoint that applies to this command, if any (step-start
// crashes apply to steps, not commands).
std::optional<Failpoint> failpoint_for(const std::vector<Failpoint>& failpoints, const protocol::Command& command);

}  // namespace pivot::controller
