// pivotctl rollout: the fleet's pivot status (a dry-run rollout), the
// operator's word with the count of clusters, then the rollout followed by
// polling, its clusters' states as a live table.
#include <algorithm>
#include <map>
#include <sstream>

#include "pivot/ctl/commands.hpp"
#include "pivot/ctl/format.hpp"
#include "pivot/ctl/table.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl {
namespace {

using nlohmann::json;

// How often the live table is refreshed, and how long one cluster's pivot
// may take at most before pivotctl stops following (the rollout goes on).
constexpr std::uint64_t kRolloutPollMs = 500;
constexpr std::uint64_t kRolloutPerClusterMs = 600000;

json rollout_body(const Invocation& inv, bool dry_run) {
  json body{{"selector", inv.selector},
            {"concurrency", inv.concurrency},
            {"stop_on_failure", !inv.keep_going},
            {"dry_run", dry_run}};
  if (inv.order_by) body["order_by"] = *inv.order_by;
  return body;
}

const json& clusters_of(const json& job) { return member(member(job, "result"), "clusters"); }

// The dry run's answer: every selected cluster's eligibility, in rollout order.
void print_fleet_status(std::ostream& out, const json& clusters, bool colour) {
  Table table({"CLUSTER", "GROUP", "PRIMARY", "CANDIDATE", "ELIGIBLE", "FAILING CHECKS"});
  for (const auto& c : clusters) {
    const bool eligible = member(c, "eligible").is_boolean() && member(c, "eligible").get<bool>();
    std::string failing;
    for (const auto& check : member(c, "checks")) {
      const bool ok = member(check, "ok").is_boolean() && member(check, "ok").get<bool>();
      if (!ok) failing += (failing.empty() ? "" : ",") + string_of(check, "id");
    }
    table.add({cell_text(c, "cluster"), cell_text(c, "group"), cell_text(c, "primary"), cell_text(c, "candidate"),
               Cell(eligible ? "yes" : "no", eligible ? Tone::good : Tone::bad), failing.empty() ? "-" : failing});
  }
  table.print(out, colour);
}

Tone tone_of(const std::string& state, const std::string& outcome) {
  if (outcome == "succeeded") return Tone::good;
  if (!outcome.empty()) return Tone::bad;
  if (state == "pending" || state == "not_started") return Tone::dim;
  return Tone::warn;  // queued, running
}

// The rollout as it stands: one row per cluster.
void print_rollout_progress(std::ostream& out, const json& clusters, bool colour) {
  Table table({"CLUSTER", "PRIMARY", "STATE", "JOB", "OUTCOME"});
  for (const auto& c : clusters) {
    const std::string state = string_of(c, "state");
    const std::string outcome = string_of(c, "outcome");
    std::string shown = outcome.empty() ? "-" : outcome;
    if (const std::string error = string_of(c, "error"); !error.empty() && outcome != "succeeded") {
      shown += " (" + error + ")";
    }
    table.add({cell_text(c, "cluster"), cell_text(c, "expected_primary"), Cell(state, tone_of(state, outcome)),
               cell_text(c, "job"), Cell(shown, tone_of(state, outcome))});
  }
  table.print(out, colour);
}

// 0 every cluster pivoted; 4 one failed or the rollout was cancelled; 3 one
// was not eligible (and none failed).
ExitCode rollout_exit_code(const json& job) {
  const std::string state = string_of(job, "state");
  if (state == "succeeded") return ExitCode::ok;
  if (state == "cancelled") return ExitCode::job_failed;
  bool not_eligible = false;
  for (const auto& c : clusters_of(job)) {
    const std::string outcome = string_of(c, "outcome");
    if (outcome == "failed" || outcome == "cancelled") return ExitCode::job_failed;
    not_eligible = not_eligible || outcome == "not_eligible";
  }
  return not_eligible ? ExitCode::not_eligible : ExitCode::job_failed;
}

// Follows the rollout to its end. On a terminal the table is redrawn in
// place; otherwise (a pipeline's log) each change of a cluster's state is one line.
std::optional<json> follow_rollout(Session& session, const std::string& id, std::size_t clusters) {
  const bool redraw = session.context.stdout_terminal && !session.invocation.json;
  std::string drawn;
  std::size_t drawn_lines = 0;
  std::map<std::string, std::string> seen;  // cluster -> state shown
  const std::uint64_t deadline = session.context.clock.now_ms() + kRolloutPerClusterMs * std::max<std::size_t>(clusters, 1);
  while (true) {
    auto reply = session.api.get("/v1/jobs/" + url_encode(id));
    if (!reply.ok()) {
      report(session, *reply.error);
      return std::nullopt;
    }
    const json& job = reply.body;
    if (redraw) {
      std::ostringstream table;
      print_rollout_progress(table, clusters_of(job), session.colour);
      if (table.str() != drawn) {
        // Back to the table's first line, clear to the end, draw it again.
        if (drawn_lines > 0) session.human << "\x1b[" << drawn_lines << "F\x1b[J";
        drawn = table.str();
        drawn_lines = static_cast<std::size_t>(std::count(drawn.begin(), drawn.end(), '\n'));
        session.human << drawn << std::flush;
      }
    } else {
      for (const auto& c : clusters_of(job)) {
        const std::string cluster = string_of(c, "cluster");
        std::string state = string_of(c, "state");
        if (const std::string outcome = string_of(c, "outcome"); !outcome.empty() && outcome != state) {
          state += " (" + outcome + ")";
        }
        if (seen[cluster] == state) continue;
        seen[cluster] = state;
        if (state == "pending") continue;
        session.human << "  " << cluster << ": " << state;
        if (const std::string child = string_of(c, "job"); !child.empty()) session.human << "  job " << child;
        if (const std::string message = string_of(c, "message"); !message.empty() && string_of(c, "outcome") != "succeeded") {
          session.human << "  " << message;
        }
        session.human << "\n" << std::flush;
      }
    }
    if (job_finished(job)) return job;
    if (session.context.clock.now_ms() >= deadline) {
      session.context.err << "pivotctl: rollout " << id << " still runs; follow it with `pivotctl job " << id << "`\n";
      return std::nullopt;
    }
    session.context.clock.sleep_ms(kRolloutPollMs);
  }
}

}  // namespace

ExitCode run_rollout(Session& session) {
  const Invocation& inv = session.invocation;
  // 1. The fleet's pivot status: a dry-run rollout, nothing started.
  auto dry_started = start_job(session, "/v1/rollouts", rollout_body(inv, true));
  if (!dry_started.job_id) return dry_started.exit;
  auto dry = await_job(session, *dry_started.job_id, kFollowReadOnlyJob);
  if (!dry.job) return dry.exit;
  const json& clusters = clusters_of(*dry.job);
  std::size_t not_eligible = 0;
  for (const auto& c : clusters) {
    if (!(member(c, "eligible").is_boolean() && member(c, "eligible").get<bool>())) ++not_eligible;
  }
  session.human << clusters.size() << " cluster(s) selected by " << inv.selector
                << (inv.order_by ? ", ordered by " + *inv.order_by : std::string()) << ":\n";
  print_fleet_status(session.human, clusters, session.colour);
  if (inv.dry_run) {
    if (inv.json) print_json(session, *dry.job);
    return not_eligible > 0 ? ExitCode::not_eligible : ExitCode::ok;
  }
  if (not_eligible > 0) {
    session.context.err << "pivotctl: " << not_eligible << " of " << clusters.size()
                        << " cluster(s) are not eligible now: "
                        << (inv.keep_going ? "their pivots will fail, the others go on"
                                           : "the rollout stops at the first of them (--keep-going goes on)")
                        << "\n";
  }
  // 2. The operator's word, with the count.
  const std::string what = std::to_string(clusters.size()) + " cluster(s)";
  if (auto refused = operator_agrees(session, "rolling out to " + what,
                                     "Pivot " + what + ", " + std::to_string(inv.concurrency) + " at a time?",
                                     "to roll out without asking", "Not rolled out.")) {
    return *refused;
  }
  // 3. The rollout, each cluster pinned by pivotd to the primary its own selection saw.
  auto started = start_job(session, "/v1/rollouts", rollout_body(inv, false));
  if (!started.job_id) return started.exit;
  session.human << "Rollout job " << *started.job_id << ": " << what << "\n";
  auto job = follow_rollout(session, *started.job_id, clusters.size());
  if (!job) return ExitCode::unreachable;
  if (inv.json) print_json(session, *job);
  const ExitCode code = rollout_exit_code(*job);
  print_job_outcome(session.human, *job, session.colour);
  return code;
}

}  // namespace pivot::ctl
