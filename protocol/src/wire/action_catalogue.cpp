#include <algorithm>
#include <string>

#include "pivot/protocol/action_catalogue.hpp"
#include "pivot/protocol/errors.hpp"

namespace pivot::protocol {

namespace {

constexpr std::int64_t kMaxWaitMs = 24LL * 3600 * 1000;

const std::vector<ActionSpec>& catalogue() {
  static const std::vector<ActionSpec> actions{
      {.name = "set_read_only",
       .doc = "Set read_only (and super_read_only on MySQL) on or off.",
       .args = {{.name = "read_only", .type = ArgType::boolean,
                 .doc = "true: read_only=ON (MySQL: super_read_only=ON too); false: both OFF"},
                {.name = "semi_sync_timeout_ms", .type = ArgType::integer, .required = false, .min = 1,
                 .max = kMaxWaitMs,
                 .doc = "only with read_only false (a promotion, policy.durability semi_sync): before "
                        "read_only goes off, the semi-sync source side on with wait point AFTER_SYNC and "
                        "this timeout, turned off and on again when it was on but inactive, so that no "
                        "write is acknowledged before a replica has it"},
                {.name = "no_source", .type = ArgType::boolean, .required = false,
                 .doc = "only with read_only false (issue 22): the node must have no replication source "
                        "configured, else ok=false, error still_replica, nothing changed; so that pivotd can "
                        "queue a promotion's writable switch behind its reset_replication without waiting "
                        "for the reset's answer: behind a reset that did not run, it refuses"}},
       .detail = {{"read_only", "bool: read_only after the action"},
                  {"super_read_only", "bool, nil on MariaDB: super_read_only after the action"},
                  {"changed", "bool: whether the action changed anything"},
                  {"semi_sync_source_active", "bool, with semi_sync_timeout_ms: the source side waits for "
                                              "acknowledgements (Rpl_semi_sync_master_status) after the action"}}},
      {.name = "kill_connections",
       .doc = "Kill every client session except replication threads and the agent's own: the "
              "part of the fence that stops accounts writing through read_only.",
       .args = {},
       .detail = {{"killed", "integer: sessions killed"},
                  {"remaining", "integer: client sessions left afterwards (expected 0)"}}},
      {.name = "stop_replication",
       .doc = "STOP REPLICA (both threads).",
       .args = {},
       .detail = {{"was_running", "bool: whether a thread was running before"}}},
      {.name = "stop_io_thread",
       .doc = "STOP REPLICA IO_THREAD: nothing more is received from the source, and the SQL "
              "thread goes on applying the relay log (a failover's first step on every survivor).",
       .args = {},
       .detail = {{"was_running", "bool: whether the IO thread was running or connecting before"},
                  {"received", "string: what the node received from its source, read after the stop: "
                               "MariaDB Gtid_IO_Pos, MySQL Retrieved_Gtid_Set (\"\" when none or no "
                               "source): the position wait_for_position takes to apply the relay log"},
                  {"executed", "string: MariaDB gtid_slave_pos, MySQL gtid_executed, read after the stop"},
                  {"sql_running", "bool: the SQL thread runs after the stop (false: the relay log is "
                                  "not being applied)"}}},
      {.name = "start_replication",
       .doc = "START REPLICA (both threads).",
       .args = {},
       .detail = {{"io_running", "string yes|no|connecting: IO thread right after the start"},
                  {"sql_running", "bool: SQL thread right after the start"}}},
      {.name = "reset_replication",
       .doc = "STOP REPLICA then RESET REPLICA ALL: the node forgets its source (promotion).",
       .args = {{.name = "applied", .type = ArgType::string, .required = false,
                 .doc = "a GTID position (issue 22): the reset runs only once the node applied it, "
                        "else position_timeout with nothing changed; so that pivotd can queue it "
                        "behind the catch-up's wait_for_position"}},
       .detail = {{"had_source", "bool: whether a source was configured before"},
                  {"previous_source_host", "string, nil when none: the source forgotten"},
                  {"previous_source_port", "integer, nil when none"}}},
      {.name = "change_source",
       .doc = "Point replication at a new source with GTID positioning. Credentials come "
              "from the agent's replication config; delay, connect retry, heartbeat and SSL "
              "of the previous source are kept (the config's for a node without one), and "
              "only the threads that ran before are started.",
       .args = {{.name = "host", .type = ArgType::string, .doc = "the new source's host"},
                {.name = "port", .type = ArgType::integer, .min = 1, .max = 65535,
                 .doc = "the new source's port"},
                {.name = "use_gtid", .type = ArgType::string,
                 .choices = {"slave_pos", "current_pos", "auto_position"},
                 .doc = "MariaDB MASTER_USE_GTID=slave_pos|current_pos; MySQL auto_position "
                        "(SOURCE_AUTO_POSITION=1)"},
                {.name = "seed_gtid_slave_pos", .type = ArgType::boolean, .required = false,
                 .doc = "default false; MariaDB: SET GLOBAL gtid_slave_pos=@@gtid_binlog_pos "
                        "first (demoting an old primary)"},
                {.name = "start", .type = ArgType::boolean, .required = false,
                 .doc = "default true: START REPLICA afterwards, for the threads that ran "
                        "before (both when there was no source)"},
                {.name = "start_io", .type = ArgType::boolean, .required = false,
                 .doc = "default false: with start, the IO thread too although it is stopped "
                        "now (a failover stopped it itself with stop_io_thread)"},
                {.name = "semi_sync_source_off", .type = ArgType::boolean, .required = false,
                 .doc = "default false; policy.durability semi_sync, a demoted or rejoining old primary: "
                        "the semi-sync source side off before replication starts (its SQL thread would "
                        "otherwise wait for acknowledgements of what it applies)"}},
       .detail = {{"previous_source_host", "string, nil when none"},
                  {"previous_source_port", "integer, nil when none"},
                  {"gtid_slave_pos", "string, nil on MySQL: gtid_slave_pos after the change"},
                  {"started", "bool: whether replication was started"},
                  {"io_started", "bool: whether the IO thread was started"},
                  {"sql_started", "bool: whether the SQL thread was started"},
                  {"sql_delay", "integer: the delay kept, s (0 when none)"},
                  {"semi_sync_source_off", "bool, with semi_sync_source_off: the source side was on and is "
                                           "now off"}}},
      {.name = "wait_for_position",
       .doc = "Wait until this node has applied a GTID position (MASTER_GTID_WAIT / "
              "WAIT_FOR_EXECUTED_GTID_SET). Not reached in time: ok=false, error "
              "position_timeout; replication stopped meanwhile: replication_stopped.",
       .args = {{.name = "position", .type = ArgType::string,
                 .doc = "MariaDB GTID position (0-1-100,1-2-7) or MySQL GTID set"},
                {.name = "timeout_ms", .type = ArgType::integer, .min = 0, .max = kMaxWaitMs,
                 .doc = "ms to wait at most (also bounded by the command's timeout_ms)"}},
       .detail = {{"reached", "bool"},
                  {"waited_ms", "integer: ms spent waiting"},
                  {"position", "string: gtid_current_pos (MariaDB) or gtid_executed (MySQL) "
                               "when the wait ended"},
                  {"replication", "string, nil on a node without a source: its threads and "
                                  "last errors when an unfinished wait looked (IO thread no, "
                                  "SQL thread yes; IO error 1236: ...)"}}},
      {.name = "report_position",
       .doc = "A fresh read of the node's GTID positions, outside the probe cycle.",
       .args = {},
       .detail = {{"gtid_binlog_pos", "string, nil on MySQL"},
                  {"gtid_current_pos", "string, nil on MySQL"},
                  {"gtid_slave_pos", "string, nil on MySQL"},
                  {"gtid_executed", "string, nil on MariaDB"},
                  {"read_only", "bool"},
                  {"fence", "string none|held|lost|expired, read after the positions: MariaDB the "
                            "agent's fence lock (fence_writes), MySQL held when super_read_only is ON"}}},
      {.name = "ping",
       .doc = "Changes nothing: answers once the agent's action session to mysqld answers a read "
              "(opened first when it is not open, as for any command). pivotd sends it to the old primary "
              "and the candidate in a pivot's check step, before anything changes: it finds a command path "
              "or an action session that does not work while nothing is fenced yet, and a new controller's "
              "epoch is stored on both agents there, not inside the write-blocked window.",
       .args = {},
       .detail = {{"read_only", "bool: the node's read_only, the ping's read"}}},
      {.name = "fence_writes",
       .doc = "Hold every commit on this node, privileged accounts' included, until release_fence: "
              "MariaDB BACKUP STAGE START + BLOCK_COMMIT on a session the agent keeps open; MySQL "
              "checks that super_read_only (the fence there) is ON.",
       .args = {{.name = "lease_ms", .type = ArgType::integer, .min = 1000, .max = kMaxWaitMs,
                 .doc = "the agent releases the lock by itself this long after taking it (a "
                        "controller that died must not leave the node unable to commit)"},
                {.name = "read_only", .type = ArgType::boolean, .required = false,
                 .doc = "true: set_read_only (read_only true) first, in the same command: the "
                        "fence in one round trip (absent or false: the lock alone)"}},
       .detail = {{"lock", "string backup_stage_block_commit|super_read_only"},
                  {"changed", "bool, with read_only true: set_read_only's (read_only was off)"},
                  {"super_read_only", "bool, with read_only true: set_read_only's (nil on MariaDB)"},
                  {"held", "bool: whether the fence holds now"},
                  {"already", "bool: it was held before this command"},
                  {"waited_ms", "integer: ms the lock waited for running commits"},
                  {"gtid_binlog_pos", "string, nil on MySQL; with gtid_current_pos, gtid_slave_pos, "
                                      "gtid_executed and read_only as report_position gives them, read "
                                      "with the fence held: the node's final position"}}},
      {.name = "release_fence",
       .doc = "End the fence_writes lock. Nothing held: ok. The lock lost (its session ended) or "
              "expired (its lease passed) before the release: ok=false, error fence_lost. With "
              "kill_clients, the lock ends only right after a processlist with no client session.",
       .args = {{.name = "kill_clients", .type = ArgType::boolean, .required = false,
                 .doc = "default false: before the END, kill every client session and list again "
                        "until a list shows none, then END at once (a session queued on the lock "
                        "would commit the moment it goes); clients that keep reconnecting for 1 s "
                        "(pinned to this node's address) do not hold the lock forever: it ends "
                        "then, and remaining says how many were there"}},
       .detail = {{"was", "string none|held|lost|expired: the fence just before the release"},
                  {"swept", "integer, with kill_clients: client sessions killed before the END"},
                  {"sweeps", "integer, with kill_clients: processlists read before the END"},
                  {"remaining", "integer, with kill_clients: client sessions in the last list (0: "
                                "the END followed a list with none)"}}},
      {.name = "set_semi_sync",
       .doc = "Keep semi-synchronous replication as policy.durability semi_sync asks: the source side "
              "(with wait point AFTER_SYNC and a timeout) on the primary, the replica side on the "
              "nodes that acknowledge. A changed replica side takes effect when the IO thread "
              "reconnects: a running IO thread is restarted.",
       .args = {{.name = "source", .type = ArgType::boolean, .required = false,
                 .doc = "the source side on or off (absent: left as it is); on also sets the wait point "
                        "AFTER_SYNC. An inactive source side is left to come back by itself once a "
                        "replica caught up (turning it off and on again would hold every commit a "
                        "whole timeout again)"},
                {.name = "replica", .type = ArgType::boolean, .required = false,
                 .doc = "the replica side on or off (absent: left as it is); on also sets MariaDB's "
                        "rpl_semi_sync_slave_kill_conn_timeout to 1 s when it is anything else (default 5, 0 "
                        "no limit), so that a failover's STOP SLAVE IO_THREAD does not wait on a hung or "
                        "silent source"},
                {.name = "timeout_ms", .type = ArgType::integer, .required = false, .min = 1,
                 .max = kMaxWaitMs,
                 .doc = "with source true: rpl_semi_sync_master_timeout, ms a commit waits for an "
                        "acknowledgement before the source side goes asynchronous"}},
       .detail = {{"source", "bool: the source side enabled after the action"},
                  {"replica", "bool: the replica side enabled after the action"},
                  {"source_active", "bool, nil when unknown: Rpl_semi_sync_master_status after the action"},
                  {"wait_point", "string, nil when unknown: the wait point after the action"},
                  {"timeout_ms", "integer, nil when unknown: the timeout after the action, ms"},
                  {"kill_conn_timeout_s",
                   "integer, nil when unknown (MySQL): rpl_semi_sync_slave_kill_conn_timeout after the action, s"},
                  {"changed", "bool: whether the action changed anything"},
                  {"io_restarted", "bool: the IO thread was restarted for a changed replica side"}}},
  };
  return actions;
}

bool has_type(const Value& value, ArgType type) {
  switch (type) {
    case ArgType::boolean: return std::holds_alternative<bool>(value);
    case ArgType::integer: return std::holds_alternative<std::int64_t>(value);
    case ArgType::string: return std::holds_alternative<std::string>(value);
  }
  return false;
}

const char* type_name(ArgType type) {
  switch (type) {
    case ArgType::boolean: return "bool";
    case ArgType::integer: return "integer";
    case ArgType::string: return "string";
  }
  return "unknown";
}

Result<void> check_value(std::string_view action, const ArgSpec& spec, const Value& value) {
  const std::string where = std::string(action) + ": arg " + std::string(spec.name);
  if (const auto* number = std::get_if<std::int64_t>(&value)) {
    if (*number < spec.min || *number > spec.max) {
      return make_error(errc::bad_arg_value, where + " is " + std::to_string(*number) +
                                                 ", allowed " + std::to_string(spec.min) +
                                                 ".." + std::to_string(spec.max));
    }
  } else if (const auto* text = std::get_if<std::string>(&value)) {
    if (spec.choices.empty() && text->empty()) {
      return make_error(errc::bad_arg_value, where + " must not be empty");
    }
    if (!spec.choices.empty() &&
        std::find(spec.choices.begin(), spec.choices.end(), *text) == spec.choices.end()) {
      std::string allowed;
      for (auto choice : spec.choices) allowed += (allowed.empty() ? "" : ", ") + std::string(choice);
      return make_error(errc::bad_arg_value,
                        where + " is '" + text->substr(0, 64) + "', allowed: " + allowed);
    }
  }
  return ok();
}

}  // namespace

std::span<const ActionSpec> action_catalogue() { return catalogue(); }

const ActionSpec* find_action(std::string_view name) {
  for (const auto& action : catalogue()) {
    if (action.name == name) return &action;
  }
  return nullptr;
}

Result<void> validate_args(std::string_view action, const ValueMap& args) {
  const ActionSpec* spec = find_action(action);
  if (spec == nullptr) {
    return make_error(errc::unknown_action,
                      "action '" + std::string(action.substr(0, 64)) + "' is not in the catalogue");
  }
  for (const auto& entry : args) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture one
    auto known = std::find_if(spec->args.begin(), spec->args.end(),
                              [&name](const ArgSpec& arg) { return arg.name == name; });
    if (known == spec->args.end()) {
      return make_error(errc::unknown_arg, std::string(action) + ": unknown arg '" +
                                               name.substr(0, 64) + "'");
    }
  }
  for (const auto& arg : spec->args) {
    auto found = args.find(arg.name);
    if (found == args.end()) {
      if (!arg.required) continue;
      return make_error(errc::missing_arg,
                        std::string(action) + ": arg " + std::string(arg.name) + " is missing");
    }
    if (!has_type(found->second, arg.type)) {
      return make_error(errc::wrong_arg_type, std::string(action) + ": arg " +
                                                  std::string(arg.name) + " must be a " +
                                                  type_name(arg.type) + ", got " +
                                                  value_type_name(found->second));
    }
    if (auto r = check_value(action, arg, found->second); !r) return r;
  }
  return ok();
}

}  // namespace pivot::protocol
