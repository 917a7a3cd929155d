#include "pivot/ctl/invocation.hpp"

#include <fstream>
#include <ostream>

#include <CLI/CLI.hpp>

#include "pivot/ctl/format.hpp"

#ifndef PIVOT_VERSION
#define PIVOT_VERSION "0.0.0"
#endif

namespace pivot::ctl {

namespace {

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// The first line of the file, without surrounding blanks.
Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("token_file", "--token-file " + path + ": cannot be read");
  std::string line;
  std::getline(in, line);
  std::string token = trimmed(line);
  if (token.empty()) return make_error("token_file", "--token-file " + path + ": no token on its first line");
  return token;
}

// `maintenance` takes --until and --reason, or --end alone; a blank text is
// no reason, and --until must read as a time or a duration.
std::optional<std::string> maintenance_problem(const Invocation& inv) {
  if (inv.end) return std::nullopt;  // CLI11 refused --until and --reason beside it
  if (inv.until.empty() || trimmed(inv.reason).empty()) {
    return std::string("give --until T and --reason R to set a window, or --end to end it");
  }
  if (!parse_rfc3339_ms(inv.until) && !parse_duration_ms(inv.until)) {
    return "--until " + inv.until + ": neither an RFC 3339 time with its offset (2026-11-24T22:00:00Z) nor a " +
           "duration from now (90s, 30m, 2h, 1d, 1h30m)";
  }
  return std::nullopt;
}

// --wait DURATION (pivot-status, pivot): how long pivotd may wait for the
// cluster to become eligible.
void add_wait(CLI::App& command, Invocation& inv) {
  command.add_option_function<std::string>(
      "--wait",
      [&](const std::string& v) {
        const auto ms = parse_duration_ms(v);
        if (!ms || *ms < 1000) throw CLI::ValidationError("--wait", v + ": a duration of a second or more (90s, 30m, 2h)");
        inv.wait_ms = *ms;
      },
      "wait up to this long (90s, 30m, 2h) for the cluster to become eligible, showing what it waits for");
}

void add_cluster(CLI::App& command, Invocation& inv) {
  command.add_option("cluster", inv.cluster, "the cluster's name")->required();
}

}  // namespace

ParsedCommandLine parse_command_line(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
                                     std::ostream& err) {
  Invocation inv;
  std::optional<std::string> controller;
  std::optional<std::string> token_file;

  CLI::App app{"pivotctl: the operator's client of pivotd (pivot status, pivot, jobs)", "pivotctl"};
  // Set before the subcommands exist, which inherit it: an option the command
  // does not know falls through to the global ones, so `pivotctl status demo
  // --json` works as well as `pivotctl --json status demo`.
  app.fallthrough();
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("pivotctl ") + PIVOT_VERSION);
  app.add_option_function<std::string>(
      "--controller", [&](const std::string& v) { controller = v; },
      std::string("pivotd's URL (else $PIVOT_CONTROLLER, else ") + kDefaultController + ")");
  app.add_option_function<std::string>(
      "--token-file", [&](const std::string& v) { token_file = v; },
      "file holding the API token alone on one line (else $PIVOT_TOKEN)");
  app.add_flag("--json", inv.json, "print pivotd's JSON (pretty) instead of tables");

  auto* clusters = app.add_subcommand("clusters", "list the clusters: primary, health, lag, last job");
  auto* status = app.add_subcommand("status", "show a cluster's nodes: role, GTID, lag, threads, heartbeat");
  add_cluster(*status, inv);
  auto* pivot_status = app.add_subcommand("pivot-status", "may this cluster be pivoted? every check, the candidate");
  add_cluster(*pivot_status, inv);
  pivot_status->add_option_function<std::string>(
      "--candidate", [&](const std::string& v) { inv.candidate = v; }, "the node to promote (else pivotd chooses)");
  add_wait(*pivot_status, inv);
  auto* pivot = app.add_subcommand("pivot", "dry run, confirm, then pivot the cluster and follow the job");
  add_cluster(*pivot, inv);
  pivot->add_option_function<std::string>(
      "--candidate", [&](const std::string& v) { inv.candidate = v; }, "the node to promote (else pivotd chooses)");
  pivot->add_flag("--dry-run", inv.dry_run, "show the plan and stop");
  add_wait(*pivot, inv);
  pivot->add_flag("-y,--yes", inv.yes, "do not ask for confirmation");
  auto* failover = app.add_subcommand("failover", "promote a replica of a cluster whose primary is lost");
  add_cluster(*failover, inv);
  failover->add_option_function<std::string>(
      "--candidate", [&](const std::string& v) { inv.candidate = v; },
      "the node to promote: it must be the one pivotd's rules choose (else pivotd chooses)");
  failover->add_flag("-y,--yes", inv.yes, "do not ask for confirmation");
  auto* acknowledge = app.add_subcommand(
      "acknowledge", "say a failover is dealt with: ends its cooldown; --rebuilt clears nodes' needs_rebuild marks");
  add_cluster(*acknowledge, inv);
  acknowledge->add_option("--comment", inv.comment, "why the failover is dealt with (recorded with your token's name)")
      ->required();
  acknowledge->add_option("--rebuilt", inv.rebuilt,
                          "a node marked needs_rebuild that was rebuilt (or checked): its mark is cleared; repeatable")
      ->allow_extra_args(false);
  auto* maintenance = app.add_subcommand(
      "maintenance", "put a cluster in maintenance (no automatic failover, no pivot) until a time, or --end it");
  add_cluster(*maintenance, inv);
  auto* until = maintenance->add_option(
      "--until", inv.until,
      "the window's end: an RFC 3339 time with its offset (2026-11-24T22:00:00Z, 2026-11-24T23:00:00+01:00) or a "
      "duration from now (90s, 30m, 2h, 1d, 1h30m)");
  auto* reason = maintenance->add_option("--reason", inv.reason, "why (shown in the cluster's health)");
  maintenance->add_flag("--end", inv.end, "end the maintenance window now")->excludes(until)->excludes(reason);
  auto* reopen = app.add_subcommand(
      "reopen", "make writable a primary that restarted read-only (no failover, no other writable node); follows the job");
  add_cluster(*reopen, inv);
  reopen->add_flag("-y,--yes", inv.yes, "do not ask for confirmation");
  auto* rollout = app.add_subcommand(
      "rollout", "pivot every cluster a label selector picks, in order: dry run, confirm, then a live table");
  rollout->add_option("--selector", inv.selector, "labels the clusters share: environment=stage,service=sms (key!=value too)")
      ->required();
  rollout->add_option_function<std::string>(
      "--order-by", [&](const std::string& v) { inv.order_by = v; },
      "a label whose values order the clusters naturally (shard 2 before 10), or LABEL=v1,v2,... (each group ends before the next)");
  rollout->add_option("--concurrency", inv.concurrency, "pivots at once (default 1)")->check(CLI::Range(1u, 64u));
  rollout->add_flag("--keep-going", inv.keep_going, "go on after a pivot failed or was not eligible (stop_on_failure false)");
  rollout->add_flag("--dry-run", inv.dry_run, "show every selected cluster's pivot status and stop");
  rollout->add_flag("-y,--yes", inv.yes, "do not ask for confirmation");
  auto* jobs = app.add_subcommand("jobs", "list jobs, newest first");
  jobs->add_option("--cluster", inv.cluster, "only this cluster's jobs");
  jobs->add_option("--limit", inv.limit, "at most N jobs (default 20)")->check(CLI::Range(1u, 1000u));
  auto* job = app.add_subcommand("job", "show a job and its steps");
  job->add_option("id", inv.job_id, "the job's id")->required();
  job->add_flag("-f,--follow", inv.follow, "follow the job until it ends (the event stream; polling if it is unavailable), printing steps as they finish");
  auto* cancel = app.add_subcommand("cancel", "stop a pivot before its fence (nothing changed); refused past it");
  cancel->add_option("id", inv.job_id, "the job's id")->required();
  auto* agents = app.add_subcommand("agents", "connected agents, last seen, rejected keys and messages");
  auto* tui = app.add_subcommand("tui", "full-screen terminal UI: fleet, clusters, pivot status, pivots, jobs, agents");
  auto* import_mha = app.add_subcommand("import-mha", "an MHA application config to a cluster spec on stdout (no pivotd needed)");
  import_mha->add_option("app_cnf", inv.mha_config, "the MHA application config (app1.cnf)")->required();
  import_mha->add_option_function<std::string>(
      "--name", [&](const std::string& v) { inv.name = v; }, "the cluster's name (else the file's base name)");
  import_mha->add_option_function<std::string>(
      "--primary", [&](const std::string& v) { inv.primary = v; }, "HOST:PORT of the current master (else the first server, with a warning)");
  // One value per --az, so that `--az h:1=a app.cnf` leaves app.cnf positional.
  import_mha->add_option("--az", inv.azs, "HOST:PORT=AZ, a server's availability zone; repeat it")->allow_extra_args(false);

  // CLI11 wants argv with the program name first.
  std::vector<std::string> storage{"pivotctl"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes are 100-127; ours are 0 (help, version) and 2 (usage).
    const int code = app.exit(e, out, err);
    return {std::nullopt, code == 0 ? ExitCode::ok : ExitCode::usage};
  }

  const std::pair<CLI::App*, Command> commands[] = {
      {clusters, Command::clusters}, {status, Command::status}, {pivot_status, Command::pivot_status},
      {pivot, Command::pivot},       {failover, Command::failover}, {jobs, Command::jobs},
      {job, Command::job},           {cancel, Command::cancel},     {agents, Command::agents},
      {tui, Command::tui},           {import_mha, Command::import_mha}};
  for (const auto& [sub, command] : commands) {
    if (sub->parsed()) inv.command = command;
  }
  const std::pair<CLI::App*, Command> policy_commands[] = {
      {acknowledge, Command::acknowledge}, {maintenance, Command::maintenance}, {reopen, Command::reopen},
      {rollout, Command::rollout}};
  for (const auto& [sub, command] : policy_commands) {
    if (sub->parsed()) inv.command = command;
  }
  if (inv.command == Command::maintenance) {
    if (auto problem = maintenance_problem(inv)) {
      err << "pivotctl maintenance: " << *problem << "\nRun with --help for more information.\n";
      return {std::nullopt, ExitCode::usage};
    }
  }

  if (controller) {
    inv.controller = *controller;
  } else if (auto from_env = env("PIVOT_CONTROLLER"); from_env && !from_env->empty()) {
    inv.controller = *from_env;
  }
  if (token_file) {
    auto token = read_token_file(*token_file);
    if (!token) {
      err << "pivotctl: " << token.error().message << "\n";
      return {std::nullopt, ExitCode::usage};
    }
    inv.token = *token;
  } else if (auto from_env = env("PIVOT_TOKEN")) {
    inv.token = trimmed(*from_env);
  }
  return {std::move(inv), ExitCode::ok};
}

}  // namespace pivot::ctl
