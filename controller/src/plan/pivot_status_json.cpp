#include "pivot/controller/json_views.hpp"

namespace pivot::controller {

nlohmann::json to_json(const PivotStatus& status) {
  nlohmann::json rejected = nlohmann::json::array();
  for (const auto& r : status.rejected) rejected.push_back({{"node", r.node}, {"reason", r.reason}});
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& c : status.checks) checks.push_back({{"id", c.id}, {"ok", c.ok}, {"detail", c.detail}});
  return {{"eligible", status.eligible},
          {"primary", status.primary.empty() ? nlohmann::json() : nlohmann::json(status.primary)},
          {"candidate", status.candidate.empty() ? nlohmann::json() : nlohmann::json(status.candidate)},
          {"candidate_reason", status.candidate_reason},
          {"rejected", std::move(rejected)},
          {"checks", std::move(checks)}};
}

}  // namespace pivot::controller
