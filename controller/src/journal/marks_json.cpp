#include "pivot/controller/marks_json.hpp"

#include <nlohmann/json.hpp>

namespace pivot::controller {
namespace {

using json = nlohmann::json;

template <class T>
T at_or(const json& object, const char* key, T fallback) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? fallback : it->get<T>();
}

}  // namespace

std::string marks_to_json(const ClusterMarks& m) {
  json out = json::object();
  if (const auto& f = m.last_failover) {
    out["last_failover"] = {{"job_id", f->job_id},
                            {"old_primary", f->old_primary},
                            {"new_primary", f->new_primary},
                            {"automatic", f->automatic},
                            {"started_ms", f->started_ms},
                            {"acknowledged", f->acknowledged},
                            {"acknowledged_by", f->acknowledged_by},
                            {"comment", f->comment},
                            {"acknowledged_ms", f->acknowledged_ms},
                            {"old_primary_settled", f->old_primary_settled}};
  }
  if (const auto& w = m.maintenance) {
    out["maintenance"] = {{"until_ms", w->until_ms}, {"reason", w->reason}, {"set_by", w->set_by}, {"set_ms", w->set_ms}};
  }
  json rebuild = json::object();
  for (const auto& [node, mark] : m.needs_rebuild) {
    rebuild[node] = {{"extra_gtids", mark.extra_gtids},
                     {"extra_count", mark.extra_count},
                     {"job_id", mark.job_id},
                     {"marked_ms", mark.marked_ms}};
  }
  out["needs_rebuild"] = std::move(rebuild);
  out["auto_failovers_ms"] = m.auto_failovers_ms;
  if (const auto& p = m.last_primary) {
    out["last_primary"] = {{"node", p->node},
                           {"flavor", p->flavor},
                           {"server_id", p->server_id ? json(*p->server_id) : json()},
                           {"server_uuid", p->server_uuid},
                           {"gtid_binlog_pos", p->gtid_binlog_pos},
                           {"gtid_binlog_state", p->gtid_binlog_state},
                           {"gtid_executed", p->gtid_executed},
                           {"uptime_s", p->uptime_s ? json(*p->uptime_s) : json()},
                           {"seen_ms", p->seen_ms}};
  }
  return out.dump();
}

Result<ClusterMarks> marks_from_json(const std::string& text) {
  try {
    const json in = json::parse(text);
    if (!in.is_object()) return make_error("bad_request", "cluster marks are not a JSON object");
    ClusterMarks m;
    if (auto it = in.find("last_failover"); it != in.end() && it->is_object()) {
      const auto& f = *it;
      m.last_failover = FailoverMemo{.job_id = at_or<std::string>(f, "job_id", ""),
                                     .old_primary = at_or<std::string>(f, "old_primary", ""),
                                     .new_primary = at_or<std::string>(f, "new_primary", ""),
                                     .automatic = at_or(f, "automatic", false),
                                     .started_ms = at_or<std::uint64_t>(f, "started_ms", 0),
                                     .acknowledged = at_or(f, "acknowledged", false),
                                     .acknowledged_by = at_or<std::string>(f, "acknowledged_by", ""),
                                     .comment = at_or<std::string>(f, "comment", ""),
                                     .acknowledged_ms = at_or<std::uint64_t>(f, "acknowledged_ms", 0),
                                     .old_primary_settled = at_or(f, "old_primary_settled", false)};
    }
    if (auto it = in.find("maintenance"); it != in.end() && it->is_object()) {
      m.maintenance = MaintenanceWindow{.until_ms = at_or<std::uint64_t>(*it, "until_ms", 0),
                                        .reason = at_or<std::string>(*it, "reason", ""),
                                        .set_by = at_or<std::string>(*it, "set_by", ""),
                                        .set_ms = at_or<std::uint64_t>(*it, "set_ms", 0)};
    }
    if (auto it = in.find("needs_rebuild"); it != in.end() && it->is_object()) {
      for (const auto& [node, mark] : it->items()) {
        m.needs_rebuild[node] = RebuildMark{.extra_gtids = at_or<std::string>(mark, "extra_gtids", ""),
                                            .extra_count = at_or<std::uint64_t>(mark, "extra_count", 0),
                                            .job_id = at_or<std::string>(mark, "job_id", ""),
                                            .marked_ms = at_or<std::uint64_t>(mark, "marked_ms", 0)};
      }
    }
    m.auto_failovers_ms = at_or(in, "auto_failovers_ms", std::vector<std::uint64_t>{});
    if (auto it = in.find("last_primary"); it != in.end() && it->is_object()) {
      const auto& p = *it;
      m.last_primary = LastPrimary{.node = at_or<std::string>(p, "node", ""),
                                   .flavor = at_or<std::string>(p, "flavor", ""),
                                   .server_id = p.contains("server_id") && p["server_id"].is_number_unsigned()
                                                    ? std::optional(p["server_id"].get<std::uint32_t>())
                                                    : std::nullopt,
                                   .server_uuid = at_or<std::string>(p, "server_uuid", ""),
                                   .gtid_binlog_pos = at_or<std::string>(p, "gtid_binlog_pos", ""),
                                   .gtid_binlog_state = at_or<std::string>(p, "gtid_binlog_state", ""),
                                   .gtid_executed = at_or<std::string>(p, "gtid_executed", ""),
                                   .uptime_s = p.contains("uptime_s") && p["uptime_s"].is_number_unsigned()
                                                   ? std::optional(p["uptime_s"].get<std::uint64_t>())
                                                   : std::nullopt,
                                   .seen_ms = at_or<std::uint64_t>(p, "seen_ms", 0)};
    }
    return m;
  } catch (const json::exception& e) {
    return make_error("bad_request", std::string("cluster marks are not valid: ") + e.what());
  }
}

}  // namespace pivot::controller
