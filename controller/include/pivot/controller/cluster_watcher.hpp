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
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pivot/controller/controller_service.hpp"

namespace pivot::controller {

class EventHub;

// What was last sent for one cluster, without the fields that change with
// every message (state.age_ms, state.probe_latency_ms, state.uptime_s).
struct ClusterSnapshot {
  std::map<std::string, nlohmann::json> nodes;
  nlohmann::json cluster;  // {name, primary, health}
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
