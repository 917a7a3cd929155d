// The commands that start jobs: pivot-status, pivot (dry run, confirm, pivot,
// follow), failover and reopen (confirm, start, follow).
#include <algorithm>
#include <cctype>
#include <istream>
#include <optional>
#include <ostream>

#include "pivot/ctl/commands.hpp"
#include "pivot/ctl/format.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl {

namespace {

using nlohmann::json;

std::string cluster_path(const Session& session, const std::string& action) {
  return "/v1/clusters/" + url_encode(session.invocation.cluster) + "/" + action;
}

bool said_not_eligible(const json& job) {
  const json& eligible = member(member(job, "result"), "eligible");
  return eligible.is_boolean() && !eligible.get<bool>();
}

// "y" or "yes", any case, blanks around it allowed; anything else is no.
bool confirmed(std::istream& in) {
  std::string answer;
  if (!std::getline(in, answer)) return false;
  std::string word;
  for (char c : answer) {
    if (!std::isspace(static_cast<unsigned char>(c))) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return word == "y" || word == "yes";
}

// POSTs `body` to the cluster's `action`, then follows the job it started,
// a line per finished step, to its outcome. A pivotd that answers 501 does
// not have the action yet.
ExitCode start_and_follow(Session& session, const std::string& action, const json& body, const std::string& title) {
  const std::string target = cluster_path(session, action);
  auto reply = session.api.post(target, body);
  if (!reply.ok() && reply.error->status == 501) {
    if (session.invocation.json && !reply.error->body.is_null()) print_json(session, reply.error->body);
    session.context.err << "pivotctl: " << action << " is not supported yet by this pivotd (HTTP 501)\n";
    return ExitCode::refused;
  }
  auto started = job_started(session, target, reply);
  if (!started.job_id) return started.exit;
  const std::string& id = *started.job_id;
  session.human << title << " job " << id << ": " << session.invocation.cluster << "\n";
  auto awaited = await_job(session, id, kFollowPivotJob, [&](const json& step) {
    print_step_line(session.human, step, 20, session.colour);
  });
  if (!awaited.job) return awaited.exit;
  if (session.invocation.json) print_json(session, *awaited.job);
  print_job_outcome(session.human, *awaited.job, session.colour);
  return string_of(*awaited.job, "state") == "succeeded" ? ExitCode::ok : ExitCode::job_failed;
}

// The widest step name of the plan, so the live step lines line up.
std::size_t step_name_width(const json& plan) {
  std::size_t width = 20;
  if (plan.is_array()) {
    for (const auto& s : plan) {
      if (s.is_string()) width = std::max(width, s.get<std::string>().size());
    }
  }
  return width;
}

// A read-only job that may wait for eligibility (--wait): followed past the
// wait, its progress shown as it changes.
Awaited await_read_only(Session& session, const std::string& job_id) {
  const auto wait_ms = session.invocation.wait_ms;
  if (wait_ms == 0) return await_job(session, job_id, kFollowReadOnlyJob);
  const FollowOptions options{kFollowReadOnlyJob.poll_ms, wait_ms + kFollowReadOnlyJob.deadline_ms, true};
  return await_job(session, job_id, options, [&](const json& step) {
    print_step_line(session.human, step, 20, session.colour);
  });
}

// --wait as the API's wait_s (whole seconds, rounded up).
void add_wait_s(json& body, std::uint64_t wait_ms) {
  if (wait_ms > 0) body["wait_s"] = (wait_ms + 999) / 1000;
}

}  // namespace

std::optional<ExitCode> operator_agrees(Session& session, const std::string& doing, const std::string& question,
                                        const std::string& flag_use, const std::string& declined) {
  if (session.invocation.yes) return std::nullopt;
  if (!session.context.stdin_terminal) {
    session.context.err << "pivotctl: not " << doing
                        << ": confirmation is needed and stdin is not a terminal; pass --yes " << flag_use << "\n";
    return ExitCode::usage;
  }
  session.human << question << " [y/N] " << std::flush;
  if (confirmed(session.context.in)) return std::nullopt;
  session.human << declined << "\n";
  return ExitCode::declined;
}

ExitCode run_pivot_status(Session& session) {
  json body = json::object();
  if (session.invocation.candidate) body["candidate"] = *session.invocation.candidate;
  add_wait_s(body, session.invocation.wait_ms);
  auto started = start_job(session, cluster_path(session, "pivot-status"), body);
  if (!started.job_id) return started.exit;
  auto awaited = await_read_only(session, *started.job_id);
  if (!awaited.job) return awaited.exit;
  const json& job = *awaited.job;
  if (session.invocation.json) {
    print_json(session, job);
  } else {
    print_job_verdict(session.human, job, session.colour);
  }
  return job_exit_code(job);
}

ExitCode run_pivot(Session& session) {
  const Invocation& inv = session.invocation;
  auto& err = session.context.err;

  // 1. The dry run: checks and plan, nothing changed.
  // With --wait the dry run waits for eligibility (holding nothing); the
  // pivot itself then starts at once, pinned to what it saw.
  json dry_body{{"dry_run", true}};
  if (inv.candidate) dry_body["candidate"] = *inv.candidate;
  add_wait_s(dry_body, inv.wait_ms);
  auto dry_started = start_job(session, cluster_path(session, "pivot"), dry_body);
  if (!dry_started.job_id) return dry_started.exit;
  auto dry = await_read_only(session, *dry_started.job_id);
  if (!dry.job) return dry.exit;
  const json& dry_job = *dry.job;
  const json& plan = member(dry_job, "result");
  if (said_not_eligible(dry_job)) {
    if (inv.json) print_json(session, dry_job);
    print_pivot_status(session.human, inv.cluster, plan, session.colour);
    err << "pivotctl: " << inv.cluster << " is not eligible for a pivot; nothing was changed\n";
    return ExitCode::not_eligible;
  }
  if (string_of(dry_job, "state") != "succeeded") {
    if (inv.json) print_json(session, dry_job);
    print_job_outcome(session.human, dry_job, session.colour);
    return ExitCode::job_failed;
  }
  std::string old_primary = string_of(plan, "old_primary");
  if (old_primary.empty()) old_primary = string_of(plan, "primary");
  std::string new_primary = string_of(plan, "new_primary");
  if (new_primary.empty()) new_primary = string_of(plan, "candidate");
  if (old_primary.empty() || new_primary.empty()) {
    if (inv.json) print_json(session, dry_job);
    err << "pivotctl: the dry run (job " << *dry_started.job_id << ") named no "
        << (old_primary.empty() ? "current primary" : "candidate") << "; nothing was changed\n";
    return ExitCode::job_failed;
  }
  print_plan(session.human, inv.cluster, plan, session.colour);
  if (inv.dry_run) {
    if (inv.json) print_json(session, dry_job);
    return ExitCode::ok;
  }

  // 2. The operator's word.
  if (!inv.yes) {
    if (!session.context.stdin_terminal) {
      err << "pivotctl: not pivoting " << inv.cluster
          << ": confirmation is needed and stdin is not a terminal; pass --yes to pivot without asking\n";
      return ExitCode::usage;
    }
    session.human << "Pivot " << inv.cluster << " from " << old_primary << " to " << new_primary << "? [y/N] "
                  << std::flush;
    if (!confirmed(session.context.in)) {
      session.human << "Not pivoted.\n";
      return ExitCode::declined;
    }
  }

  // 3. The pivot itself, pinned to what the operator saw: the dry run's
  // candidate, and its primary (pivotd answers 412 if that changed meanwhile).
  json body{{"candidate", new_primary}, {"expected_primary", old_primary}};
  auto started = start_job(session, cluster_path(session, "pivot"), body);
  if (!started.job_id) return started.exit;
  session.human << "Pivot job " << *started.job_id << ": " << inv.cluster << " from " << old_primary << " to "
                << new_primary << "\n";
  const std::size_t width = step_name_width(member(plan, "plan"));
  auto awaited = await_job(session, *started.job_id, kFollowPivotJob, [&](const json& step) {
    print_step_line(session.human, step, width, session.colour);
  });
  if (!awaited.job) return awaited.exit;
  const json& job = *awaited.job;
  if (inv.json) print_json(session, job);
  if (said_not_eligible(job)) print_pivot_status(session.human, inv.cluster, member(job, "result"), session.colour);
  print_job_outcome(session.human, job, session.colour);
  return string_of(job, "state") == "succeeded" ? ExitCode::ok : ExitCode::job_failed;
}

ExitCode run_cancel(Session& session) {
  const std::string& id = session.invocation.job_id;
  auto reply = session.api.post("/v1/jobs/" + url_encode(id) + "/cancel", json::object());
  if (!reply.ok()) return report(session, *reply.error);
  if (session.invocation.json) print_json(session, reply.body);
  if (string_of(reply.body, "kind") == "rollout") {
    session.human << "Rollout " << id << " starts no more pivots; the running ones finish (follow it with `pivotctl job "
                  << id << "`)\n";
  } else if (string_of(reply.body, "state") == "cancelled") {
    session.human << "Job " << id << " cancelled before the fence: nothing was changed\n";
  } else {
    // A pre_pivot hook still runs: the job stops when it ends.
    session.human << "Job " << id << " will stop before the fence (now " << string_of(reply.body, "state")
                  << "); follow it with `pivotctl job " << id << " --follow`\n";
  }
  return ExitCode::ok;
}

ExitCode run_failover(Session& session) {
  const auto& inv = session.invocation;
  if (auto refused = operator_agrees(session, "failing over " + inv.cluster,
                                     "Fail over " + inv.cluster +
                                         ": replace its primary, which pivotd must find dead (else it refuses: use pivot)?",
                                     "to fail over without asking", "Not failed over.")) {
    return *refused;
  }
  json body = json::object();
  if (inv.candidate) body["candidate"] = *inv.candidate;
  return start_and_follow(session, "failover", body, "Failover");
}

ExitCode run_reopen(Session& session) {
  const auto& inv = session.invocation;
  if (auto refused = operator_agrees(session, "reopening " + inv.cluster,
                                     "Reopen " + inv.cluster +
                                         ": make its read-only primary writable (pivotd checks first that it holds every "
                                         "transaction any replica has)?",
                                     "to reopen without asking", "Not reopened.")) {
    return *refused;
  }
  return start_and_follow(session, "reopen", json::object(), "Reopen");
}

}  // namespace pivot::ctl
