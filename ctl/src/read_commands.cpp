// The commands that only read: clusters, status, agents, jobs, job.
#include <algorithm>
#include <ostream>

#include "pivot/ctl/commands.hpp"
#include "pivot/ctl/format.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl {

namespace {

using nlohmann::json;
using Printer = void (*)(std::ostream&, const json&, bool);

// The server's JSON under --json, else the table; or the error reported.
ExitCode print_reply(Session& session, const ApiReply& reply, Printer printer) {
  if (!reply.ok()) return report(session, *reply.error);
  if (session.invocation.json) {
    print_json(session, reply.body);
  } else {
    printer(session.human, reply.body, session.colour);
  }
  return ExitCode::ok;
}

ExitCode show(Session& session, const std::string& target, Printer printer) {
  return print_reply(session, session.api.get(target), printer);
}

}  // namespace

ExitCode run_clusters(Session& session) { return show(session, "/v1/clusters", print_clusters); }

ExitCode run_status(Session& session) {
  return show(session, "/v1/clusters/" + url_encode(session.invocation.cluster), print_cluster_status);
}

ExitCode run_agents(Session& session) { return show(session, "/v1/agents", print_agents); }

ExitCode run_jobs(Session& session) {
  std::string target = "/v1/jobs?limit=" + std::to_string(session.invocation.limit);
  if (!session.invocation.cluster.empty()) target += "&cluster=" + url_encode(session.invocation.cluster);
  auto reply = session.api.get(target);
  if (!reply.ok() && (reply.error->status == 404 || reply.error->status == 501)) {
    // pivotd part 1 serves single jobs before it lists them.
    if (session.invocation.json && !reply.error->body.is_null()) print_json(session, reply.error->body);
    session.context.err << "pivotctl: this pivotd does not list jobs yet (GET /v1/jobs answered "
                        << reply.error->status << "); show one job with `pivotctl job ID`\n";
    return ExitCode::refused;
  }
  return print_reply(session, reply, print_jobs);
}

ExitCode run_job(Session& session) {
  const std::string& id = session.invocation.job_id;
  if (!session.invocation.follow) {
    auto reply = session.api.get("/v1/jobs/" + url_encode(id));
    if (!reply.ok()) return report(session, *reply.error);
    if (session.invocation.json) {
      print_json(session, reply.body);
    } else {
      print_job(session.human, reply.body, session.colour);
    }
    return job_exit_code(reply.body);
  }

  session.human << "Following job " << id << "\n";
  FollowOptions options = kFollowPivotJob;
  options.stream = true;  // GET /v1/events; polling only when it cannot be had
  auto awaited = await_job(session, id, options, [&](const json& step) {
    print_step_line(session.human, step, std::max<std::size_t>(20, cell_text(step, "name").size()), session.colour);
  });
  if (!awaited.job) return awaited.exit;
  const json& job = *awaited.job;
  if (session.invocation.json) print_json(session, job);
  print_job_verdict(session.human, job, session.colour);
  return job_exit_code(job);
}

}  // namespace pivot::ctl
