#include "pivot/controller/failpoints.hpp"

#include "pivot/controller/failover_executor.hpp"

#include <algorithm>

#include "pivot/controller/pivot_executor.hpp"

namespace pivot::controller {
namespace {

Error bad(std::string_view entry, const std::string& why) {
  return make_error("bad_failpoint", "failpoint '" + std::string(entry) + "': " + why +
                                         " (form: <step>[/<action>]:drop_answer|crash, comma-separated)");
}

bool is_word(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}

// A step a job reports: a typo must not leave a test running without its fault.
bool known_step(std::string_view step) {
  if (step.starts_with("rollback_")) return is_word(step);
  if (step == "recover") return true;
  for (const auto& steps : {pivot_plan_steps(), failover_plan_steps()}) {
    if (std::find(steps.begin(), steps.end(), step) != steps.end()) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<Failpoint>> parse_failpoints(std::string_view text) {
  std::vector<Failpoint> out;
  while (!trim(text).empty()) {
    const auto comma = text.find(',');
    const auto entry = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) return bad(entry, "an empty entry");

    const auto colon = entry.rfind(':');
    if (colon == std::string_view::npos) return bad(entry, "no ':<effect>'");
    const auto point = entry.substr(0, colon);
    const auto effect = entry.substr(colon + 1);
    Failpoint fp;
    fp.text = std::string(entry);
    if (effect == "drop_answer") {
      fp.effect = FailpointEffect::drop_answer;
    } else if (effect == "crash") {
      fp.effect = FailpointEffect::crash;
    } else {
      return bad(entry, "unknown effect '" + std::string(effect) + "' (known: drop_answer, crash)");
    }

    const auto slash = point.find('/');
    fp.step = std::string(point.substr(0, slash));
    if (!known_step(fp.step)) return bad(entry, "'" + fp.step + "' is not a step of the pivot or failover plan nor a rollback_ step");
    if (slash != std::string_view::npos) {
      fp.action = std::string(point.substr(slash + 1));
      if (!is_word(fp.action)) return bad(entry, "'" + fp.action + "' is not an agent action name");
    }
    const bool repeated = std::any_of(out.begin(), out.end(), [&](const Failpoint& other) {
      return other.step == fp.step && other.action == fp.action;
    });
    if (repeated) return bad(entry, "that point is given twice");
    out.push_back(std::move(fp));
  }
  return out;
}

Result<std::vector<Failpoint>> failpoints_to_arm(bool enabled, const char* env_value) {
  if (!enabled || env_value == nullptr) return std::vector<Failpoint>{};
  return parse_failpoints(env_value);
}

std::string step_of_command(const std::string& command_id) {
  const auto first = command_id.find('/');
  if (first == std::string::npos) return "";
  const auto second = command_id.find('/', first + 1);
  if (second == std::string::npos) return "";
  return command_id.substr(first + 1, second - first - 1);
}

std::optional<Failpoint> crash_at_start(const std::vector<Failpoint>& failpoints, const std::string& step) {
  for (const auto& fp : failpoints) {
    if (fp.effect == FailpointEffect::crash && fp.action.empty() && fp.step == step) return fp;
  }
  return std::nullopt;
}

std::optional<Failpoint> failpoint_for(const std::vector<Failpoint>& failpoints, const protocol::Command& command) {
  const auto step = step_of_command(command.id);
  for (const auto& fp : failpoints) {
    if (fp.effect == FailpointEffect::crash && fp.action.empty()) continue;  // at the step's start
    if (fp.step == step && (fp.action.empty() || fp.action == command.action)) return fp;
  }
  return std::nullopt;
}

}  // namespace pivot::controller
