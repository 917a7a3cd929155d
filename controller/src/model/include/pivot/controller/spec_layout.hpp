#pragma once
// Layouts a spec's own policy can never accept: promotable nodes too few for
// `min_replicas`, or in too few AZs for `az_spread`, so that every pivot of
// the cluster would be refused by pivot status however healthy it is. Found
// from the spec alone, before any pivot, and reported as warnings: the spec
// still loads (an operator may be moving nodes in), but it is told now, not
// in the middle of an incident. Pure.

#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"

namespace pivot::controller {

struct LayoutWarning {
  std::string key;      // "policy.min_replicas", "policy.az_spread", "nodes"
  std::string message;  // names the nodes and AZs, and what to change
};

// The best a pivot can reach is every promotable node but the candidate
// replicating from it, across every AZ that holds a promotable node
// (rules/after_pivot_checks.cpp counts exactly these): when even that falls
// short of the policy, nothing observed can ever make a pivot eligible.
std::vector<LayoutWarning> layout_warnings(const ClusterSpec& spec);

}  // namespace pivot::controller
