#pragma once
// The wire schema of every struct, written once: fields(visitor, s) calls
// visitor(key, member) in wire order. MapWriter encodes with it, MapReader
// decodes with it, FieldCounter sizes the map header. A new field is one line
// here (and one in docs/protocol.md). A field added to v1 after its first
// release is visited with v.added(key, member): always written, and read as
// nil when absent, because an older sender does not write it.

#include <cstdint>
#include <type_traits>

#include "pivot/protocol/message.hpp"

namespace pivot::protocol::wire {

// S is T or const T: one list serves encoding (const) and decoding.
template <typename S, typename T>
concept Is = std::is_same_v<std::remove_const_t<S>, T>;

template <typename V, Is<Envelope> S>
void fields(V& v, S& s) {
  v("cluster", s.cluster);
  v("node", s.node);
  v("boot_id", s.boot_id);
  v("seq", s.seq);
  v("ts_ms", s.ts_ms);
}

template <typename V, Is<ReplicaStatus> S>
void fields(V& v, S& s) {
  v("source_host", s.source_host);
  v("source_port", s.source_port);
  v("io_running", s.io_running);
  v("sql_running", s.sql_running);
  v("seconds_behind", s.seconds_behind);
  v("sql_delay", s.sql_delay);
  v("using_gtid", s.using_gtid);
  v("last_io_error", s.last_io_error);
  v("last_sql_error", s.last_sql_error);
  v("received_gtids", s.received_gtids);
  v("executed_gtids", s.executed_gtids);
}

template <typename V, Is<SemiSync> S>
void fields(V& v, S& s) {
  v("source", s.source);
  v("replica", s.replica);
  v.added("source_active", s.source_active);
  v.added("wait_point", s.wait_point);
  v.added("timeout_ms", s.timeout_ms);
  v.added("kill_conn_timeout_s", s.kill_conn_timeout_s);
}

template <typename V, Is<NodeState> S>
void fields(V& v, S& s) {
  v("cluster", s.cluster);
  v("node", s.node);
  v("flavor", s.flavor);
  v("version", s.version);
  v("server_id", s.server_id);
  v("server_uuid", s.server_uuid);
  v("gtid_domain_id", s.gtid_domain_id);
  v("read_only", s.read_only);
  v("super_read_only", s.super_read_only);
  v("gtid_binlog_pos", s.gtid_binlog_pos);
  v("gtid_binlog_state", s.gtid_binlog_state);
  v("gtid_current_pos", s.gtid_current_pos);
  v("gtid_slave_pos", s.gtid_slave_pos);
  v("gtid_executed", s.gtid_executed);
  v("gtid_strict_mode", s.gtid_strict_mode);
  v("log_bin", s.log_bin);
  v("log_replica_updates", s.log_replica_updates);
  v("binlog_format", s.binlog_format);
  v("report_host", s.report_host);
  v("report_port", s.report_port);
  v("replica", s.replica);
  v("semi_sync", s.semi_sync);
  v("mysql_reachable", s.mysql_reachable);
  v("probe_error", s.probe_error);
  v("probe_latency_ms", s.probe_latency_ms);
  v("agent_version", s.agent_version);
  v("uptime_s", s.uptime_s);
  v.added("slave_net_timeout", s.slave_net_timeout);
}

template <typename V, Is<Event> S>
void fields(V& v, S& s) {
  v("kind", s.kind);
  v("detail", s.detail);
}

template <typename V, Is<Command> S>
void fields(V& v, S& s) {
  v("id", s.id);
  v("epoch", s.epoch);
  v("action", s.action);
  v("args", s.args);
  v("timeout_ms", s.timeout_ms);
}

template <typename V, Is<CommandResult> S>
void fields(V& v, S& s) {
  v("id", s.id);
  v("ok", s.ok);
  v("error", s.error);
  v("detail", s.detail);
  v("duration_ms", s.duration_ms);
}

// Counts the keys a record writes, for the MessagePack map header.
struct FieldCounter {
  std::uint32_t count = 0;
  template <typename T>
  void operator()(const char*, const T&) { ++count; }
  template <typename T>
  void added(const char*, const T&) { ++count; }
};

// A struct the codec walks with fields() (as opposed to a scalar or an enum).
template <typename T>
concept Record = requires(FieldCounter& counter, const T& record) { fields(counter, record); };

template <Record T>
std::uint32_t field_count(const T& record) {
  FieldCounter counter;
  fields(counter, record);
  return counter.count;
}

}  // namespace pivot::protocol::wire
