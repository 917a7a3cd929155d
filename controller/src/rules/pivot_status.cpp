// evaluate_pivot_status: the checks of ARCHITECTURE.md ("Pivot status") in
// their documented order, on one view of the cluster taken at `now`.

#include "pivot/controller/pivot_status.hpp"

#include <algorithm>

#include "candidate_choice.hpp"
#include "checks.hpp"

namespace pivot::controller {

PivotStatus evaluate_pivot_status(const PivotStatusInput& input) {
  const auto view = rules::make_view(input.spec, input.observed, input.now_ms);
  PivotStatus status;
  if (view.primary) status.primary = view.primary->name();
  status.checks = {rules::agents_fresh(view, input.now_ms), rules::single_writable_primary(view),
                   rules::gtid_replication(view)};

  std::vector<Check> candidate_checks;
  if (input.candidate) {
    // A named candidate absent from the spec keeps its name, so the operator
    // sees which name was refused.
    status.candidate = *input.candidate;
    status.candidate_reason = "named by the operator";
    status.rejected = rules::rejected_besides(view, status.candidate);
    candidate_checks = rules::candidate_checks(view, status.candidate);
  } else {
    auto choice = rules::choose_candidate(view);
    status.candidate = std::move(choice.candidate);
    status.candidate_reason = std::move(choice.reason);
    status.rejected = std::move(choice.rejected);
    candidate_checks = std::move(choice.checks);
  }
  status.checks.insert(status.checks.end(), candidate_checks.begin(), candidate_checks.end());

  const auto* candidate = view.find(status.candidate);
  status.checks.push_back(rules::replicas_after_pivot(view, candidate));
  status.checks.push_back(rules::az_spread(view, candidate));
  status.checks.push_back(rules::no_job_in_progress(input.job_in_progress));
  status.checks.push_back(rules::gtid_strict_mode(view));
  status.checks.push_back(rules::candidate_gtid_domains(candidate));
  status.checks.push_back(rules::old_primary_demotable(view));
  status.checks.push_back(rules::semi_sync_settings(view));
  status.checks.push_back(rules::slave_net_timeout(view));
  status.eligible =
      std::all_of(status.checks.begin(), status.checks.end(), [](const Check& c) { return c.ok || c.warning; });
  return status;
}

std::vector<std::string> pivot_check_ids() {
  const ClusterSpec no_spec;
  const ClusterObservation nothing_seen;
  std::vector<std::string> ids;
  const PivotStatusInput input{
      .spec = no_spec, .observed = nothing_seen, .now_ms = 0, .job_in_progress = false, .candidate = std::nullopt};
  for (const Check& check : evaluate_pivot_status(input).checks) {
    ids.push_back(check.id);
  }
  return ids;
}

const Check* PivotStatus::find(const std::string& id) const {
  for (const auto& check : checks) {
    if (check.id == id) return &check;
  }
  return nullptr;
}

}  // namespace pivot::controller
