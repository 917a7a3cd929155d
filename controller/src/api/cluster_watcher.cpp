#include "pivot/controller/cluster_watcher.hpp"

#include "pivot/controller/cluster_health.hpp"
#include "pivot/controller/event_hub.hpp"
#include "pivot/controller/json_views.hpp"

namespace pivot::controller {
namespace {

using nlohmann::json;

// The node object without what changes at every message: two snapshots that
// differ only there are the same for a listener.
json stable(const json& node) {
  json out = node;
  if (auto& state = out["state"]; state.is_object()) {
    state.erase("age_ms");
    state.erase("probe_latency_ms");
    state.erase("uptime_s");
  }
  return out;
}

}  // namespace

json cluster_event_data(const ClusterDetail& detail) {
  const auto health = cluster_health(detail);
  return {{"name", detail.name},
          {"primary", detail.primary ? json(*detail.primary) : json()},
          {"health", {{"state", health.state}, {"reasons", health.reasons}}}};
}

std::vector<ChangeEvent> cluster_changes(ClusterSnapshot& last, const ClusterDetail& now) {
  std::vector<ChangeEvent> out;
  for (const auto& node : now.nodes) {
    json data = to_json(node);
    data["cluster"] = now.name;
    json key = stable(data);
    auto& seen = last.nodes[node.spec.name];
    if (seen == key) continue;
    seen = std::move(key);
    out.push_back({"node", std::move(data)});
  }
  json cluster = cluster_event_data(now);
  if (last.cluster != cluster) {
    last.cluster = cluster;
    out.push_back({"cluster", std::move(cluster)});
  }
  return out;
}

void ClusterWatcher::mark(const std::string& cluster) {
  std::lock_guard lock(mu_);
  marked_.insert(cluster);
}

void ClusterWatcher::refresh(bool all) {
  std::set<std::string> names;
  {
    std::lock_guard lock(mu_);
    names.swap(marked_);
  }
  if (all) {
    for (const auto& summary : service_.clusters()) names.insert(summary.name);
  }
  for (const auto& name : names) {
    auto detail = service_.cluster(name);
    if (!detail) {  // unloaded by a reload: start afresh if it comes back
      last_.erase(name);
      continue;
    }
    for (auto& change : cluster_changes(last_[name], *detail)) hub_.publish(change.type, name, change.data);
  }
}

}  // namespace pivot::controller
