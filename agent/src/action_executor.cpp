#include "pivot/agent/action_executor.hpp"

#include <algorithm>
#include <thread>

#include "pivot/agent/action_detail.hpp"
#include "pivot/agent/client_sessions.hpp"
#include "pivot/agent/mysql_connector.hpp"
#include "pivot/agent/probe_sql.hpp"
#include "pivot/protocol/action_catalogue.hpp"
#include "pivot/protocol/errors.hpp"

namespace pivot::agent {
namespace {

using Clock = ActionExecutor::Clock;
using protocol::ValueMap;
using std::chrono::milliseconds;

// Left at the end of a wait for reading the position it ended at.
constexpr milliseconds kReadAfterWait{300};
// KILL only flags a session; it ends at its next check (a rollback can take
// longer): how long kill_connections looks for it to be gone.
constexpr milliseconds kKillSettle{1000};
// Polled often: this wait is inside the pivot's write-blocked window, and a
// killed idle session is usually gone within a millisecond or two (at 20 ms
// the poll alone cost ~20 ms of the window in bench/pivot).
constexpr milliseconds kKillPoll{2};
// wait_for_position looks at the replica's threads this often while it waits.
constexpr milliseconds kWaitSlice{500};

long long ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<milliseconds>(to - from).count();
}

// The session wrapper's error codes as result slugs.
std::string result_slug(const std::string& code) {
  if (code == mysql::kErrConnection) return action_errc::mysql_unreachable;
  if (code == mysql::kErrAccessDenied) return action_errc::access_denied;
  return action_errc::mysql_error;
}

bool bool_arg(const ValueMap& args, const char* name, bool fallback) {
  auto it = args.find(name);
  const bool* value = it == args.end() ? nullptr : std::get_if<bool>(&it->second);
  return value ? *value : fallback;
}

std::int64_t int_arg(const ValueMap& args, const char* name) {
  auto it = args.find(name);
  const std::int64_t* value = it == args.end() ? nullptr : std::get_if<std::int64_t>(&it->second);
  return value ? *value : 0;
}

// The first column of the first row, as mysql::Session::query_value gives it.
Result<std::optional<std::string>> first_value(Result<mysql::Rows> rows, const std::string& sql) {
  if (!rows) return rows.error();
  if (rows->rows.empty() || rows->rows.front().empty()) {
    return make_error(mysql::kErrSql, "no value returned by: " + sql);
  }
  return rows->rows.front().front();
}

std::string text_arg(const ValueMap& args, const char* name) {
  auto it = args.find(name);
  const std::string* value = it == args.end() ? nullptr : std::get_if<std::string>(&it->second);
  return value ? *value : "";
}

}  // namespace

class ActionExecutor::Run {
 public:
  Run(ActionExecutor& executor, Clock::time_point deadline) : x_(executor), deadline_(deadline) {}

  ValueMap detail;

  // The deadline, checked before every step: a step that starts in time is
  // bounded by the session's read timeout, not cancelled half-way.
  Result<void> before(const std::string& step) {
    if (Clock::now() < deadline_) return ok();
    std::string message = "the command's deadline passed before " + step;
    if (done_.empty()) message += "; nothing was run";
    for (size_t i = 0; i < done_.size(); ++i) message += (i ? ", " : "; done: ") + done_[i];
    return make_error(action_errc::deadline_exceeded, message);
  }

  milliseconds remaining() const {
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline_ - Clock::now()));
  }
  Clock::time_point deadline() const { return deadline_; }
  const ActionSql& sql() const { return *sql_; }

  // Reuses the executor's session, else opens one (learning the flavor from
  // @@version). A reused session is not checked here (issue 22: a
  // `SELECT @@version` per command was four round trips inside a pivot's
  // write-blocked window): the command's first statement checks it. A read
  // that finds it gone (a restart or wait_timeout since the last command)
  // reconnects and runs once more; a write is never sent on a session not
  // yet checked (check_before_write), since a write whose answer was lost
  // may have run.
  Result<void> connect() {
    if (auto late = before("connecting to mysqld"); !late) return late;
    if (x_.session_ && x_.session_flavor_) {
      sql_.emplace(*x_.session_flavor_);
      unchecked_ = true;
      return ok();
    }
    return reconnect();
  }

  // Reads: retried once on a new session when they found a reused one gone.
  Result<mysql::Rows> query(const std::string& step, const std::string& text) {
    return step_on(step, Retry::read, [&](SqlSession& s) { return s.query(text); });
  }
  Result<void> execute(const std::string& step, const std::string& text) {
    return step_on(step, Retry::never, [&](SqlSession& s) { return s.execute(text); });
  }
  Result<std::optional<std::string>> value(const std::string& step, const std::string& text) {
    return step_on(step, Retry::read, [&](SqlSession& s) { return first_value(s.query(text), text); });
  }
  // The default connection's replica status; nullopt when no source is configured.
  Result<std::optional<protocol::ReplicaStatus>> replica(const std::string& step) {
    auto status = query(step, sql().replica_status());
    if (!status) return status.error();
    return replica_of(sql().flavor(), *status);
  }

  // A failure as the result reports it: slug of the result, never the
  // replication password, and a broken session dropped for the next command.
  Error fail(const Error& error) {
    if (error.code == mysql::kErrConnection) drop_session();
    return make_error(result_slug(error.code), redact_secret(error.message, x_.replication_password_));
  }

 private:
  enum class Retry { read, never };

  template <typename F>
  auto step_on(const std::string& step, Retry retry, F&& f) -> decltype(f(std::declval<SqlSession&>())) {
    if (auto late = before(step); !late) return late.error();
    if (unchecked_ && retry == Retry::never) {
      if (auto checked = check_before_write(); !checked) return checked.error();
    }
    if (!x_.session_) return make_error(action_errc::mysql_unreachable, "no session for " + step);
    auto result = f(*x_.session_);
    if (!result && unchecked_ && result.error().code == mysql::kErrConnection) {
      drop_session();  // gone since the last command: reconnect once, and read again
      if (auto again = reconnect(); !again) return again.error();
      result = f(*x_.session_);
    }
    unchecked_ = false;
    if (!result) return fail(result.error());
    done_.push_back(step);
    return result;
  }

  // The reused session checked before a write, as every command did before
  // issue 22: one `SELECT @@version`, and a reconnect when it is gone.
  Result<void> check_before_write() {
    unchecked_ = false;
    auto version = first_value(x_.session_->query(kVersionSql), kVersionSql);
    if (version) return ok();
    drop_session();
    if (version.error().code != mysql::kErrConnection) return fail(version.error());
    return reconnect();
  }

  Result<void> reconnect() {
    auto opened = x_.connector_->open();
    if (!opened) return fail(opened.error());
    x_.session_ = std::move(opened).value();
    if (auto mode = x_.session_->execute(kSessionSqlMode); !mode) return fail(mode.error());
    auto version = first_value(x_.session_->query(kVersionSql), kVersionSql);
    if (!version) return fail(version.error());
    x_.session_flavor_ = flavor_of_version(version->value_or(""));
    sql_.emplace(*x_.session_flavor_);
    unchecked_ = false;
    return ok();
  }

  void drop_session() {
    x_.session_.reset();
    x_.session_flavor_.reset();
  }

  ActionExecutor& x_;
  Clock::time_point deadline_;
  std::optional<ActionSql> sql_;
  bool unchecked_ = false;         // a reused session no statement of this command has answered on yet
  std::vector<std::string> done_;  // steps that ran, for a deadline message
};

ActionExecutor::ActionExecutor(mysql::SessionOptions mysql, ReplicationSettings replication,
                               std::string replication_password)
    : ActionExecutor(std::make_unique<MysqlConnector>(std::move(mysql)), std::move(replication),
                     std::move(replication_password)) {}

ActionExecutor::ActionExecutor(std::unique_ptr<SqlConnector> connector, ReplicationSettings replication,
                               std::string replication_password)
    : connector_(std::move(connector)),
      replication_(std::move(replication)),
      replication_password_(std::move(replication_password)),
      fence_(std::make_unique<WriteFence>(*connector_)) {}

ActionExecutor::~ActionExecutor() = default;
ActionExecutor::ActionExecutor(ActionExecutor&&) noexcept = default;
ActionExecutor& ActionExecutor::operator=(ActionExecutor&&) noexcept = default;

void ActionExecutor::set_replication(ReplicationSettings replication, std::string replication_password) {
  replication_ = std::move(replication);
  replication_password_ = std::move(replication_password);
}

protocol::CommandResult ActionExecutor::run(const protocol::Command& command, Clock::time_point deadline) {
  const auto started = Clock::now();
  protocol::CommandResult result;
  result.id = command.id;
  Run run(*this, deadline);
  Result<void> outcome = ok();
  try {
    // Validated by the caller; checked again because a command that reaches
    // SQL with an arg of the wrong type would be worse than a refusal.
    outcome = protocol::validate_args(command.action, command.args);
    if (outcome) outcome = run.before("the action started");
    if (outcome) outcome = dispatch(run, command);
  } catch (const std::exception& e) {
    outcome = make_error(action_errc::internal_error, command.action + ": " + e.what());
  }
  result.ok = outcome.ok();
  result.detail = std::move(run.detail);
  if (!outcome) {
    result.error = outcome.error().code;
    result.detail["message"] = outcome.error().message;
  }
  result.duration_ms = static_cast<std::uint64_t>(ms_between(started, Clock::now()));
  return result;
}

Result<void> ActionExecutor::dispatch(Run& run, const protocol::Command& command) {
  if (auto connected = run.connect(); !connected) return connected;
  const std::string& action = command.action;
  if (action == "set_read_only") {
    const bool read_only = bool_arg(command.args, "read_only", true);
    if (bool_arg(command.args, "no_source", false)) {
      if (auto detached = require_no_source(run, read_only); !detached) return detached;
    }
    if (command.args.count("semi_sync_timeout_ms") == 0) return set_read_only(run, read_only);
    return set_writable_semi_sync(run, read_only, int_arg(command.args, "semi_sync_timeout_ms"));
  }
  if (action == "set_semi_sync") return set_semi_sync(run, command.args);
  if (action == "kill_connections") return kill_connections(run);
  if (action == "stop_replication") return stop_replication(run);
  if (action == "stop_io_thread") return stop_io_thread(run);
  if (action == "start_replication") return start_replication(run);
  if (action == "reset_replication") return reset_replication(run, command.args);
  if (action == "change_source") return change_source(run, command.args);
  if (action == "wait_for_position") return wait_for_position(run, command.args);
  if (action == "report_position") return report_position(run);
  if (action == "ping") return ping(run);
  if (action == "fence_writes") return fence_writes(run, command.args);
  if (action == "release_fence") return release_fence(run, command.args);
  return make_error(protocol::errc::unknown_action, "action '" + action + "' has no implementation");
}

Result<void> ActionExecutor::set_read_only(Run& run, bool read_only) {
  const ActionSql& sql = run.sql();
  auto read = [&]() -> Result<std::pair<std::optional<bool>, std::optional<bool>>> {
    auto ro = run.value("reading read_only", sql.read_only());
    if (!ro) return ro.error();
    if (sql.mariadb()) return std::pair{flag_of(*ro), std::optional<bool>()};
    auto sro = run.value("reading super_read_only", sql.super_read_only());
    if (!sro) return sro.error();
    return std::pair{flag_of(*ro), flag_of(*sro)};
  };
  auto before = read();
  if (!before) return before.error();
  const bool changed = before->first != read_only || (!sql.mariadb() && before->second != read_only);
  run.detail = read_only_detail(before->first, before->second, false);
  if (!changed) return ok();  // SET GLOBAL read_only=1 would wait for the global read lock for nothing

  if (read_only) {
    // Only ON waits, for the global read lock; OFF takes no lock (and is
    // promote's switch, inside the write-blocked window: no statement more).
    const int lock_wait_s =
        static_cast<int>(std::min<long long>(run.remaining().count() / 1000, connector_->read_timeout_s()));
    if (auto bounded = run.execute("bounding the lock wait", sql.lock_wait_timeout(lock_wait_s)); !bounded) {
      return bounded;
    }
  }
  for (const std::string& statement : sql.set_read_only(read_only)) {
    if (auto set = run.execute(statement, statement); !set) return set;
  }
  // Not read again: each SET that succeeded left its variable as asked, and
  // a read would add a round trip to both ends of the window (the fence reads
  // read_only again with the position, under its lock).
  run.detail = read_only_detail(read_only, sql.mariadb() ? std::nullopt : std::optional(read_only), true);
  return ok();
}

Result<ActionExecutor::SemiSyncOutcome> ActionExecutor::apply_semi_sync(Run& run, const SemiSyncWanted& wanted) {
  const auto flavor = run.sql().flavor();
  auto read = [&]() -> Result<protocol::SemiSync> {
    auto variables = run.query("reading the semi-sync settings", semi_sync_variables_sql(flavor));
    if (!variables) return variables.error();
    auto status = run.query("reading the semi-sync status", semi_sync_status_sql(flavor));
    if (!status) return status.error();
    return semi_sync_of(*variables, *status);
  };
  auto before = read();
  if (!before) return before.error();
  const SemiSyncPlan plan = plan_semi_sync(flavor, *before, wanted);
  for (const std::string& statement : plan.statements) {
    if (auto set = run.execute(statement, statement); !set) return set.error();
  }
  bool io_restarted = false;
  if (plan.replica_changed) {
    // The replica side is read when the IO thread connects: restart a
    // running one (a stopped one reads it when it starts).
    auto replica = run.replica("reading replica status");
    if (!replica) return replica.error();
    if (*replica && (*replica)->io_running != protocol::IoThread::no) {
      if (auto stop = run.execute("stopping the IO thread", run.sql().stop_io_thread()); !stop) return stop.error();
      if (auto start = run.execute("starting the IO thread", run.sql().start_replica_threads(true, false)); !start) {
        return start.error();
      }
      io_restarted = true;
    }
  }
  auto after = read();
  if (!after) return after.error();
  return SemiSyncOutcome{*after, !plan.statements.empty(), io_restarted};
}

Result<void> ActionExecutor::set_semi_sync(Run& run, const ValueMap& args) {
  SemiSyncWanted wanted;
  if (args.count("source")) wanted.source = bool_arg(args, "source", false);
  if (args.count("replica")) wanted.replica = bool_arg(args, "replica", false);
  if (args.count("timeout_ms")) wanted.timeout_ms = int_arg(args, "timeout_ms");
  auto outcome = apply_semi_sync(run, wanted);
  if (!outcome) return outcome.error();
  run.detail = semi_sync_detail(outcome->after, outcome->changed, outcome->io_restarted);
  return ok();
}

// set_read_only's no_source (issue 22): a writable switch queued behind a
// promotion's reset_replication runs only where the reset took the source
// away; behind one that refused or failed, it changes nothing.
Result<void> ActionExecutor::require_no_source(Run& run, bool read_only) {
  if (read_only) {
    return make_error(protocol::errc::bad_arg_value, "set_read_only: arg no_source goes with read_only false only");
  }
  auto status = run.query("reading replica status", run.sql().replica_status());
  if (!status) return status.error();
  const Row* source = default_connection(records_of(*status));
  if (source == nullptr) return ok();
  run.detail = previous_source_detail(replica_of(run.sql().flavor(), *status));
  return make_error(action_errc::still_replica,
                    "the node still has a replication source (its reset_replication did not run or failed): "
                    "read_only left on");
}

// A promotion under policy.durability semi_sync: the source side on, fresh,
// in the same command and before read_only goes off, so that the first
// write the node accepts already waits for a replica.
Result<void> ActionExecutor::set_writable_semi_sync(Run& run, bool read_only, std::int64_t timeout_ms) {
  if (read_only) {
    return make_error(protocol::errc::bad_arg_value,
                      "set_read_only: arg semi_sync_timeout_ms goes with read_only false (a promotion) only");
  }
  auto outcome = apply_semi_sync(run, {.source = true, .replica = std::nullopt, .timeout_ms = timeout_ms, .fresh = true});
  if (!outcome) return outcome.error();
  if (auto set = set_read_only(run, false); !set) return set;
  run.detail["semi_sync_source_active"] = value_of(outcome->after.source_active);
  return ok();
}

Result<ActionExecutor::KillRound> ActionExecutor::kill_round(Run& run, long long own_id,
                                                              Clock::time_point settle_until) {
  const ActionSql& sql = run.sql();
  auto list = [&]() -> Result<std::vector<ClientSession>> {
    auto rows = run.query("listing sessions", sql.processlist());
    if (!rows) return rows.error();
    return client_sessions(*rows, own_id, connector_->user());
  };
  auto targets = list();
  if (!targets) return targets.error();

  KillRound round;
  round.listed = static_cast<std::int64_t>(targets->size());
  for (const ClientSession& target : *targets) {
    auto kill = run.execute("KILL " + std::to_string(target.id) + " (" + target.user + ")", sql.kill(target.id));
    if (kill) {
      ++round.killed;
    } else if (kill.error().code == action_errc::mysql_error) {
      round.refused.emplace(target.id, kill.error());
    } else {
      return kill.error();  // the connection broke or the deadline passed
    }
  }
  if (targets->empty()) return round;

  // Only the sessions listed count: clients that connect after the list
  // (write_probe reconnects within milliseconds) are the next round's.
  auto still_there = [&targets](const std::vector<ClientSession>& now) {
    std::vector<long long> ids;
    for (const ClientSession& session : now) {
      for (const ClientSession& target : *targets) {
        if (target.id == session.id) ids.push_back(session.id);
      }
    }
    return ids;
  };
  while (true) {
    auto now = list();
    if (!now) return now.error();
    round.left = still_there(*now);
    if (round.left.empty() || Clock::now() + kKillPoll >= settle_until) break;
    std::this_thread::sleep_for(kKillPoll);
  }
  return round;
}

Result<void> ActionExecutor::kill_connections(Run& run) {
  auto own = run.value("reading CONNECTION_ID()", run.sql().connection_id());
  if (!own) return own.error();
  auto round = kill_round(run, std::stoll(own->value_or("0")),
                          std::min(Clock::now() + kKillSettle, run.deadline() - kKillPoll));
  if (!round) return round.error();
  run.detail["killed"] = round->killed;
  run.detail["remaining"] = static_cast<std::int64_t>(round->left.size());
  for (long long id : round->left) {
    if (auto it = round->refused.find(id); it != round->refused.end()) return it->second;
  }
  return ok();
}

// release_fence's kill_clients: a client that read the route just before the
// traffic moved can connect to this node after kill_connections listed its
// sessions, and queue a commit on the lock; the END would let it commit here,
// after the capture (a transaction the new primary lacks). So the END follows
// at once a processlist that shows no client session. Clients that keep
// coming for kKillSettle are pinned to this address, not routed: the lock
// ends anyway (keeping it only delays their commit to the lease's end) and
// the pivot's verify_old_primary names what they committed.
Result<void> ActionExecutor::sweep_clients(Run& run) {
  auto own = run.value("reading CONNECTION_ID()", run.sql().connection_id());
  if (!own) return own.error();
  const long long own_id = std::stoll(own->value_or("0"));
  const auto sweep_until = std::min(Clock::now() + kKillSettle, run.deadline() - kKillSettle / 4);
  std::int64_t swept = 0;
  std::int64_t sweeps = 0;
  while (true) {
    auto round = kill_round(run, own_id, sweep_until);
    if (!round) return round.error();
    ++sweeps;
    swept += round->killed;
    run.detail["swept"] = swept;
    run.detail["sweeps"] = sweeps;
    run.detail["remaining"] = round->listed;
    if (round->listed == 0 || Clock::now() >= sweep_until) return ok();
  }
}

Result<void> ActionExecutor::stop_replication(Run& run) {
  auto replica = run.replica("reading replica status");
  if (!replica) return replica.error();
  const bool was_running = *replica && replication_running(**replica);
  run.detail["was_running"] = was_running;
  if (!was_running) return ok();
  return run.execute("stopping replication", run.sql().stop_replica());
}

// A failover's first step on every survivor: a dead primary that systemd
// restarts must not feed anyone while the controller chooses, and the SQL
// thread goes on applying what the relay log holds (ARCHITECTURE.md,
// "Failover"). `received` is read after the stop, so nothing arrives after
// it; the controller has it applied with wait_for_position.
Result<void> ActionExecutor::stop_io_thread(Run& run) {
  const ActionSql& sql = run.sql();
  auto replica = run.replica("reading replica status");
  if (!replica) return replica.error();
  const bool was_running = *replica && (*replica)->io_running != protocol::IoThread::no;
  run.detail["was_running"] = was_running;
  if (was_running) {
    if (auto stopped = run.execute("stopping the IO thread", sql.stop_io_thread()); !stopped) return stopped;
    replica = run.replica("reading replica status after the stop");
    if (!replica) return replica.error();
  }
  auto executed = run.value("reading the replicated position", sql.replicated_position());
  if (!executed) return executed.error();
  run.detail = io_stop_detail(was_running, *replica, *executed);
  return ok();
}

Result<void> ActionExecutor::start_replication(Run& run) {
  const ActionSql& sql = run.sql();
  auto replica = run.replica("reading replica status");
  if (!replica) return replica.error();
  if (!*replica) {
    return make_error(action_errc::not_a_replica,
                      "no replication source is configured on this node: change_source first");
  }
  if ((*replica)->io_running != protocol::IoThread::yes || !(*replica)->sql_running) {
    if (auto started = run.execute("starting replication", sql.start_replica()); !started) return started;
    replica = run.replica("reading replica status after the start");
    if (!replica) return replica.error();
  }
  const auto& now = *replica;
  run.detail["io_running"] = now ? std::string(protocol::to_string(now->io_running)) : "no";
  run.detail["sql_running"] = now && now->sql_running;
  return ok();
}

// applied (issue 22): the reset runs only on a node that applied that
// position, so that pivotd can queue it behind the catch-up's
// wait_for_position without waiting for the wait's answer: behind a wait that
// failed it changes nothing.
Result<void> ActionExecutor::reset_replication(Run& run, const ValueMap& args) {
  const ActionSql& sql = run.sql();
  if (const std::string position = text_arg(args, "applied"); !position.empty()) {
    if (auto valid = check_gtid_position(sql.flavor(), position); !valid) return valid;
    // A 1 ms wait, not 0: MySQL may read a 0 timeout as no timeout.
    auto applied = run.value("checking the applied position", sql.wait_for_position(position, milliseconds(1)));
    if (!applied) return applied.error();
    if (!*applied || **applied != "0") {
      auto now_at = run.value("reading the applied position", sql.applied_position());
      return make_error(action_errc::position_timeout,
                        "position " + position.substr(0, 200) + " not applied (at " +
                            (now_at && *now_at ? now_at->value().substr(0, 200) : std::string("?")) +
                            "): replication left as it was");
    }
  }
  auto status = run.query("reading replica status", sql.replica_status());
  if (!status) return status.error();
  auto replica = replica_of(sql.flavor(), *status);
  run.detail = previous_source_detail(replica);
  run.detail["had_source"] = replica.has_value();
  if (default_connection(records_of(*status)) == nullptr) return ok();  // nothing configured: a primary already
  if (replica && replication_running(*replica)) {
    if (auto stopped = run.execute("stopping replication", sql.stop_replica()); !stopped) return stopped;
  }
  return run.execute("forgetting the source", sql.reset_replica_all());
}

Result<void> ActionExecutor::change_source(Run& run, const ValueMap& args) {
  const ActionSql& sql = run.sql();
  const SourceRequest request{text_arg(args, "host"), static_cast<int>(int_arg(args, "port")),
                              text_arg(args, "use_gtid")};
  const bool seed = bool_arg(args, "seed_gtid_slave_pos", false);
  const bool start = bool_arg(args, "start", true);
  const bool start_io = bool_arg(args, "start_io", false);
  if (auto host = check_source_host(request.host); !host) return host;
  if (auto mode = check_use_gtid(sql.flavor(), request.use_gtid); !mode) return mode;

  auto status = run.query("reading replica status", sql.replica_status());
  if (!status) return status.error();
  auto replica = replica_of(sql.flavor(), *status);
  const std::vector<Row> records = records_of(*status);
  const Row* previous = default_connection(records);
  // The node's own settings when it had a source; else the config's TLS.
  const std::optional<SourceSettings> keep = previous ? std::optional<SourceSettings>(source_settings_of(*previous))
                                                      : configured_source_settings(replication_);
  run.detail = previous_source_detail(replica);
  run.detail["started"] = false;
  run.detail["io_started"] = false;
  run.detail["sql_started"] = false;
  run.detail["sql_delay"] = static_cast<std::int64_t>(keep ? keep->sql_delay : 0);
  run.detail["gtid_slave_pos"] = std::monostate{};
  // The node's running state is the operator's: start only the threads that
  // ran (a stopped delayed backup stays stopped). A node without a source
  // (an old primary being demoted) starts both; start_io: a failover stopped
  // the IO thread itself and wants it running towards the new primary.
  const bool io_ran = !replica || replica->io_running != protocol::IoThread::no || start_io;
  const bool sql_ran = !replica || replica->sql_running;

  if (replica && replication_running(*replica)) {
    if (auto stopped = run.execute("stopping replication", sql.stop_replica()); !stopped) return stopped;
  }
  // STOP and RESET do not clear gtid_slave_pos: an old primary's is empty or
  // stale, and the new source would resend what it already has (error 1950
  // under gtid_strict_mode). Its own binlog position is where it stands.
  if (seed && sql.mariadb()) {
    if (auto seeded = run.execute("seeding gtid_slave_pos", sql.seed_gtid_slave_pos()); !seeded) return seeded;
  }
  const std::string change = sql.change_source(request, replication_, replication_password_, keep);
  if (auto changed = run.execute(sql.mariadb() ? "CHANGE MASTER" : "CHANGE REPLICATION SOURCE", change); !changed) {
    return changed;
  }
  if (bool_arg(args, "semi_sync_source_off", false)) {
    // A demoted primary's source side, left on, makes each transaction its
    // SQL thread applies wait for an acknowledgement no replica of its own
    // sends (measured: a pivot's verify timed out on it). Off before the start.
    auto semi = apply_semi_sync(run, {.source = false, .replica = std::nullopt, .timeout_ms = std::nullopt, .fresh = false});
    if (!semi) return semi.error();
    run.detail["semi_sync_source_off"] = semi->changed;
  }
  if (start && (io_ran || sql_ran)) {
    const std::string start_sql = sql.start_replica_threads(io_ran, sql_ran);
    if (auto started = run.execute("starting replication", start_sql); !started) return started;
    run.detail["started"] = true;
    run.detail["io_started"] = io_ran;
    run.detail["sql_started"] = sql_ran;
  }
  if (sql.mariadb()) {
    auto position = run.value("reading gtid_slave_pos", sql.gtid_slave_pos());
    if (!position) return position.error();
    run.detail["gtid_slave_pos"] = value_of(*position);
  }
  return ok();
}

Result<void> ActionExecutor::wait_for_position(Run& run, const ValueMap& args) {
  const ActionSql& sql = run.sql();
  const std::string position = text_arg(args, "position");
  if (auto valid = check_gtid_position(sql.flavor(), position); !valid) return valid;
  const milliseconds asked{int_arg(args, "timeout_ms")};
  const milliseconds budget = run.remaining() - kReadAfterWait;
  if (budget < milliseconds(0)) {
    return make_error(action_errc::deadline_exceeded, "the command's deadline leaves no time to wait for " +
                                                          position.substr(0, 200) + " and read the position");
  }
  const bool cut_by_deadline = budget < asked;
  const milliseconds wait = std::min(asked, budget);

  // On the action session (issue 22): a session of its own cost a connect,
  // about 1.5 ms, and the catch-up is inside the write-blocked window. Each
  // slice stays within half the session's read timeout (whole seconds, at
  // least one), so a slice the server spends whole never breaks it.
  const int read_timeout_s = connector_->read_timeout_s();
  const milliseconds slice_max =
      read_timeout_s > 0 ? std::min(kWaitSlice, milliseconds(read_timeout_s * 500)) : kWaitSlice;

  // The wait runs in slices with a look at the replica's threads between
  // them: a replica whose replication broke (1236, a duplicate key) says so
  // within a slice, with the server's own error, instead of timing out.
  // The slices add up to the wait (the server spends each one unless the
  // position comes first); the status reads between them take a millisecond.
  const auto started = Clock::now();
  milliseconds left = wait;
  bool reached = false;
  bool stopped = false;
  std::optional<std::string> replication;  // the threads' state when the wait ended; nil: no source
  while (true) {
    const milliseconds slice = std::min(left, slice_max);
    left -= slice;
    const std::string wait_sql = sql.wait_for_position(position, slice);
    auto answer = run.value("waiting for the position", wait_sql);
    if (!answer) return answer.error();
    if (!*answer) return make_error(action_errc::mysql_error, "the wait returned NULL: " + wait_sql);
    reached = **answer == "0";
    if (reached) break;
    auto status = run.query("reading replica status", sql.replica_status());
    if (!status) return status.error();
    const std::vector<Row> records = records_of(*status);
    const Row* row = default_connection(records);
    auto replica = replica_of(sql.flavor(), *status);
    replication = row && replica ? std::optional(replication_state(*row, *replica)) : std::nullopt;
    stopped = row && replica && replication_stopped(sql.flavor(), *row, *replica, position);
    // Never a slice of 0 after the first: MySQL may read a 0 timeout as no timeout.
    if (stopped || left <= milliseconds(0)) break;
  }
  const std::int64_t waited_ms = ms_between(started, Clock::now());
  auto now_at = run.value("reading the position reached", sql.applied_position());
  if (!now_at) return now_at.error();
  run.detail = {{"reached", reached},
                {"waited_ms", waited_ms},
                {"position", value_of(*now_at)},
                {"replication", value_of(replication)}};
  if (reached) return ok();
  const std::string applied = "; applied: " + now_at->value_or("NULL").substr(0, 200);
  if (stopped) {
    return make_error(action_errc::replication_stopped, "replication stopped before position " +
                                                            position.substr(0, 200) + " was reached: " +
                                                            replication.value_or("") + applied);
  }
  return make_error(action_errc::position_timeout,
                    "position " + position.substr(0, 200) + " not reached in " + std::to_string(waited_ms) +
                        " ms (" + (cut_by_deadline ? "the command's deadline" : "the timeout_ms asked") + ")" +
                        applied + (replication ? "; " + *replication : ""));
}

// The positions and read_only, added to the run's detail.
Result<void> ActionExecutor::read_positions(Run& run) {
  const ActionSql& sql = run.sql();
  auto positions = run.query("reading GTID positions and read_only", sql.positions());
  if (!positions) return positions.error();
  run.detail.merge(position_detail(sql.flavor(), *positions));
  return ok();
}

Result<void> ActionExecutor::report_position(Run& run) {
  const ActionSql& sql = run.sql();
  if (auto read = read_positions(run); !read) return read;
  // Read after the positions: a fence still held now held when they were read,
  // so they are the node's last commits (the pivot's confirm_fence relies on it).
  if (sql.mariadb()) {
    run.detail["fence"] = to_string(fence_->check(Clock::now()));
  } else {
    auto super_read_only = run.value("reading super_read_only", sql.super_read_only());
    if (!super_read_only) return super_read_only.error();
    run.detail["fence"] = flag_of(*super_read_only) == true ? "held" : "none";
  }
  return ok();
}

WriteFence::State ActionExecutor::check_fence() { return fence_->check(Clock::now()); }

Result<void> ActionExecutor::prepare_fence() { return fence_->prepare(); }

// The session is open (dispatch connected it); one read shows it answers.
Result<void> ActionExecutor::ping(Run& run) {
  auto ro = run.value("reading read_only", run.sql().read_only());
  if (!ro) return ro.error();
  const auto flag = flag_of(*ro);
  run.detail["read_only"] = flag ? protocol::Value(*flag) : protocol::Value(std::monostate{});
  return ok();
}

// A command's own connect and read, so a session found gone is reopened as
// a command would reopen it (Run::step_on).
Result<void> ActionExecutor::keep_session() {
  // The connect's own timeouts bound it; the deadline only has to outlast them.
  Run run(*this, Clock::now() + std::chrono::seconds(2 * connector_->read_timeout_s() + 1));
  if (auto connected = run.connect(); !connected) return connected;
  auto alive = run.query("checking the action session", "SELECT 1");
  if (!alive) return alive.error();
  return ok();
}

// read_only: the fence's two halves in one command, so the write-blocked
// window pays one round trip for both (issue 22). read_only first, then the
// lock, as two commands did: the lock does not wait behind clients that
// read_only already stopped. The lock's first half, which holds no
// transactional commit (its session checked, its wait bounded, BACKUP STAGE
// START and FLUSH), runs before read_only: inside the window only
// BLOCK_COMMIT and the position's read are left. set_read_only's keys (changed, super_read_only) stay beside the
// fence's; read_only itself is the fence's later read.
Result<void> ActionExecutor::fence_writes(Run& run, const ValueMap& args) {
  if (!bool_arg(args, "read_only", false)) return take_fence(run, args);
  if (run.sql().mariadb()) {
    if (auto late = run.before("beginning the fence lock"); !late) return late;
    run.detail = {{"lock", "backup_stage_block_commit"}, {"held", false}};
    if (auto begun = fence_->begin(fence_lock_wait_s(run)); !begun) return run.fail(begun.error());
  }
  if (auto set = set_read_only(run, true); !set) {
    fence_->abandon();
    run.detail.try_emplace("held", false);
    return set;
  }
  const ValueMap read_only = std::move(run.detail);
  run.detail = {};
  auto fenced = take_fence(run, args);
  for (const auto& [key, value] : read_only) run.detail.try_emplace(key, value);
  return fenced;
}

// The fence lock waits for running commits at most this long: the command's
// time left, whole seconds, at least one.
int ActionExecutor::fence_lock_wait_s(const Run& run) {
  return static_cast<int>(std::max<long long>(1, run.remaining().count() / 1000));
}

Result<void> ActionExecutor::take_fence(Run& run, const ValueMap& args) {
  const ActionSql& sql = run.sql();
  if (!sql.mariadb()) {
    // MySQL's super_read_only stops every account, SUPER included: it is the
    // fence there, and set_read_only sets it.
    auto super_read_only = run.value("reading super_read_only", sql.super_read_only());
    if (!super_read_only) return super_read_only.error();
    const bool held = flag_of(*super_read_only) == true;
    run.detail = {{"lock", "super_read_only"}, {"held", held}, {"already", held}, {"waited_ms", std::int64_t{0}}};
    if (held) return read_positions(run);
    return make_error(action_errc::fence_not_held, "super_read_only is OFF: on MySQL it is the fence, "
                                                   "set_read_only (read_only true) sets it");
  }
  if (auto late = run.before("taking the fence lock"); !late) {
    fence_->abandon();
    return late;
  }
  const auto lease_until = Clock::now() + milliseconds(int_arg(args, "lease_ms"));
  run.detail = {{"lock", "backup_stage_block_commit"}, {"held", false}};
  auto taken = fence_->take(fence_lock_wait_s(run), lease_until);
  if (!taken) return run.fail(taken.error());
  run.detail["held"] = true;
  run.detail["already"] = taken->already;
  run.detail["waited_ms"] = taken->waited_ms;
  // Read with the lock held: the node's final position, which the pivot
  // captures from this answer instead of asking again (one round trip less
  // in the write-blocked window).
  return read_positions(run);
}

Result<void> ActionExecutor::release_fence(Run& run, const ValueMap& args) {
  if (!run.sql().mariadb()) {
    run.detail = {{"was", "none"}};  // super_read_only stays: the node is demoted read-only
    return ok();
  }
  if (auto late = run.before("releasing the fence lock"); !late) return late;
  if (bool_arg(args, "kill_clients", false) && fence_->check(Clock::now()) == WriteFence::State::held) {
    if (auto swept = sweep_clients(run); !swept) return swept;  // the lock stays: the pivot says fence_kept
  }
  auto released = fence_->release();
  if (!released) return run.fail(released.error());
  run.detail["was"] = to_string(released->before);
  switch (released->before) {
    case WriteFence::State::lost:
      return make_error(action_errc::fence_lost,
                        "the fence's session ended before the release (killed, or mysqld restarted): "
                        "commits were possible on this node from then on");
    case WriteFence::State::expired:
      return make_error(action_errc::fence_lost,
                        "the fence's lease passed before the release and the agent ended the lock: "
                        "commits were possible on this node from then on");
    default: return ok();
  }
}

}  // namespace pivot::agent
