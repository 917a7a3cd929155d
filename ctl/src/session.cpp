// What every command shares: reporting API errors, --json output, starting
// and awaiting jobs, and the exit code a finished job stands for.
#include <ostream>

#include "pivot/ctl/commands.hpp"
#include "pivot/ctl/format.hpp"

namespace pivot::ctl {

ExitCode report(Session& session, const ApiError& error) {
  if (session.invocation.json && !error.body.is_null()) session.context.out << error.body.dump(2) << "\n";
  session.context.err << "pivotctl: " << describe(error) << "\n";
  return exit_code_for(error);
}

void print_json(Session& session, const nlohmann::json& body) { session.context.out << body.dump(2) << "\n"; }

Started start_job(Session& session, const std::string& target, const nlohmann::json& body) {
  return job_started(session, target, session.api.post(target, body));
}

Started job_started(Session& session, const std::string& target, const ApiReply& reply) {
  if (!reply.ok()) return {std::nullopt, report(session, *reply.error)};
  const std::string id = string_of(reply.body, "job");
  if (id.empty()) {
    return {std::nullopt, report(session, ApiError{202, "bad_reply",
                                                   "pivotd at " + session.api.url() + " accepted " + target +
                                                       " but named no job (" + reply.body.dump() + ")",
                                                   nullptr})};
  }
  return {id, ExitCode::ok};
}

Awaited await_job(Session& session, const std::string& job_id, const FollowOptions& options,
                  const StepCallback& on_step_finished) {
  auto outcome = follow_job(session.api, session.context.clock, job_id, options, on_step_finished,
                            [&](const std::string& note) { session.context.err << "pivotctl: " << note << "\n"; });
  if (outcome.error) return {std::nullopt, report(session, *outcome.error)};
  if (outcome.timed_out) {
    if (session.invocation.json) print_json(session, outcome.job);
    session.context.err << "pivotctl: job " << job_id << " is still " << cell_text(outcome.job, "state")
                        << " after " << options.deadline_ms / 1000 << " s; follow it with `pivotctl job " << job_id
                        << " --follow`\n";
    return {std::nullopt, ExitCode::unreachable};
  }
  return {std::move(outcome.job), ExitCode::ok};
}

ExitCode job_exit_code(const nlohmann::json& job) {
  const std::string state = string_of(job, "state");
  if (state == "succeeded") {
    const auto& eligible = member(member(job, "result"), "eligible");
    return eligible.is_boolean() && !eligible.get<bool>() ? ExitCode::not_eligible : ExitCode::ok;
  }
  if (state == "failed" || state == "rolled_back" || state == "cancelled") return ExitCode::job_failed;
  return ExitCode::ok;
}

}  // namespace pivot::ctl
