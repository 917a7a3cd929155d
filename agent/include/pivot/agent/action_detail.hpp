#pragma once
// Result details of the actions, built from what the server returned. Pure:
// tested on recorded rows of both flavors. The keys are the catalogue's
// (protocol/action_catalogue.hpp); nothing here invents one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pivot/agent/state_builder.hpp"
#include "pivot/mysql/session.hpp"
#include "pivot/protocol/value.hpp"

namespace pivot::agent {

// The default connection's status among replica status rows; nullopt when the
// node has no source configured.
std::optional<protocol::ReplicaStatus> replica_of(protocol::Flavor flavor, const mysql::Rows& rows);
// The same rows as label -> value maps (mysql::Rows to state_builder's Row).
std::vector<Row> records_of(const mysql::Rows& rows);

// "1"/"ON" -> true, "0"/"OFF" -> false, anything else (NULL included) nullopt.
std::optional<bool> flag_of(const std::optional<std::string>& value);

// A thread of the replica is running (or trying to, IO "Connecting").
bool replication_running(const protocol::ReplicaStatus& replica);

// The threads of the default connection and their last errors, as a job
// names a broken replica: "IO thread no, SQL thread yes; IO error 1236: Got
// fatal error ...". `row` is that connection's status row (Last_*_Errno).
std::string replication_state(const Row& row, const protocol::ReplicaStatus& replica);
// A replica that cannot reach `position` by waiting: its SQL thread is
// stopped, or its IO thread stopped with an error (1236 and the like) before
// it received the position. An IO thread stopped cleanly may still leave the
// position in the relay log; so may one that stopped on an error, or was
// stopped (stop_io_thread) while it retried a dead source with its error
// still shown, when what it received covers the position.
bool replication_stopped(protocol::Flavor flavor, const Row& row, const protocol::ReplicaStatus& replica,
                         std::string_view position);
// `position` is within what the replica received: MariaDB Gtid_IO_Pos at
// least position in every domain; MySQL position within Retrieved_Gtid_Set
// united with Executed_Gtid_Set. False when a text does not parse.
bool received_covers(protocol::Flavor flavor, const protocol::ReplicaStatus& replica, std::string_view position);

// previous_source_host / previous_source_port (nil when there was no source).
protocol::ValueMap previous_source_detail(const std::optional<protocol::ReplicaStatus>& replica);

// stop_io_thread: was_running, and from the status read after the stop
// (nullopt: no source) received and sql_running; executed as the server gave
// it ("" for NULL: the key is a string on the wire).
protocol::ValueMap io_stop_detail(bool was_running, const std::optional<protocol::ReplicaStatus>& after,
                                  const std::optional<std::string>& executed);

// set_read_only: read_only, super_read_only (nil on MariaDB), changed.
protocol::ValueMap read_only_detail(std::optional<bool> read_only, std::optional<bool> super_read_only, bool changed);

// report_position from the row of ActionSql::positions(): the MariaDB keys
// nil on MySQL and gtid_executed nil on MariaDB; no row, every key nil.
protocol::ValueMap position_detail(protocol::Flavor flavor, const mysql::Rows& positions);

// A Value from an optional: nil when absent.
template <typename T>
protocol::Value value_of(const std::optional<T>& value) {
  if (!value) return std::monostate{};
  return protocol::Value(*value);
}

}  // namespace pivot::agent
