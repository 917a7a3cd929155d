// What pivotd decided about failing a cluster over, as pivotctl prints it
// (status, acknowledge, maintenance): the health and its reasons, automatic
// failover and its cooldown, the last failover and its acknowledge, the
// maintenance window, the nodes marked needs_rebuild. From GET
// /v1/clusters/{name}'s "health", "failover" and each node's "needs_rebuild".
#include <ostream>

#include "pivot/ctl/format.hpp"
#include "pivot/ctl/table.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl {

namespace {

using nlohmann::json;

Tone health_tone(const std::string& state) {
  if (state == "ok") return Tone::good;
  if (state == "needs_attention") return Tone::bad;
  return Tone::warn;  // degraded, failing_over, maintenance
}

bool flag(const json& object, const std::string& key) {
  const json& v = member(object, key);
  return v.is_boolean() && v.get<bool>();
}

}  // namespace

void print_health(std::ostream& out, const json& health, bool colour) {
  if (!health.is_object()) return;
  const std::string state = string_of(health, "state");
  out << "Health: " << paint(state.empty() ? "-" : state, health_tone(state), colour) << "\n";
  const json& reasons = member(health, "reasons");
  if (!reasons.is_array()) return;
  for (const auto& reason : reasons) {
    if (reason.is_string()) out << "  - " << reason.get<std::string>() << "\n";
  }
}

void print_failover_view(std::ostream& out, const std::string& cluster, const json& failover, bool colour) {
  if (!failover.is_object()) return;
  out << "Automatic failover: " << (flag(failover, "auto_failover") ? "on" : "off");
  const std::string detection = string_of(failover, "detection");
  if (!detection.empty()) out << "; detection: " << detection;
  if (flag(failover, "failing_over")) out << "; " << paint("failing over now", Tone::warn, colour);
  out << "\n";
  const std::string cooldown = string_of(failover, "cooldown_until");
  if (!cooldown.empty()) {
    out << paint("Cooldown until " + short_time(cooldown), Tone::warn, colour)
        << ": no automatic failover until then (`pivotctl acknowledge " << cluster << " --comment TEXT` ends it)\n";
  }
  const json& last = member(failover, "last_failover");
  if (last.is_object()) {
    out << "Last failover: " << cell_text(last, "job") << ", " << cell_text(last, "old_primary") << " -> "
        << cell_text(last, "new_primary") << (flag(last, "automatic") ? " (automatic)" : " (manual)") << ", started "
        << short_time(cell_text(last, "started_at"));
    if (flag(last, "acknowledged")) {
      out << "; acknowledged by " << cell_text(last, "acknowledged_by") << " at "
          << short_time(cell_text(last, "acknowledged_at")) << ": " << cell_text(last, "comment");
    } else {
      out << "; " << paint("not acknowledged", Tone::warn, colour);
    }
    out << "\n";
  }
  const json& window = member(failover, "maintenance");
  if (window.is_object()) {
    out << paint("Maintenance until " + short_time(cell_text(window, "until")), Tone::warn, colour) << ": "
        << cell_text(window, "reason") << " (set by " << cell_text(window, "set_by") << " at "
        << short_time(cell_text(window, "set_at")) << "; no automatic failover, no pivot)\n";
  }
}

void print_rebuild_marks(std::ostream& out, const std::string& cluster, const json& nodes, bool colour) {
  if (!nodes.is_array()) return;
  for (const auto& node : nodes) {
    const json& mark = member(node, "needs_rebuild");
    if (!mark.is_object()) continue;
    const std::string name = cell_text(node, "name");
    const auto count = uint_of(mark, "count");
    std::string extra = count ? std::to_string(*count) + (*count == 1 ? " extra transaction" : " extra transactions")
                              : "extra transactions";
    const std::string gtids = string_of(mark, "extra_gtids");
    if (!gtids.empty()) extra += " (" + gtids + ")";
    out << paint(name + " needs rebuild", Tone::bad, colour) << ": " << extra << " since failover "
        << cell_text(mark, "job") << "; kept read-only. Once rebuilt: `pivotctl acknowledge " << cluster
        << " --comment TEXT --rebuilt " << name << "`\n";
  }
}

}  // namespace pivot::ctl
