#include "cluster_view.hpp"

namespace pivot::controller::rules {

namespace {

// Why a node's state cannot be used at `now`, or "" when it can.
std::string unknown_reason(const std::string& name, const ObservedNode* node, std::uint64_t now_ms,
                           const Policy& policy) {
  if (node == nullptr) return name + "'s agent has never reported";
  const auto age = age_ms(*node, now_ms);
  if (age > static_cast<std::uint64_t>(policy.agent_fresh_ms)) {
    return name + "'s agent has not reported for " + std::to_string(age) + " ms (limit " +
           std::to_string(policy.agent_fresh_ms) + " ms)";
  }
  if (!node->state) return name + "'s agent has not sent its state yet";
  if (!node->state->mysql_reachable) {
    const auto& error = node->state->probe_error;
    return name + "'s mysqld is unreachable" + (error.empty() ? "" : " (" + error + ")");
  }
  return "";
}

}  // namespace

const NodeView* ClusterView::find(const std::string& name) const {
  for (const auto& node : nodes) {
    if (node.name() == name) return &node;
  }
  return nullptr;
}

ClusterView make_view(const ClusterSpec& spec, const ClusterObservation& observed, std::uint64_t now_ms) {
  ClusterView view;
  view.spec = &spec;
  view.nodes.reserve(spec.nodes.size());
  for (const auto& node : spec.nodes) {
    NodeView v;
    v.spec = &node;
    v.observed = observed.find(node.name);
    v.unknown = unknown_reason(node.name, v.observed, now_ms, spec.policy);
    if (v.unknown.empty()) v.state = &*v.observed->state;
    v.current = current_role(v.observed, now_ms, spec.policy);
    view.nodes.push_back(std::move(v));
  }
  if (auto primary = observed_primary(spec, observed, now_ms)) view.primary = view.find(*primary);
  return view;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace pivot::controller::rules
