// The commands that change what pivotd may do to a cluster, without a job:
// acknowledge (a failover dealt with: its cooldown ends; rebuilt nodes lose
// their needs_rebuild marks) and maintenance (a window with no automatic
// failover and no pivot, or its end). Each answers the cluster's failover
// view as it now is, which is printed.
#include <ostream>

#include "pivot/ctl/commands.hpp"
#include "pivot/ctl/format.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl {

namespace {

using nlohmann::json;

std::string maintenance_path(const Session& session) {
  return "/v1/clusters/" + url_encode(session.invocation.cluster) + "/maintenance";
}

// The answer {"cluster", "failover"}: its JSON under --json, else `done` and
// the view.
ExitCode print_view(Session& session, const ApiReply& reply, const std::string& done) {
  if (!reply.ok()) return report(session, *reply.error);
  if (session.invocation.json) print_json(session, reply.body);
  session.human << done << "\n";
  print_failover_view(session.human, session.invocation.cluster, member(reply.body, "failover"), session.colour);
  return ExitCode::ok;
}

}  // namespace

ExitCode run_acknowledge(Session& session) {
  const auto& inv = session.invocation;
  json body{{"comment", inv.comment}};
  if (!inv.rebuilt.empty()) body["rebuilt"] = inv.rebuilt;
  auto reply = session.api.post("/v1/clusters/" + url_encode(inv.cluster) + "/acknowledge", body);
  // pivotd's answer says whether there was a failover to acknowledge.
  const bool had_failover = member(member(reply.body, "failover"), "last_failover").is_object();
  std::string done = had_failover ? "Acknowledged the last failover of " + inv.cluster +
                                        ": its cooldown no longer holds back an automatic failover"
                                  : inv.cluster + " has had no failover to acknowledge";
  for (const auto& node : inv.rebuilt) done += "\n" + node + "'s needs_rebuild mark is cleared";
  return print_view(session, reply, done);
}

ExitCode run_maintenance(Session& session) {
  const auto& inv = session.invocation;
  if (inv.end) {
    return print_view(session, session.api.del(maintenance_path(session)),
                      "Maintenance of " + inv.cluster + " ended: automatic failover and pivots as the policy says");
  }
  // A duration counts from now on this machine's clock; a time is sent as
  // the operator wrote it (pivotd reads its offset).
  std::string until = inv.until;
  if (!parse_rfc3339_ms(until)) {
    const auto duration = parse_duration_ms(until);
    if (!duration) {  // parse_command_line checked it: never here
      session.context.err << "pivotctl: --until " << until << " is neither a time nor a duration\n";
      return ExitCode::usage;
    }
    until = format_rfc3339_ms(session.context.clock.wall_ms() + *duration);
  }
  return print_view(session, session.api.put(maintenance_path(session), json{{"until", until}, {"reason", inv.reason}}),
                    "Maintenance of " + inv.cluster + " until " + short_time(until) +
                        ": no automatic failover, no pivot (a manual failover still runs)");
}

}  // namespace pivot::ctl
