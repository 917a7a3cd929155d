#include "pivot/controller/cluster_watcher.hpp"

#include <algorithm>
#include <tuple>

#include "pivot/controller/cluster_health.hpp"
#include "pivot/controller/event_hub.hpp"
#include "pivot/controller/json_views.hpp"

namespace pivot::controller {
namespace {

using nlohmann::json;

bool same_spec(const NodeSpec& a, const NodeSpec& b) {
  const auto spec = [](const NodeSpec& s) { return std::tie(s.name, s.host, s.port, s.az, s.role, s.priority); };
  return spec(a) == spec(b);
}

// The stamp of `name`: at `index` when the spec's order is the stamps' (it
// is, unless the specs were reloaded between the two reads), else searched.
const NodeStamp* stamp_of(const ClusterStamps& stamps, std::size_t index, const std::string& name) {
  if (index < stamps.nodes.size() && stamps.nodes[index].name == name) return &stamps.nodes[index];
  auto it = std::find_if(stamps.nodes.begin(), stamps.nodes.end(), [&](const NodeStamp& s) { return s.name == name; });
  return it == stamps.nodes.end() ? nullptr : &*it;
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

bool node_due(const NodeSent* last, const NodeStamp& now, std::uint64_t now_ms, std::uint64_t position_interval_ms) {
  if (!last) return true;
  const auto& was = last->stamp;
  if (was.current != now.current || was.revision != now.revision || was.lagging != now.lagging) return true;
  return was.position_moves != now.position_moves && now_ms >= last->sent_ms + position_interval_ms;
}

bool cluster_due(const ClusterSnapshot& last, const ClusterStamps& now, std::uint64_t now_ms,
                 std::uint64_t position_interval_ms) {
  if (!last.sent || last.specs_generation != now.specs_generation) return true;
  return std::any_of(now.nodes.begin(), now.nodes.end(), [&](const NodeStamp& stamp) {
    auto it = last.nodes.find(stamp.name);
    return node_due(it == last.nodes.end() ? nullptr : &it->second, stamp, now_ms, position_interval_ms);
  });
}

std::vector<ChangeEvent> cluster_changes(ClusterSnapshot& last, const ClusterStamps& stamps, const ClusterDetail& now,
                                         std::uint64_t now_ms, std::uint64_t position_interval_ms) {
  std::vector<ChangeEvent> out;
  if (last.specs_generation != stamps.specs_generation) {
    // Reloaded specs: forget nodes no longer in this cluster's spec.
    std::erase_if(last.nodes, [&](const auto& entry) {
      return std::none_of(now.nodes.begin(), now.nodes.end(),
                          [&](const NodeView& node) { return node.spec.name == entry.first; });
    });
    last.specs_generation = stamps.specs_generation;
  }
  for (std::size_t i = 0; i < now.nodes.size(); ++i) {
    const auto& node = now.nodes[i];
    const NodeStamp* stamp = stamp_of(stamps, i, node.spec.name);
    auto it = last.nodes.find(node.spec.name);
    const NodeSent* sent = it == last.nodes.end() ? nullptr : &it->second;
    // A node missing from the stamps came with a reload between the two
    // reads: sent now, and compared again at the next tick.
    const bool due = !stamp || !sent || !same_spec(sent->spec, node.spec) ||
                     node_due(sent, *stamp, now_ms, position_interval_ms);
    if (!due) continue;
    last.nodes[node.spec.name] = NodeSent{node.spec, stamp ? *stamp : NodeStamp{}, now_ms};
    // The detail may be a message newer than the stamps: the event carries
    // the newer state and the next tick sends that message's change again.
    json data = node_json(now, node);  // needs_rebuild included, as GET /v1/clusters/{name} shows the node
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
    if (!stamps_(name, stamps_read_)) {  // unloaded by a reload: start afresh if it comes back
      last_.erase(name);
      continue;
    }
    auto& last = last_[name];
    const std::uint64_t now_ms = clock_.steady_ms();
    // The common case at scale: a heartbeat, or positions sent less than an
    // interval ago; nothing copied, nothing built.
    if (!all && !cluster_due(last, stamps_read_, now_ms, options_.position_interval_ms)) continue;
    auto detail = service_.cluster(name);
    if (!detail) {
      last_.erase(name);
      continue;
    }
    for (auto& change : cluster_changes(last, stamps_read_, *detail, now_ms, options_.position_interval_ms)) {
      hub_.publish(change.type, name, change.data);
    }
  }
}

}  // namespace pivot::controller
