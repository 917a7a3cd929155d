#pragma once
// ActionExecutor: runs the controller's commands on the local mysqld (the
// agent's hands). Each action reads the server first and changes only what
// differs, so running it twice leaves the node as running it once. Flavor SQL
// is in action_sql.hpp; this class only sequences it, bounds it by the
// deadline and turns what happened into a CommandResult.
//
// Result error slugs (docs/protocol.md, "Actions"):
//   deadline_exceeded  the deadline passed before a step could start (the
//                      message says which steps ran); before the first step
//                      the server is not touched
//   mysql_unreachable  no connection, or it broke during the action
//   access_denied      the agent's account lacks a grant (docs/harness.md)
//   mysql_error        the server refused a statement (its code and text)
//   position_timeout   wait_for_position: not reached in time (the message
//                      also gives the replica's threads and last errors)
//   replication_stopped  wait_for_position: the node's SQL thread stopped, or
//                      its IO thread stopped with an error without having
//                      received the position, before the position was
//                      reached (the server's error in the message)
//   not_a_replica      start_replication on a node with no source configured
//   fence_not_held     fence_writes on MySQL while super_read_only is OFF
//   fence_lost         release_fence: the fence's session ended (or its lease
//                      passed) before the release: commits were possible since
//   still_replica      set_read_only with no_source: the node still has a
//                      replication source (nothing changed)
//   bad_arg_value      change_source host or use_gtid, wait_for_position
//                      position, unfit for this node (validate_args' slugs
//                      too, should a command come here unvalidated)
//   internal_error     an exception reached run() (out of memory): caught, never thrown

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pivot/agent/action_sql.hpp"
#include "pivot/agent/agent_config.hpp"
#include "pivot/agent/semi_sync_settings.hpp"
#include "pivot/agent/sql_connector.hpp"
#include "pivot/agent/write_fence.hpp"
#include "pivot/mysql/session.hpp"
#include "pivot/protocol/command.hpp"
#include "pivot/protocol/command_result.hpp"

namespace pivot::agent {

namespace action_errc {
inline constexpr char deadline_exceeded[] = "deadline_exceeded";
inline constexpr char mysql_unreachable[] = "mysql_unreachable";
inline constexpr char access_denied[] = "access_denied";
inline constexpr char mysql_error[] = "mysql_error";
inline constexpr char position_timeout[] = "position_timeout";
inline constexpr char replication_stopped[] = "replication_stopped";
inline constexpr char not_a_replica[] = "not_a_replica";
inline constexpr char fence_not_held[] = "fence_not_held";
inline constexpr char fence_lost[] = "fence_lost";
inline constexpr char still_replica[] = "still_replica";
inline constexpr char internal_error[] = "internal_error";
}  // namespace action_errc

class ActionExecutor {
 public:
  using Clock = std::chrono::steady_clock;

  // mysql: the agent's account (same SessionOptions as the probe; the password is filled in);
  // replication: the agent config's replication settings; replication_password: read from its password_file.
  ActionExecutor(mysql::SessionOptions mysql, ReplicationSettings replication, std::string replication_password);
  // The same over any SQL port (tests give a fake that replays statements).
  ActionExecutor(std::unique_ptr<SqlConnector> connector, ReplicationSettings replication,
                 std::string replication_password);
  ~ActionExecutor();
  ActionExecutor(ActionExecutor&&) noexcept;
  ActionExecutor& operator=(ActionExecutor&&) noexcept;

  // Runs one command whose args already passed protocol::validate_args. Blocking; called from ONE
  // worker thread that holds a mysql::ThreadScope; uses its own connection (not the probe's),
  // reconnecting when needed. Never throws. Bounded by `deadline`.
  protocol::CommandResult run(const protocol::Command& command, Clock::time_point deadline);

  // The fence's state, checked now (write_fence.hpp): the runtime asks it
  // between commands, on the same thread, to say at once when a fence is lost.
  WriteFence::State check_fence();
  // Opens the fence's session ahead of the first fence (write_fence.hpp).
  Result<void> prepare_fence();
  // Opens the action session ahead of the first command, or checks that the
  // one it has still answers (`SELECT 1`) and opens a new one when it is gone
  // (wait_timeout, a restart). The runtime calls it at start and then while
  // the worker idles: a candidate's first command in a pivot (the catch-up's
  // wait) runs inside the write-blocked window and would otherwise pay for a
  // connection there (issue 22).
  Result<void> keep_session();

  // SIGHUP may bring new replication settings (agent.md).
  void set_replication(ReplicationSettings replication, std::string replication_password);

 private:
  // One command's steps, deadline, session and detail so far (action_executor.cpp).
  // Each action fills the run's detail as it learns things, so a failure
  // still reports what was done before it.
  class Run;

  Result<void> dispatch(Run& run, const protocol::Command& command);
  Result<void> set_read_only(Run& run, bool read_only);
  Result<void> require_no_source(Run& run, bool read_only);
  // Semi-sync (semi_sync_settings.hpp): the settings after the change.
  struct SemiSyncOutcome {
    protocol::SemiSync after;
    bool changed = false;
    bool io_restarted = false;
  };
  Result<SemiSyncOutcome> apply_semi_sync(Run& run, const SemiSyncWanted& wanted);
  Result<void> set_semi_sync(Run& run, const protocol::ValueMap& args);
  Result<void> set_writable_semi_sync(Run& run, bool read_only, std::int64_t timeout_ms);
  Result<void> kill_connections(Run& run);
  // One kill round (action_executor.cpp): the client sessions listed now,
  // each KILLed, then the list read until those are gone or `settle_until`.
  struct KillRound {
    std::int64_t listed = 0;           // client sessions in the first list
    std::int64_t killed = 0;
    std::vector<long long> left;       // listed sessions still there at the end
    std::map<long long, Error> refused;  // KILL refused (a session may end on its own meanwhile)
  };
  Result<KillRound> kill_round(Run& run, long long own_id, Clock::time_point settle_until);
  Result<void> sweep_clients(Run& run);
  Result<void> stop_replication(Run& run);
  Result<void> stop_io_thread(Run& run);
  Result<void> start_replication(Run& run);
  Result<void> reset_replication(Run& run, const protocol::ValueMap& args);
  Result<void> change_source(Run& run, const protocol::ValueMap& args);
  Result<void> wait_for_position(Run& run, const protocol::ValueMap& args);
  Result<void> report_position(Run& run);
  Result<void> ping(Run& run);
  Result<void> read_positions(Run& run);
  // With read_only: set_read_only first, in the same command (its keys beside the fence's).
  Result<void> fence_writes(Run& run, const protocol::ValueMap& args);
  Result<void> take_fence(Run& run, const protocol::ValueMap& args);
  static int fence_lock_wait_s(const Run& run);
  Result<void> release_fence(Run& run, const protocol::ValueMap& args);

  std::unique_ptr<SqlConnector> connector_;
  ReplicationSettings replication_;
  std::string replication_password_;
  std::unique_ptr<SqlSession> session_;             // kept between commands; dropped when broken
  std::optional<protocol::Flavor> session_flavor_;  // learned when session_ was opened
  std::unique_ptr<WriteFence> fence_;               // its own session, held across commands
};

}  // namespace pivot::agent
