#pragma once
// The command line, parsed (CLI11) into one immutable struct before anything
// connects. Global options are accepted before or after the command.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "pivot/ctl/context.hpp"
#include "pivot/ctl/exit_code.hpp"

namespace pivot::ctl {

enum class Command {
  clusters, status, pivot_status, pivot, failover, jobs, job, cancel, agents, tui, import_mha,
  acknowledge, maintenance, reopen, rollout
};

struct Invocation {
  Command command = Command::clusters;
  std::string controller = kDefaultController;  // --controller, else PIVOT_CONTROLLER
  bool json = false;
  std::string token;                            // --token-file, else PIVOT_TOKEN; "" for none
  std::string cluster;                          // the commands on one cluster; jobs' filter
  std::optional<std::string> candidate;         // pivot-status, pivot, failover
  bool dry_run = false;                         // pivot
  std::uint64_t wait_ms = 0;                    // pivot-status, pivot --wait DURATION: wait for eligibility
  bool yes = false;                             // pivot, failover, reopen
  std::string comment;                          // acknowledge
  std::vector<std::string> rebuilt;             // acknowledge: nodes whose needs_rebuild mark is cleared
  std::string until;                            // maintenance: RFC 3339, or a duration from now ("2h")
  std::string reason;                           // maintenance
  bool end = false;                             // maintenance --end
  std::string job_id;                           // job, cancel
  bool follow = false;                          // job
  unsigned limit = 20;                          // jobs
  std::string mha_config;                       // import-mha: APP.CNF
  std::optional<std::string> name;              // import-mha --name
  std::optional<std::string> primary;           // import-mha --primary HOST:PORT
  std::vector<std::string> azs;                 // import-mha --az HOST:PORT=AZ, repeated
  std::string selector;                         // rollout --selector k=v,k2!=v2
  std::optional<std::string> order_by;          // rollout --order-by LABEL or LABEL=v1,v2,...
  unsigned concurrency = 1;                     // rollout --concurrency
  bool keep_going = false;                      // rollout --keep-going: stop_on_failure false
};

// Either an invocation to run, or the exit code of what was already printed
// (--help and --version: 0; a usage error: 2, with the problem on `err`).
struct ParsedCommandLine {
  std::optional<Invocation> invocation;
  ExitCode exit = ExitCode::ok;
};

// `args` excludes the program name.
ParsedCommandLine parse_command_line(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
                                     std::ostream& err);

}  // namespace pivot::ctl
