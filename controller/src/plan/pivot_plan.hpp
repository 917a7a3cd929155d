#pragma once
// The pure half of the planned pivot (private to controller/src/plan): step
// names, the agent commands each step sends, their deadlines, and how an
// answer reads. No ports, no clock: pivot_executor.cpp feeds them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/detail.hpp"
#include "pivot/protocol/command.hpp"
#include "pivot/protocol/command_result.hpp"
#include "pivot/result.hpp"

namespace pivot::controller::plan {

// Deadlines of the commands (the command's timeout_ms; the AgentPort adds its
// transport margin). Every remote step has its own.
// SET GLOBAL read_only takes the global read lock, which waits for running
// commits; the agent bounds lock_wait_timeout by what is left of this.
inline constexpr std::uint64_t kSetReadOnlyTimeoutMs = 5000;
// set_semi_sync: a few SET GLOBAL and, for a changed replica side, an IO
// thread restart.
inline constexpr std::uint64_t kSetSemiSyncTimeoutMs = 5000;
// fence_writes: BACKUP STAGE BLOCK_COMMIT waits for running commits (not for
// running statements); the agent bounds its lock_wait_timeout by this. The
// whole wait is inside the write-blocked window.
inline constexpr std::uint64_t kFenceWritesTimeoutMs = 3000;
// release_fence: BACKUP STAGE END on the open session, after (kill_clients)
// a sweep of client sessions that lasts at most 1 s.
inline constexpr std::uint64_t kReleaseFenceTimeoutMs = 3000;
// KILL only flags sessions; the agent watches them end for at most 1 s.
inline constexpr std::uint64_t kKillConnectionsTimeoutMs = 3000;
// A handful of SELECTs on one open connection.
inline constexpr std::uint64_t kReportPositionTimeoutMs = 3000;
// STOP SLAVE waits for the SQL thread to finish the event group it applies.
inline constexpr std::uint64_t kResetReplicationTimeoutMs = 10000;
// STOP or START of replication's threads: STOP SLAVE IO_THREAD waits for the
// IO thread to leave its read, START for the threads to begin.
inline constexpr std::uint64_t kStopReplicationTimeoutMs = 10000;
// STOP, CHANGE MASTER, START and a read; the STOP may wait as above.
inline constexpr std::uint64_t kChangeSourceTimeoutMs = 10000;
// wait_for_position: the agent keeps 300 ms of the command's deadline to read
// the position after the wait; the command outlives the wait by this much.
inline constexpr std::uint64_t kPositionReadMarginMs = 1000;
// verify: how long every node may take to apply the new primary's position.
inline constexpr std::uint64_t kVerifyWaitMs = 10000;

// "<job_id>/<step>/<node>", with "/<action>" when one step sends two commands
// to one node (promote): unique within the job and stable across a restart.
std::string command_id(const std::string& job_id, const std::string& step, const std::string& node,
                       const std::string& action = "");

protocol::Command set_read_only(std::string id, bool read_only);
// A promotion's set_read_only false (pivot, failover, reopen). Under
// policy.durability semi_sync it carries semi_sync_timeout_ms: the agent
// turns the source side on, fresh, before read_only goes off, so that no
// write on the new primary is acknowledged before a replica has it.
// no_source (issue 22): the agent switches only a node whose replication
// source is gone (else still_replica, nothing changed): a pivot queues it
// behind the candidate's reset_replication without waiting for that answer.
protocol::Command make_writable(std::string id, const Policy& policy, bool no_source = false);
// policy.durability semi_sync kept on one node (pivotd's guard): the sides
// wanted, and with the source side the policy's timeout.
protocol::Command set_semi_sync(std::string id, bool source, bool replica, const Policy& policy);
// A demoted or rejoining old primary's change_source: under
// policy.durability semi_sync the agent turns its source side off before
// replication starts (semi_sync_source_off), or its SQL thread would wait
// for an acknowledgement of every transaction it applies.
protocol::Command as_replica(protocol::Command change_source, const Policy& policy);
protocol::Command kill_connections(std::string id);
// read_only: set_read_only first, in the same command (issue 22: the whole
// fence in one round trip); its deadline is then both parts'.
protocol::Command fence_writes(std::string id, std::uint64_t lease_ms, bool read_only = false);
// kill_clients: the pivot's release, after the traffic moved: the agent ends
// the lock right after a processlist with no client session in it (a client
// queued on the lock would commit on the old primary). A rollback's release
// lets queued clients commit: the old primary stays the primary.
protocol::Command release_fence(std::string id, bool kill_clients = false);
// How long the old primary's fence may hold before its agent ends it by
// itself: the longest a pivot can take from the fence to release_fence
// (catch-up, the post_promote hook and every command's deadline between),
// plus a margin. A pivotd that died mid-pivot leaves no node fenced forever.
std::uint64_t fence_lease_ms(const Policy& policy);
protocol::Command report_position(std::string id);
// The check step's question to the old primary and the candidate: does the
// command path work, and the agent's action session (changes nothing).
protocol::Command ping(std::string id);
// A ping's answer that says the agent took the command: ok, or unknown_action
// from an agent that predates ping (it answered, which is all that is asked).
bool ping_answered(bool ok, const std::string& error);
// An action that changes nothing on its node (report_position,
// wait_for_position): recovery never undoes it, so its id is journaled
// without an fsync of its own before it goes out (Journal::command_unsynced).
bool changes_nothing(const std::string& action);
// The failover's first change on a survivor: its IO thread stopped, its SQL
// thread left to apply the relay log (answers received and executed).
protocol::Command stop_io_thread(std::string id);
// The undo of stop_io_thread on a node whose IO thread ran.
protocol::Command start_replication(std::string id);
// applied (issue 22, "" none): the agent resets only a node that applied
// that position, else answers position_timeout having changed nothing.
protocol::Command reset_replication(std::string id, const std::string& applied = "");
protocol::Command wait_for_position(std::string id, const std::string& position, std::uint64_t wait_ms);
// start_io: the IO thread starts although it is stopped now (a failover
// stopped it itself); otherwise only the threads that ran are started.
protocol::Command change_source(std::string id, const NodeSpec& source, const std::string& use_gtid,
                                bool seed_gtid_slave_pos, bool start_io = false);

// A GTID position and the flavor it reveals: MariaDB reports gtid_binlog_pos
// (repoint with MASTER_USE_GTID=slave_pos), MySQL gtid_executed (auto_position).
struct Position {
  std::string gtid;
  std::string use_gtid;
};
// From a report_position detail; nullopt when it holds neither.
std::optional<Position> position_of(const protocol::ValueMap& detail);

// One command and its answer as a step records it. An AgentPort error
// (no_answer) and an agent's refusal (ok=false) both make ok false.
struct CallOutcome {
  std::string node;
  protocol::Command command;
  bool ok = false;
  std::string error;    // slug: the agent's or the port's
  std::string message;  // the agent's detail.message or the port's sentence
  protocol::ValueMap detail;
  // Where the time went, for bench/pivot's breakdown of the window (the job's
  // step timestamps are whole milliseconds): the agent's own duration_ms, and,
  // set by the caller that owns a clock, the journal write of the command's
  // id before it went out and the round trip (send to answer) in µs.
  std::uint64_t agent_ms = 0;
  std::uint64_t journal_us = 0;
  std::uint64_t round_trip_us = 0;
};
CallOutcome outcome_of(const std::string& node, protocol::Command command,
                       const Result<protocol::CommandResult>& answer);
// A wait_for_position answered ok must also say reached: the catch-up is the
// gate against lost writes, so anything else counts as position_timeout.
void require_reached(CallOutcome& outcome);
// Why a repointed node will not apply the new primary's writes by itself,
// from its change_source answer: a thread left stopped as the operator had it,
// or a delay it keeps ("delayed 3600 s"). nullopt when it applies (also when
// an agent's answer does not say: it is then waited for, as before).
std::optional<std::string> not_applying(const protocol::ValueMap& change_source_detail);

// "wait_for_position on db2 failed (position_timeout): ..."
std::string describe_failure(const CallOutcome& outcome);

Detail detail_of(const protocol::ValueMap& values);
// The inverse, for details read back from a saved job: scalars only (a
// nested value becomes nil).
protocol::ValueMap value_map_of(const Detail& object);
Detail detail_of(const CallOutcome& outcome);

// "host:port" of a spec node, as hooks and messages name it.
std::string host_port(const NodeSpec& node);
// The hooks' environment (ARCHITECTURE.md, "Pivot plan").
// kind: "pivot" or "failover" (PIVOT_KIND); the node names beside the
// addresses (PIVOT_OLD_NODE, PIVOT_NEW_NODE) let a hook match by name.
std::map<std::string, std::string> hook_env(const std::string& kind, const std::string& cluster, const std::string& job_id,
                                            const NodeSpec& old_primary, const NodeSpec& new_primary);

}  // namespace pivot::controller::plan
