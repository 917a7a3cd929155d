#pragma once
// NodeState: the agent's full snapshot of its mysqld (message type "state", and
// the `state` object of the REST API). std::optional fields are nil on the wire
// when the value is unknown (mysqld unreachable) or does not exist on this
// flavor (gtid_executed on MariaDB, gtid_domain_id on MySQL, ...): the
// controller must tell "unknown" from "false" and "empty".

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pivot/protocol/enum_names.hpp"

namespace pivot::protocol {

enum class Flavor { mariadb, mysql };
template <>
struct EnumNames<Flavor> {
  static constexpr std::array<std::string_view, 2> names{"mariadb", "mysql"};
};

// Slave_IO_Running: "Connecting" is what a replica shows when its source died.
enum class IoThread { no, connecting, yes };
template <>
struct EnumNames<IoThread> {
  static constexpr std::array<std::string_view, 3> names{"no", "connecting", "yes"};
};

// How a replica positions itself: MariaDB MASTER_USE_GTID (no, slave_pos,
// current_pos) or MySQL SOURCE_AUTO_POSITION=1 (auto_position).
enum class GtidMode { no, slave_pos, current_pos, auto_position };
template <>
struct EnumNames<GtidMode> {
  static constexpr std::array<std::string_view, 4> names{"no", "slave_pos", "current_pos",
                                                         "auto_position"};
};

// SHOW REPLICA STATUS, reduced to what the controller decides on.
struct ReplicaStatus {
  std::string source_host;
  std::uint16_t source_port = 0;
  IoThread io_running = IoThread::no;
  bool sql_running = false;
  std::optional<std::uint64_t> seconds_behind;  // s; nil while the IO thread is down
  std::uint64_t sql_delay = 0;                  // s; configured delay (delayed backup node)
  GtidMode using_gtid = GtidMode::no;
  std::string last_io_error;   // "" when none
  std::string last_sql_error;  // "" when none
  std::string received_gtids;  // MySQL Retrieved_Gtid_Set; MariaDB gtid_io_pos
  std::string executed_gtids;  // MySQL Executed_Gtid_Set; MariaDB gtid_slave_pos
  bool operator==(const ReplicaStatus&) const = default;
};

// Semi-synchronous replication on this node: the sides enabled, and whether
// the source side waits for acknowledgements now. The last three were added
// to v1 later: nil from an older agent, which does not send them.
struct SemiSync {
  bool source = false;   // rpl_semi_sync_master_enabled / rpl_semi_sync_source_enabled
  bool replica = false;  // rpl_semi_sync_slave_enabled / rpl_semi_sync_replica_enabled
  // Rpl_semi_sync_master_status (MySQL Rpl_semi_sync_source_status): the
  // source side is enabled AND has not fallen back to asynchronous after a
  // timeout; a commit acknowledged now is on a replica.
  std::optional<bool> source_active;
  // rpl_semi_sync_master_wait_point: "AFTER_SYNC" (a commit is visible only
  // once a replica has it: lossless) or "AFTER_COMMIT".
  std::optional<std::string> wait_point;
  // ms; rpl_semi_sync_master_timeout: how long a commit waits for an
  // acknowledgement before the source side goes asynchronous.
  std::optional<std::uint64_t> timeout_ms;
  // s; MariaDB's rpl_semi_sync_slave_kill_conn_timeout: with the replica
  // side on, STOP SLAVE IO_THREAD first tries to kill its source's dump
  // thread for up to this long (default 5), so a failover's stop_io waits it
  // against a hung or silent primary. Nil on MySQL (no such variable) and
  // from an older agent.
  std::optional<std::uint64_t> kill_conn_timeout_s;
  bool operator==(const SemiSync&) const = default;
};

struct NodeState {
  std::string cluster;
  std::string node;
  std::optional<Flavor> flavor;        // nil until mysqld was reached once
  std::optional<std::string> version;  // @@version, e.g. "10.11.6-MariaDB-0+deb12u1-log"
  std::optional<std::uint32_t> server_id;
  std::optional<std::string> server_uuid;       // MySQL only
  std::optional<std::uint32_t> gtid_domain_id;  // MariaDB only
  std::optional<bool> read_only;
  std::optional<bool> super_read_only;           // MySQL only
  std::optional<std::string> gtid_binlog_pos;    // MariaDB only
  std::optional<std::string> gtid_binlog_state;  // MariaDB only
  std::optional<std::string> gtid_current_pos;   // MariaDB only
  std::optional<std::string> gtid_slave_pos;     // MariaDB only
  std::optional<std::string> gtid_executed;      // MySQL only
  std::optional<bool> gtid_strict_mode;          // MariaDB only
  std::optional<bool> log_bin;
  std::optional<bool> log_replica_updates;
  std::optional<std::string> binlog_format;  // ROW, STATEMENT, MIXED
  std::optional<std::string> report_host;    // nil when not set
  std::optional<std::uint16_t> report_port;
  std::optional<ReplicaStatus> replica;  // nil: not a replica (or mysqld unreachable)
  std::optional<SemiSync> semi_sync;     // nil: unknown (mysqld unreachable)
  bool mysql_reachable = false;
  std::string probe_error;      // "" when the last probe succeeded
  double probe_latency_ms = 0;  // ms, fractional: how long the last probe took
  std::string agent_version;
  std::optional<std::uint64_t> uptime_s;  // s; mysqld's Uptime status
  // s; @@slave_net_timeout (MySQL replica_net_timeout): how long a replica
  // waits for its source's data before it counts the connection lost. Added
  // to v1 later: nil from an older agent, which does not send it.
  std::optional<std::uint32_t> slave_net_timeout;
  bool operator==(const NodeState&) const = default;
};

}  // namespace pivot::protocol
