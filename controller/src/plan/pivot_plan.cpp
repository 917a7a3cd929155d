#include "pivot_plan.hpp"

#include <type_traits>
#include <variant>

#include "pivot/protocol/errors.hpp"

namespace pivot::controller {

namespace plan {
namespace {

protocol::Command command(std::string id, const char* action, std::uint64_t timeout_ms, protocol::ValueMap args = {}) {
  protocol::Command c;
  c.id = std::move(id);
  c.action = action;
  c.args = std::move(args);
  c.timeout_ms = timeout_ms;
  return c;  // epoch: set by the AgentPort adapter
}

const std::string* string_at(const protocol::ValueMap& detail, const char* key) {
  auto it = detail.find(key);
  return it == detail.end() ? nullptr : std::get_if<std::string>(&it->second);
}

}  // namespace

std::string command_id(const std::string& job_id, const std::string& step, const std::string& node,
                       const std::string& action) {
  std::string id = job_id + "/" + step + "/" + node;
  if (!action.empty()) id += "/" + action;
  return id;
}

protocol::Command set_read_only(std::string id, bool read_only) {
  return command(std::move(id), "set_read_only", kSetReadOnlyTimeoutMs, {{"read_only", read_only}});
}

protocol::Command make_writable(std::string id, const Policy& policy, bool no_source) {
  protocol::Command c = set_read_only(std::move(id), false);
  if (no_source) c.args["no_source"] = true;
  if (policy.durability == Durability::semi_sync) {
    c.args["semi_sync_timeout_ms"] = static_cast<std::int64_t>(semi_sync_timeout_ms(policy));
  }
  return c;
}

protocol::Command set_semi_sync(std::string id, bool source, bool replica, const Policy& policy) {
  protocol::ValueMap args{{"source", source}, {"replica", replica}};
  if (source) args["timeout_ms"] = static_cast<std::int64_t>(semi_sync_timeout_ms(policy));
  return command(std::move(id), "set_semi_sync", kSetSemiSyncTimeoutMs, std::move(args));
}

protocol::Command as_replica(protocol::Command change_source, const Policy& policy) {
  if (policy.durability == Durability::semi_sync) change_source.args["semi_sync_source_off"] = true;
  return change_source;
}

protocol::Command kill_connections(std::string id) {
  return command(std::move(id), "kill_connections", kKillConnectionsTimeoutMs);
}

protocol::Command fence_writes(std::string id, std::uint64_t lease_ms, bool read_only) {
  protocol::ValueMap args{{"lease_ms", static_cast<std::int64_t>(lease_ms)}};
  if (read_only) args["read_only"] = true;
  return command(std::move(id), "fence_writes", kFenceWritesTimeoutMs + (read_only ? kSetReadOnlyTimeoutMs : 0),
                 std::move(args));
}

protocol::Command release_fence(std::string id, bool kill_clients) {
  protocol::ValueMap args;
  if (kill_clients) args["kill_clients"] = true;
  return command(std::move(id), "release_fence", kReleaseFenceTimeoutMs, std::move(args));
}

std::uint64_t fence_lease_ms(const Policy& policy) {
  constexpr std::uint64_t kMarginMs = 30000;
  return static_cast<std::uint64_t>(policy.catch_up_timeout_ms) + static_cast<std::uint64_t>(policy.hook_timeout_ms) +
         kReportPositionTimeoutMs * 2 + kPositionReadMarginMs + kResetReplicationTimeoutMs + kSetReadOnlyTimeoutMs +
         kKillConnectionsTimeoutMs + kReleaseFenceTimeoutMs + kMarginMs;
}

bool changes_nothing(const std::string& action) {
  return action == "report_position" || action == "wait_for_position" || action == "ping";
}

protocol::Command ping(std::string id) { return command(std::move(id), "ping", kReportPositionTimeoutMs); }

bool ping_answered(bool ok, const std::string& error) { return ok || error == protocol::errc::unknown_action; }

protocol::Command report_position(std::string id) {
  return command(std::move(id), "report_position", kReportPositionTimeoutMs);
}

protocol::Command stop_io_thread(std::string id) {
  return command(std::move(id), "stop_io_thread", kStopReplicationTimeoutMs);
}

protocol::Command start_replication(std::string id) {
  return command(std::move(id), "start_replication", kStopReplicationTimeoutMs);
}

protocol::Command reset_replication(std::string id, const std::string& applied) {
  protocol::ValueMap args;
  if (!applied.empty()) args["applied"] = applied;
  return command(std::move(id), "reset_replication", kResetReplicationTimeoutMs, std::move(args));
}

protocol::Command wait_for_position(std::string id, const std::string& position, std::uint64_t wait_ms) {
  return command(std::move(id), "wait_for_position", wait_ms + kPositionReadMarginMs,
                 {{"position", position}, {"timeout_ms", static_cast<std::int64_t>(wait_ms)}});
}

protocol::Command change_source(std::string id, const NodeSpec& source, const std::string& use_gtid,
                                bool seed_gtid_slave_pos, bool start_io) {
  protocol::ValueMap args{{"host", source.host},
                          {"port", static_cast<std::int64_t>(source.port)},
                          {"use_gtid", use_gtid}};
  if (seed_gtid_slave_pos) args["seed_gtid_slave_pos"] = true;
  if (start_io) args["start_io"] = true;
  return command(std::move(id), "change_source", kChangeSourceTimeoutMs, std::move(args));
}

std::optional<Position> position_of(const protocol::ValueMap& detail) {
  if (const auto* pos = string_at(detail, "gtid_binlog_pos")) return Position{*pos, "slave_pos"};
  if (const auto* set = string_at(detail, "gtid_executed")) return Position{*set, "auto_position"};
  return std::nullopt;
}

CallOutcome outcome_of(const std::string& node, protocol::Command command,
                       const Result<protocol::CommandResult>& answer) {
  CallOutcome o;
  o.node = node;
  o.command = std::move(command);
  if (!answer) {
    o.error = answer.error().code;
    o.message = answer.error().message;
    return o;
  }
  o.ok = answer->ok;
  o.detail = answer->detail;
  o.agent_ms = answer->duration_ms;
  if (!o.ok) {
    o.error = answer->error.empty() ? "failed" : answer->error;
    if (const auto* message = string_at(o.detail, "message")) o.message = *message;
  }
  return o;
}

void require_reached(CallOutcome& o) {
  auto it = o.detail.find("reached");
  if (!o.ok || (it != o.detail.end() && it->second == protocol::Value(true))) return;
  o.ok = false;
  o.error = "position_timeout";
  o.message = "the agent answered ok without reached: true";
}

std::optional<std::string> not_applying(const protocol::ValueMap& detail) {
  auto flag = [&detail](const char* key, bool fallback) {
    auto it = detail.find(key);
    const bool* value = it == detail.end() ? nullptr : std::get_if<bool>(&it->second);
    return value ? *value : fallback;
  };
  const bool started = flag("started", true);
  const bool io = flag("io_started", started);
  const bool sql = flag("sql_started", started);
  std::int64_t delay = 0;
  if (auto it = detail.find("sql_delay"); it != detail.end()) {
    if (const auto* seconds = std::get_if<std::int64_t>(&it->second)) delay = *seconds;
  }
  std::string why;
  if (!io && !sql) {
    why = "replication left stopped, as the operator had it";
  } else if (!io || !sql) {
    why = std::string(io ? "SQL" : "IO") + " thread left stopped, as the operator had it";
  }
  if (delay > 0) why += (why.empty() ? "" : "; ") + std::string("delayed ") + std::to_string(delay) + " s";
  if (why.empty()) return std::nullopt;
  return why;
}

std::string describe_failure(const CallOutcome& o) {
  std::string text = o.command.action + " on " + o.node + " failed (" + o.error + ")";
  if (!o.message.empty()) text += ": " + o.message;
  return text;
}

Detail detail_of(const protocol::ValueMap& values) {
  Detail out = Detail::object();
  for (const auto& [key, value] : values) {
    out[key] = std::visit(
        [](const auto& v) -> Detail {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) {
            return nullptr;
          } else {
            return v;
          }
        },
        value);
  }
  return out;
}

protocol::ValueMap value_map_of(const Detail& object) {
  protocol::ValueMap out;
  for (const auto& [key, value] : object.members()) {
    if (value.is_boolean()) {
      out[key] = value.get<bool>();
    } else if (value.is_number_integer()) {
      out[key] = value.get<std::int64_t>();
    } else if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else {
      out[key] = std::monostate{};
    }
  }
  return out;
}

Detail detail_of(const CallOutcome& o) {
  Detail out{{"node", o.node},   {"action", o.command.action}, {"id", o.command.id},
             {"args", detail_of(o.command.args)}, {"ok", o.ok}, {"detail", detail_of(o.detail)}};
  if (!o.ok) {
    out["error"] = o.error;
    out["message"] = o.message;
  }
  out["agent_ms"] = o.agent_ms;
  out["journal_us"] = o.journal_us;
  out["round_trip_us"] = o.round_trip_us;
  return out;
}

std::string host_port(const NodeSpec& node) { return node.host + ":" + std::to_string(node.port); }

std::map<std::string, std::string> hook_env(const std::string& kind, const std::string& cluster, const std::string& job_id,
                                            const NodeSpec& old_primary, const NodeSpec& new_primary) {
  return {{"PIVOT_KIND", kind},
          {"PIVOT_CLUSTER", cluster},
          {"PIVOT_JOB", job_id},
          {"PIVOT_OLD_NODE", old_primary.name},
          {"PIVOT_NEW_NODE", new_primary.name},
          {"PIVOT_OLD_PRIMARY", host_port(old_primary)},
          {"PIVOT_NEW_PRIMARY", host_port(new_primary)}};
}

}  // namespace plan
}  // namespace pivot::controller
