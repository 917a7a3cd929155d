#pragma once
// Internal to rules/: choosing the candidate when the operator names none.

#include <string>
#include <vector>

#include "cluster_view.hpp"
#include "pivot/controller/pivot_status.hpp"

namespace pivot::controller::rules {

struct Choice {
  std::string candidate;           // "" when no node other than the primary is promotable
  std::string reason;              // a sentence: why this one
  std::vector<Check> checks;       // the six candidate checks of the chosen one
  std::vector<Rejected> rejected;  // every other spec node
};

// Among the promotable nodes other than the primary, the first by: passes
// every candidate check, least lag (seconds, then GTID transactions), highest
// priority, keeps the AZ spread, name. When none passes, the one failing the
// fewest candidate checks is still chosen (eligible stays false): its failing
// checks tell the operator what to fix, where an empty candidate would not.
// (Candidates that pass every check are followed by the same replicas, so the
// AZ criterion mostly orders the failing ones; it is kept in the documented
// place for when that changes.)
Choice choose_candidate(const ClusterView& view);

// The rejected list when the operator named `candidate`.
std::vector<Rejected> rejected_besides(const ClusterView& view, const std::string& candidate);

}  // namespace pivot::controller::rules
