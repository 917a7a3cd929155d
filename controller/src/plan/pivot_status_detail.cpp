#include "pivot/controller/pivot_status_detail.hpp"

namespace pivot::controller {

Detail detail_of(const PivotStatus& status) {
  Detail rejected = Detail::array();
  for (const auto& r : status.rejected) rejected.push_back({{"node", r.node}, {"reason", r.reason}});
  Detail checks = Detail::array();
  for (const auto& c : status.checks) {
    // warning: a failing check that leaves the cluster eligible (additive field).
    checks.push_back({{"id", c.id}, {"ok", c.ok}, {"detail", c.detail}, {"warning", c.warning}});
  }
  return {{"eligible", status.eligible},
          {"primary", status.primary.empty() ? Detail() : Detail(status.primary)},
          {"candidate", status.candidate.empty() ? Detail() : Detail(status.candidate)},
          {"candidate_reason", status.candidate_reason},
          {"rejected", std::move(rejected)},
          {"checks", std::move(checks)}};
}

}  // namespace pivot::controller
