#pragma once
// ClusterWatcher: turns what pivotd observes into `node` and `cluster` events.
// The bus marks a cluster when one of its agents speaks; refresh() (pivotd's
// 100 ms timer) reads each marked cluster as GET /v1/clusters/{name} shows it
// and publishes what changed since the last event: a node whose object
// changed (its age and the probe's own timing aside), a cluster whose primary
// or health changed. refresh(true) reads every cluster: a node that goes
// silent becomes `unknown` without any message saying so.

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pivot/controller/cluster_health.hpp"
#include "pivot/controller/controller_service.hpp"

namespace pivot::controller {

class EventHub;

// What was last sent for one node, without the fields that change with
// every message (its age, the probe's latency, mysqld's uptime): compared as
// plain structs, so that the JSON is made only for a node that changed (the
// bus marks a cluster at every heartbeat of its agents).
struct NodeSnapshot {
  NodeSpec spec;
  Current current = Current::unknown;
  std::optional<protocol::NodeState> state;
};

// What was last sent for one cluster.
struct ClusterSnapshot {
  std::map<std::string, NodeSnapshot> nodes;
  bool sent = false;  // the cluster event below was sent
  std::optional<std::string> primary;
  ClusterHealth health;
};

struct ChangeEvent {
  std::string type;  // node, cluster
  nlohmann::json data;
};

// Pure: the events that take `last` to `now`, nodes in spec order then the
// cluster; `last` becomes `now`.
std::vector<ChangeEvent> cluster_changes(ClusterSnapshot& last, const ClusterDetail& now);
// {name, primary, health: {state, reasons}}: a `cluster` event's data.
nlohmann::json cluster_event_data(const ClusterDetail& detail);

class ClusterWatcher {
 public:
  ClusterWatcher(ControllerService& service, EventHub& hub) : service_(service), hub_(hub) {}
  // Any thread; cheap (the bus calls it for every message).
  void mark(const std::string& cluster);
  // One thread at a time: the marked clusters, or all of them.
  void refresh(bool all);

 private:
  ControllerService& service_;
  EventHub& hub_;
  std::mutex mu_;  // guards marked_
  std::set<std::string> marked_;
  std::map<std::string, ClusterSnapshot> last_;  // refresh's own
};

}  // namespace pivot::controller
