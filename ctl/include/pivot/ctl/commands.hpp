#pragma once
// The commands of pivotctl, each run against pivotd's API once the command
// line is parsed. Human output goes to `human` (stdout; stderr under --json,
// whose stdout carries only the server's JSON).

#include <iosfwd>
#include <optional>
#include <string>

#include "pivot/ctl/api_client.hpp"
#include "pivot/ctl/context.hpp"
#include "pivot/ctl/exit_code.hpp"
#include "pivot/ctl/invocation.hpp"
#include "pivot/ctl/job_follower.hpp"

namespace pivot::ctl {

// How long to follow a job: pivot-status and dry runs only read; a pivot may
// wait for catch-up and hooks.
inline constexpr FollowOptions kFollowReadOnlyJob{150, 60000};
inline constexpr FollowOptions kFollowPivotJob{150, 600000};

struct Session {
  const Invocation& invocation;
  Context& context;
  ApiClient& api;
  std::ostream& human;  // tables, plans, step lines, prompts
  bool colour = false;
};

// Prints an API error (message on stderr; the server's JSON on stdout under --json).
ExitCode report(Session& session, const ApiError& error);
// Prints the body: pretty JSON under --json.
void print_json(Session& session, const nlohmann::json& body);

// Shared by the commands that start or show jobs. A step of these that fails
// has already told the operator why; `exit` says how pivotctl ends.
struct Started {
  std::optional<std::string> job_id;
  ExitCode exit = ExitCode::ok;
};
// POSTs a job request (202 {"job": id}).
Started start_job(Session& session, const std::string& target, const nlohmann::json& body);
// The job id of a reply to such a POST, or the error reported.
Started job_started(Session& session, const std::string& target, const ApiReply& reply);
struct Awaited {
  std::optional<nlohmann::json> job;  // finished
  ExitCode exit = ExitCode::ok;
};
// Follows the job until it ends; a poll failure or the deadline ends the wait.
Awaited await_job(Session& session, const std::string& job_id, const FollowOptions& options,
                  const StepCallback& on_step_finished = {});
// succeeded: 0, or 3 when its result says not eligible; failed, rolled_back,
// cancelled: 4; unfinished: 0 (shown, not judged).
ExitCode job_exit_code(const nlohmann::json& job);

// The operator's word before a job that changes clusters without a dry run
// of its own (failover, reopen, rollout): nullopt to go on, else how
// pivotctl ends (2: no terminal and no --yes; 6: declined). `doing` is
// "failing over sms-1", `flag_use` "to fail over without asking".
std::optional<ExitCode> operator_agrees(Session& session, const std::string& doing, const std::string& question,
                                        const std::string& flag_use, const std::string& declined);

ExitCode run_clusters(Session& session);
ExitCode run_status(Session& session);
ExitCode run_agents(Session& session);
ExitCode run_jobs(Session& session);
ExitCode run_job(Session& session);
ExitCode run_pivot_status(Session& session);
ExitCode run_pivot(Session& session);
ExitCode run_failover(Session& session);
// POST .../reopen after the operator's word; follows the job like failover.
ExitCode run_reopen(Session& session);
// POST .../acknowledge; PUT or DELETE .../maintenance (policy_commands.cpp):
// 0 with the cluster's failover view printed, 5 when pivotd refused.
ExitCode run_acknowledge(Session& session);
ExitCode run_maintenance(Session& session);
// POST /v1/jobs/{id}/cancel: 0 when pivotd took it (the job ends cancelled),
// 5 when it refused (409: ended, past the fence; 404).
ExitCode run_cancel(Session& session);
// rollout (rollout_command.cpp): the dry run's table (the fleet's pivot
// status), the operator's word with the count of clusters, then a live table
// of the clusters' states; 0 all pivoted, 3 one was not eligible, 4 one
// failed or the rollout was cancelled.
ExitCode run_rollout(Session& session);
// import-mha: the spec on stdout, warnings on stderr; 2 for a file or option
// it cannot use (import_mha_command.cpp). Runs without pivotd.
ExitCode run_import_mha(const Invocation& inv, Context& context);

}  // namespace pivot::ctl
