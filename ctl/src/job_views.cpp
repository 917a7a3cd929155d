// pivotctl jobs and job, and the live lines of a followed job.
#include <ostream>

#include "pivot/ctl/format.hpp"
#include "pivot/ctl/table.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl {

namespace {

using nlohmann::json;

constexpr std::size_t kDetailWidth = 100;
constexpr std::size_t kStateWidth = 11;  // "rolled_back"

Tone state_tone(const std::string& state) {
  if (state == "succeeded") return Tone::good;
  if (state == "failed" || state == "rolled_back" || state == "cancelled") return Tone::bad;
  if (state == "skipped" || state == "pending") return Tone::dim;  // pending: the TUI's steps not reached yet
  return Tone::warn;  // queued, running
}

// A step's detail on one line: "key=value ..." for an object, the text for a
// string. A hook's output may span lines: they are joined, so that a step
// stays one line of the table; --json has it whole.
std::string detail_text(const json& detail) {
  std::string text;
  if (detail.is_string()) {
    text = detail.get<std::string>();
  } else if (detail.is_object()) {
    for (const auto& [key, value] : detail.items()) {
      if (!text.empty()) text += " ";
      text += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
    }
  } else if (!detail.is_null()) {
    text = detail.dump();
  }
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return shorten(text, kDetailWidth);
}

// What a step line shows: pivotd's one-sentence summary; from an older
// pivotd without one, the detail on one line. --json has the detail whole.
std::string step_text(const json& step) {
  std::string summary = string_of(step, "summary");
  if (summary.empty()) return detail_text(member(step, "detail"));
  for (char& c : summary) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return summary;
}

std::string kind_text(const json& job) {
  std::string kind = string_of(job, "kind");
  for (char& c : kind) {
    if (c == '_') c = '-';
  }
  if (kind.empty()) return "job";
  // A pivot's dry run is a job of its own: say so, or `jobs` lists two pivots for one.
  return job.value("dry_run", false) ? kind + " (dry run)" : kind;
}

// Why a job did not succeed: the result's error and message, else the first
// failed step and its detail.
std::string failure_reason(const json& job) {
  const json& result = member(job, "result");
  std::string reason = string_of(result, "error");
  const std::string message = string_of(result, "message");
  if (!message.empty()) reason += (reason.empty() ? "" : ": ") + message;
  if (!reason.empty()) return reason;
  const json& steps = member(job, "steps");
  if (steps.is_array()) {
    for (const auto& s : steps) {
      const std::string state = string_of(s, "state");
      if (state == "failed") {
        const std::string detail = step_text(s);
        return "step " + string_of(s, "name") + " failed" + (detail.empty() ? "" : ": " + detail);
      }
    }
  }
  return "";
}

}  // namespace

void print_jobs(std::ostream& out, const json& jobs, bool colour) {
  Table table({"ID", "KIND", "CLUSTER", "STATE", "REQUESTED_BY", "CREATED"});
  const json& list = jobs.is_array() ? jobs : member(jobs, "jobs");
  if (list.is_array()) {
    for (const auto& j : list) {
      const std::string state = cell_text(j, "state");
      table.add({cell_text(j, "id"), kind_text(j), cell_text(j, "cluster"), Cell(state, state_tone(state)),
                 cell_text(j, "requested_by"), short_time(cell_text(j, "created_at"))});
    }
  }
  if (table.empty()) {
    out << "No jobs.\n";
    return;
  }
  table.print(out, colour);
}

void print_step_line(std::ostream& out, const json& step, std::size_t name_width, bool colour) {
  const std::string name = cell_text(step, "name");
  const std::string state = cell_text(step, "state");
  const std::string duration = step_duration(step);
  const std::string detail = step_text(step);
  std::string line = "  " + name + std::string(name.size() < name_width ? name_width - name.size() : 0, ' ') + "  " +
                     paint(state, state_tone(state), colour) +
                     std::string(state.size() < kStateWidth ? kStateWidth - state.size() : 0, ' ') + "  " +
                     std::string(duration.size() < 8 ? 8 - duration.size() : 0, ' ') + duration;
  if (!detail.empty()) line += "  " + detail;
  out << line << "\n";
}

void print_job_outcome(std::ostream& out, const json& job, bool colour) {
  const std::string state = string_of(job, "state");
  const std::string cluster = string_of(job, "cluster");
  const json& result = member(job, "result");
  if (string_of(job, "kind") == "rollout") {
    // A rollout has no cluster of its own: pivotd's count of its pivots says it.
    const std::string message = string_of(result, "message");
    out << paint("Rollout " + (state.empty() ? std::string("did not finish") : state) +
                     (message.empty() ? "" : ": " + message),
                 state == "succeeded" ? Tone::good : Tone::bad, colour)
        << "\n";
    return;
  }
  if (state != "succeeded") {
    const std::string reason = failure_reason(job);
    out << paint(kind_text(job) + " of " + cluster + " " + (state.empty() ? "did not finish" : state) +
                     (reason.empty() ? "" : ": " + reason),
                 Tone::bad, colour)
        << "\n";
    return;
  }
  const std::string kind = kind_text(job);
  if (kind == "reopen" || kind == "rejoin") {
    // The node the job acted on, by whichever name its result gives it.
    std::string node = string_of(result, "node");
    if (node.empty()) node = string_of(result, "primary");
    if (node.empty()) node = string_of(result, "old_primary");
    if (kind == "rejoin" && string_of(result, "verdict") == "needs_rebuild") {
      out << paint(cluster + ": " + (node.empty() ? std::string("the old primary") : node) +
                       " kept read-only and marked needs_rebuild (it holds transactions the new primary lacks)",
                   Tone::warn, colour)
          << "\n";
      return;
    }
    const std::string done = kind == "reopen" ? "Reopened " : "Rejoined ";
    out << paint(done + cluster + (node.empty() ? "" : ": " + node + (kind == "reopen" ? " is writable again" : " is a replica again")),
                 Tone::good, colour)
        << "\n";
    return;
  }
  std::string line = (kind == "failover" ? "Failed over " : "Pivoted ") + cluster + ": " +
                     cell_text(result, "new_primary") + " is the new primary";
  if (member(result, "old_primary").is_string()) line += " (was " + string_of(result, "old_primary") + ")";
  if (const auto blocked = uint_of(result, "write_blocked_ms")) {
    line += "; writes were blocked for " + format_duration_ms(*blocked);
  }
  out << paint(line, Tone::good, colour) << "\n";
}

void print_job(std::ostream& out, const json& job, bool colour) {
  const std::string state = cell_text(job, "state");
  out << "Job " << cell_text(job, "id") << ": " << kind_text(job) << " of " << cell_text(job, "cluster") << ", "
      << paint(state, state_tone(state), colour) << " (requested by " << cell_text(job, "requested_by")
      << ", created " << short_time(cell_text(job, "created_at")) << ")\n";
  Table steps({"STEP", "STATE", "DURATION", "SUMMARY"});
  const json& list = member(job, "steps");
  if (list.is_array()) {
    for (const auto& s : list) {
      const std::string step_state = cell_text(s, "state");
      steps.add({cell_text(s, "name"), Cell(step_state, state_tone(step_state)), step_duration(s),
                 step_text(s)});
    }
  }
  if (!steps.empty()) steps.print(out, colour, "  ");
  print_job_verdict(out, job, colour);
}

void print_job_verdict(std::ostream& out, const json& job, bool colour) {
  const std::string state = string_of(job, "state");
  const json& result = member(job, "result");
  if (state.empty() || state == "queued" || state == "running") return;
  const std::string cluster = string_of(job, "cluster");
  if (state == "succeeded" && member(result, "plan").is_array() && !member(result, "write_blocked_ms").is_number()) {
    print_plan(out, cluster, result, colour);  // a dry run
    return;
  }
  if (state == "succeeded" && string_of(job, "kind") == "pivot_status") {
    print_pivot_status(out, cluster, result, colour);
    return;
  }
  // A pivot refused by its own check step carries the checks: show why. One
  // that passed them and ended otherwise (cancelled, failed later) is told by
  // its steps and its outcome.
  const json& eligible = member(result, "eligible");
  if (state != "succeeded" && member(result, "checks").is_array() && !(eligible.is_boolean() && eligible.get<bool>())) {
    print_pivot_status(out, cluster, result, colour);
  }
  print_job_outcome(out, job, colour);
}

}  // namespace pivot::ctl
