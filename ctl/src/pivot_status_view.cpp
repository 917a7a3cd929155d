// pivotctl pivot-status and the dry run of pivotctl pivot: the checks as the
// rules wrote them (ids and details verbatim), the candidate and why, every
// rejected node with its sentence, and the plan.
#include <ostream>

#include "pivot/ctl/format.hpp"
#include "pivot/ctl/table.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl {

namespace {

using nlohmann::json;

std::string candidate_text(const json& result) {
  if (!member(result, "candidate").is_string()) return "no candidate";
  std::string text = string_of(result, "candidate");
  const std::string reason = string_of(result, "candidate_reason");
  if (!reason.empty()) text += " (" + reason + ")";
  return text;
}

}  // namespace

void print_pivot_status(std::ostream& out, const std::string& cluster, const json& result, bool colour) {
  const json& eligible = member(result, "eligible");
  const bool yes = eligible.is_boolean() && eligible.get<bool>();
  out << cluster << ": " << paint(yes ? "eligible" : "NOT eligible", yes ? Tone::good : Tone::bad, colour)
      << "; candidate " << candidate_text(result) << "\n";

  Table checks({"CHECK", "RESULT", "DETAIL"});
  const json& list = member(result, "checks");
  if (list.is_array()) {
    for (const auto& c : list) {
      const json& ok = member(c, "ok");
      const bool passed = ok.is_boolean() && ok.get<bool>();
      const json& warning = member(c, "warning");  // a failing warning leaves the cluster eligible
      const bool warns = !passed && warning.is_boolean() && warning.get<bool>();
      checks.add({cell_text(c, "id"),
                  Cell(passed ? "ok" : warns ? "WARN" : "FAIL", passed ? Tone::good : warns ? Tone::warn : Tone::bad),
                  string_of(c, "detail")});
    }
  }
  if (!checks.empty()) checks.print(out, colour, "  ");

  Table rejected({"NODE", "REASON"});
  const json& others = member(result, "rejected");
  if (others.is_array()) {
    for (const auto& r : others) rejected.add({cell_text(r, "node"), string_of(r, "reason")});
  }
  if (!rejected.empty()) {
    out << "Rejected candidates:\n";
    rejected.print(out, colour, "  ");
  }
}

void print_plan(std::ostream& out, const std::string& cluster, const json& result, bool /*colour*/) {
  std::string old_primary = string_of(result, "old_primary");
  if (old_primary.empty()) old_primary = string_of(result, "primary");
  std::string new_primary = string_of(result, "new_primary");
  if (new_primary.empty()) new_primary = string_of(result, "candidate");
  const std::string reason = string_of(result, "candidate_reason");

  out << "Plan for " << cluster << " (dry run: nothing changed yet)\n";
  out << "  old primary: " << (old_primary.empty() ? "-" : old_primary) << "\n";
  out << "  new primary: " << (new_primary.empty() ? "-" : new_primary);
  if (!reason.empty()) out << " (" << reason << ")";
  out << "\n  steps:\n";
  const json& plan = member(result, "plan");
  if (plan.is_array()) {
    std::size_t n = 0;
    for (const auto& step : plan) {
      const std::string name = step.is_string() ? step.get<std::string>() : string_of(step, "name");
      const std::string number = std::to_string(++n);
      out << "    " << std::string(number.size() < 2 ? 2 - number.size() : 0, ' ') << number << ". " << name << "\n";
    }
  }
}

}  // namespace pivot::ctl
