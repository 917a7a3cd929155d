#include "job_calls.hpp"

#include <chrono>
#include <future>

#include "pivot/controller/failpoints.hpp"

namespace pivot::controller {

std::string JobCalls::id(const std::string& step, const NodeSpec& node, const std::string& action) const {
  return plan::command_id(job_id_, step, node.name, action);
}

namespace {
using Steady = std::chrono::steady_clock;
std::uint64_t us_between(Steady::time_point from, Steady::time_point to) {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(to - from).count());
}
}  // namespace

// The µs figures are measurements for the step's detail (bench/pivot), not
// inputs to any decision: the real steady clock, not the Clock port.
plan::CallOutcome JobCalls::call(const NodeSpec& node, protocol::Command command,
                                 const std::function<void()>& on_sent) {
  const auto journal_start = Steady::now();
  if (taken_ahead(command.id)) {
    // journal_ahead wrote it, and the command sent after that synced it
  } else if (plan::changes_nothing(command.action)) {
    journal_.command_unsynced(job_id_, step_of_command(command.id), command.id, clock_.wall_ms());
  } else {
    journal_.command_sent(job_id_, step_of_command(command.id), command.id, clock_.wall_ms());
  }
  const auto sent = Steady::now();
  auto answer = on_sent ? agents_.call_notifying_sent(cluster_, node.name, command, on_sent)
                        : agents_.call(cluster_, node.name, command);
  const auto answered = Steady::now();
  auto outcome = plan::outcome_of(node.name, std::move(command), answer);
  outcome.journal_us = us_between(journal_start, sent);
  outcome.round_trip_us = us_between(sent, answered);
  return outcome;
}

void JobCalls::journal_ahead(const std::string& command_id) {
  journal_.command_unsynced(job_id_, step_of_command(command_id), command_id, clock_.wall_ms());
  std::lock_guard lock(ahead_mutex_);
  ahead_.insert(command_id);
}

bool JobCalls::taken_ahead(const std::string& command_id) {
  std::lock_guard lock(ahead_mutex_);
  return ahead_.erase(command_id) > 0;
}

std::vector<plan::CallOutcome> JobCalls::call_each(const std::vector<const NodeSpec*>& nodes,
                                                   const std::function<protocol::Command(const NodeSpec&)>& build) {
  std::vector<std::future<plan::CallOutcome>> pending;
  for (const NodeSpec* node : nodes) {
    pending.push_back(std::async(std::launch::async, [this, node, command = build(*node)]() mutable {
      return call(*node, std::move(command));
    }));
  }
  std::vector<plan::CallOutcome> outcomes;
  for (auto& p : pending) outcomes.push_back(p.get());
  return outcomes;
}

bool JobCalls::record(JobStep& s, const plan::CallOutcome& o) {
  s.detail["commands"].push_back(plan::detail_of(o));
  if (!o.ok) runner_.record_failure(s.name, o.error, s.name + ": " + plan::describe_failure(o));
  return o.ok;
}

plan::Verdict JobCalls::hook(JobStep& s, const std::string& path, const std::map<std::string, std::string>& env,
                             std::uint64_t timeout_ms, bool sync_first) {
  const std::string& name = s.name;
  if (path.empty()) {
    s.detail = {{"reason", "no " + name + " hook in the spec"}};
    return plan::Verdict::skipped;
  }
  // The step's start, and all before it, on disk before the hook may change
  // anything (a command's id is written durably; a hook has no id).
  if (sync_first) journal_.sync();
  HookOutcome o = hooks_.run(path, env, timeout_ms);
  // A hook's last line ends with a newline; the transcript shows text, not framing.
  while (!o.output.empty() && (o.output.back() == '\n' || o.output.back() == '\r')) o.output.pop_back();
  s.detail = {{"path", path},           {"started", o.started},         {"exit_code", o.exit_code},
              {"timed_out", o.timed_out}, {"duration_ms", o.duration_ms}, {"output", o.output},
              {"output_truncated", o.output_truncated}};
  if (!o.error.empty()) s.detail["error"] = o.error;
  if (o.ok()) return plan::Verdict::succeeded;
  std::string why = !o.started    ? "could not start: " + o.error
                    : o.timed_out ? "was killed after " + std::to_string(timeout_ms) + " ms"
                                  : "exited with " + std::to_string(o.exit_code);
  runner_.record_failure(name, "hook_failed", name + " hook " + path + " " + why);
  return plan::Verdict::failed;
}

}  // namespace pivot::controller
