#include "pivot/ctl/pivotctl.hpp"

#include <ostream>

#include "pivot/ctl/api_client.hpp"
#include "pivot/ctl/commands.hpp"
#include "pivot/ctl/invocation.hpp"
#include "pivot/ctl/tui.hpp"

namespace pivot::ctl {

int run_pivotctl(const std::vector<std::string>& args, Context& context) {
  auto parsed = parse_command_line(args, context.env, context.out, context.err);
  if (!parsed.invocation) return to_int(parsed.exit);
  const Invocation& inv = *parsed.invocation;
  // A local conversion: no pivotd, no URL, no token.
  if (inv.command == Command::import_mha) return to_int(run_import_mha(inv, context));

  auto url = parse_controller_url(inv.controller);
  if (!url) {
    context.err << "pivotctl: " << url.error().message << "\n";
    return to_int(ExitCode::usage);
  }
  auto transport = context.connect(*url);
  ApiClient api(*transport, url->text, inv.token);
  // Colour only for a person: stdout a terminal, NO_COLOR unset, not --json.
  const bool colour = context.stdout_terminal && !context.env("NO_COLOR") && !inv.json;
  // Under --json stdout carries only the server's JSON; the rest goes to stderr.
  Session session{inv, context, api, inv.json ? context.err : context.out, colour};

  ExitCode code = ExitCode::ok;
  switch (inv.command) {
    case Command::clusters: code = run_clusters(session); break;
    case Command::status: code = run_status(session); break;
    case Command::pivot_status: code = run_pivot_status(session); break;
    case Command::pivot: code = run_pivot(session); break;
    case Command::failover: code = run_failover(session); break;
    case Command::acknowledge: code = run_acknowledge(session); break;
    case Command::maintenance: code = run_maintenance(session); break;
    case Command::reopen: code = run_reopen(session); break;
    case Command::rollout: code = run_rollout(session); break;
    case Command::jobs: code = run_jobs(session); break;
    case Command::job: code = run_job(session); break;
    case Command::cancel: code = run_cancel(session); break;
    case Command::agents: code = run_agents(session); break;
    case Command::tui: code = run_tui(context, api); break;
    case Command::import_mha: break;  // ran above
  }
  context.out.flush();
  return to_int(code);
}

}  // namespace pivot::ctl
