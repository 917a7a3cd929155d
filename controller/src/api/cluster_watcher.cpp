#include "pivot/controller/cluster_watcher.hpp"

#include <tuple>

#include "pivot/controller/cluster_health.hpp"
#include "pivot/controller/event_hub.hpp"
#include "pivot/controller/json_views.hpp"

namespace pivot::controller {
namespace {

using nlohmann::json;

// The node as a listener tells it apart: everything but its age, the probe's
// own timing and mysqld's uptime.
NodeSnapshot snapshot_of(const NodeView& node) {
  NodeSnapshot out{node.spec, node.current, node.state};
  if (out.state) {
    out.state->probe_latency_ms = 0;
    out.state->uptime_s.reset();
  }
  return out;
}

bool same(const NodeSnapshot& a, const NodeSnapshot& b) {
  const auto spec = [](const NodeSpec& s) { return std::tie(s.name, s.host, s.port, s.az, s.role, s.priority); };
  return spec(a.spec) == spec(b.spec) && a.current == b.current && a.state == b.state;
}

json cluster_json(const std::string& name, const std::optional<std::string>& primary, const ClusterHealth& health) {
  return {{"name", name},
          {"primary", primary ? json(*primary) : json()},
          {"health", {{"state", health.state}, {"reasons", health.reasons}}}};
}

}  // namespace

json cluster_event_data(const ClusterDetail& detail) {
  return cluster_json(detail.name, detail.primary, cluster_health(detail));
}

std::vector<ChangeEvent> cluster_changes(ClusterSnapshot& last, const ClusterDetail& now) {
  std::vector<ChangeEvent> out;
  for (const auto& node : now.nodes) {
    auto seen = snapshot_of(node);
    auto it = last.nodes.find(node.spec.name);
    if (it != last.nodes.end() && same(it->second, seen)) continue;
    last.nodes[node.spec.name] = std::move(seen);
    json data = to_json(node);
    data["cluster"] = now.name;
    out.push_back({"node", std::move(data)});
  }
  auto health = cluster_health(now);
  if (!last.sent || last.primary != now.primary || last.health.state != health.state ||
      last.health.reasons != health.reasons) {
    out.push_back({"cluster", cluster_json(now.name, now.primary, health)});
    last.sent = true;
    last.primary = now.primary;
    last.health = std::move(health);
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
