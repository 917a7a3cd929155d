#include "pivot/controller/json_views.hpp"

#include "pivot/rfc3339.hpp"

namespace pivot::controller {
namespace {

using nlohmann::json;

// nullopt -> null, so that every key is always present and "unknown" is
// told apart from false, 0 and "".
template <typename T>
json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json();
}

template <typename E>
json name_or_null(const std::optional<E>& value) {
  return value ? json(std::string(protocol::to_string(*value))) : json();
}

json replica_json(const protocol::ReplicaStatus& r) {
  return {{"source_host", r.source_host},       {"source_port", r.source_port},
          {"io_running", protocol::to_string(r.io_running)}, {"sql_running", r.sql_running},
          {"seconds_behind", or_null(r.seconds_behind)}, {"sql_delay", r.sql_delay},
          {"using_gtid", protocol::to_string(r.using_gtid)}, {"last_io_error", r.last_io_error},
          {"last_sql_error", r.last_sql_error}, {"received_gtids", r.received_gtids},
          {"executed_gtids", r.executed_gtids}};
}

json policy_json(const Policy& p) {
  return {{"max_lag_seconds", p.max_lag_seconds},
          {"min_replicas", p.min_replicas},
          {"az_spread", p.az_spread},
          {"catch_up_timeout_ms", p.catch_up_timeout_ms},
          {"hook_timeout_ms", p.hook_timeout_ms},
          {"agent_fresh_ms", p.agent_fresh_ms},
          {"auto_failover", p.auto_failover},
          {"failover_cooldown_s", p.failover_cooldown_s},
          {"durability", to_string(p.durability)}};
}

// Wall-clock milliseconds, 0 meaning "never", as RFC 3339 or null.
json time_or_null(std::uint64_t unix_ms) { return unix_ms == 0 ? json() : json(rfc3339_ms(unix_ms)); }
json time_or_null(const std::optional<std::uint64_t>& unix_ms) { return unix_ms ? time_or_null(*unix_ms) : json(); }

json rebuild_json(const RebuildMark& mark) {
  return {{"extra_gtids", mark.extra_gtids},
          {"count", mark.extra_count},
          {"job", mark.job_id},
          {"marked_at", time_or_null(mark.marked_ms)}};
}

// The acknowledge's fields are null until an operator acknowledged it.
json failover_memo_json(const FailoverMemo& memo) {
  const auto if_acknowledged = [&](json value) { return memo.acknowledged ? std::move(value) : json(); };
  return {{"job", memo.job_id},
          {"old_primary", memo.old_primary},
          {"new_primary", memo.new_primary.empty() ? json() : json(memo.new_primary)},
          {"automatic", memo.automatic},
          {"started_at", time_or_null(memo.started_ms)},
          {"acknowledged", memo.acknowledged},
          {"acknowledged_by", if_acknowledged(memo.acknowledged_by)},
          {"comment", if_acknowledged(memo.comment)},
          {"acknowledged_at", if_acknowledged(time_or_null(memo.acknowledged_ms))}};
}

json maintenance_json(const MaintenanceWindow& window) {
  return {{"until", time_or_null(window.until_ms)},
          {"reason", window.reason},
          {"set_by", window.set_by},
          {"set_at", time_or_null(window.set_ms)}};
}

}  // namespace

json to_json(const NodeView& node, const RebuildMark* needs_rebuild) {
  json state;  // null: never heard from
  if (node.state) {
    state = to_json(*node.state);
    state["age_ms"] = or_null(node.age_ms);
  }
  return {{"name", node.spec.name},         {"host", node.spec.host},
          {"port", node.spec.port},         {"az", node.spec.az},
          {"role", to_string(node.spec.role)}, {"priority", node.spec.priority},
          {"current", to_string(node.current)}, {"state", std::move(state)},
          {"needs_rebuild", needs_rebuild ? rebuild_json(*needs_rebuild) : json()}};
}

json node_json(const ClusterDetail& detail, const NodeView& node) {
  const auto mark = detail.failover.needs_rebuild.find(node.spec.name);
  return to_json(node, mark == detail.failover.needs_rebuild.end() ? nullptr : &mark->second);
}

json to_json(const FailoverView& view) {
  return {{"auto_failover", view.auto_failover},
          {"detection", view.detection},
          {"reasons", view.reasons},
          {"failing_over", view.failing_over},
          {"last_failover", view.last_failover ? failover_memo_json(*view.last_failover) : json()},
          {"cooldown_until", time_or_null(view.cooldown_until_ms)},
          {"maintenance", view.maintenance ? maintenance_json(*view.maintenance) : json()}};
}

namespace {

json step_json(const JobStep& step) {
  return {{"name", step.name},
          {"state", protocol::to_string(step.state)},
          {"started_at", rfc3339_ms(step.started_at_ms)},
          {"finished_at", step.finished_at_ms == 0 ? json() : json(rfc3339_ms(step.finished_at_ms))},
          {"summary", step.summary},
          {"detail", to_json(step.detail)}};
}

}  // namespace

std::string rfc3339_ms(std::uint64_t unix_ms) { return format_rfc3339_ms(unix_ms); }

json to_json(const protocol::NodeState& s) {
  return {{"cluster", s.cluster},
          {"node", s.node},
          {"flavor", name_or_null(s.flavor)},
          {"version", or_null(s.version)},
          {"server_id", or_null(s.server_id)},
          {"server_uuid", or_null(s.server_uuid)},
          {"gtid_domain_id", or_null(s.gtid_domain_id)},
          {"read_only", or_null(s.read_only)},
          {"super_read_only", or_null(s.super_read_only)},
          {"gtid_binlog_pos", or_null(s.gtid_binlog_pos)},
          {"gtid_binlog_state", or_null(s.gtid_binlog_state)},
          {"gtid_current_pos", or_null(s.gtid_current_pos)},
          {"gtid_slave_pos", or_null(s.gtid_slave_pos)},
          {"gtid_executed", or_null(s.gtid_executed)},
          {"gtid_strict_mode", or_null(s.gtid_strict_mode)},
          {"log_bin", or_null(s.log_bin)},
          {"log_replica_updates", or_null(s.log_replica_updates)},
          {"binlog_format", or_null(s.binlog_format)},
          {"report_host", or_null(s.report_host)},
          {"report_port", or_null(s.report_port)},
          {"replica", s.replica ? replica_json(*s.replica) : json()},
          {"semi_sync", s.semi_sync ? json{{"source", s.semi_sync->source},
                                           {"replica", s.semi_sync->replica},
                                           {"source_active", or_null(s.semi_sync->source_active)},
                                           {"wait_point", or_null(s.semi_sync->wait_point)},
                                           {"timeout_ms", or_null(s.semi_sync->timeout_ms)},
                                           {"kill_conn_timeout_s", or_null(s.semi_sync->kill_conn_timeout_s)}}
                                    : json()},
          {"mysql_reachable", s.mysql_reachable},
          {"probe_error", s.probe_error},
          {"probe_latency_ms", s.probe_latency_ms},
          {"agent_version", s.agent_version},
          {"uptime_s", or_null(s.uptime_s)}};
}

json job_json_without_steps(const Job& job) {
  json out = {{"id", job.id},
              {"kind", protocol::to_string(job.kind)},
              {"dry_run", job.dry_run},
              {"cluster", job.cluster},
              {"state", protocol::to_string(job.state)},
              {"requested_by", job.requested_by},
              {"created_at", rfc3339_ms(job.created_at_ms)},
              {"result", to_json(job.result)}};
  // Only while the job waits for eligibility (wait_s): absent otherwise.
  if (!job.progress.is_null()) out["progress"] = to_json(job.progress);
  return out;
}

json to_json(const JobStep& step) { return step_json(step); }

json to_json(const Job& job) {
  json out = job_json_without_steps(job);
  json steps = json::array();
  for (const auto& step : job.steps) steps.push_back(step_json(step));
  out["steps"] = std::move(steps);
  return out;
}

json to_json(const ClusterSummary& c) {
  return {{"name", c.name},         {"labels", c.labels},       {"primary", or_null(c.primary)},
          {"healthy", c.healthy},   {"max_lag_s", or_null(c.max_lag_s)}, {"last_job", or_null(c.last_job)}};
}

json to_json(const ClusterDetail& c) {
  json nodes = json::array();
  for (const auto& node : c.nodes) nodes.push_back(node_json(c, node));
  return {{"name", c.name},
          {"labels", c.labels},
          {"policy", policy_json(c.policy)},
          {"primary", or_null(c.primary)},
          {"nodes", std::move(nodes)},
          {"failover", to_json(c.failover)}};
}

json to_json(const AgentsView& view) {
  json agents = json::array();
  for (const auto& a : view.agents) {
    agents.push_back({{"cluster", a.cluster},
                      {"node", a.node},
                      {"boot_id", a.boot_id},
                      {"last_seen_age_ms", a.last_seen_age_ms},
                      {"messages", a.messages},
                      {"seq_gaps", a.seq_gaps}});
  }
  return {{"agents", std::move(agents)},
          {"rejected_keys", view.rejected_keys},
          {"rejected_messages", view.rejected_messages}};
}

}  // namespace pivot::controller
