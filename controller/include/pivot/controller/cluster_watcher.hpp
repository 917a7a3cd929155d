#pragma once
// ClusterWatcher: turns what pivotd observes into `node` and `cluster` events.
// The bus marks a cluster when one of its agents speaks; refresh() (pivotd's
// 100 ms timer) reads each marked cluster's stamps (node_change.hpp: each
// node's observed role and change counters, a few integers under the model's
// lock) and only for a cluster where a node's event is due reads it as
// GET /v1/clusters/{name} shows it, publishing:
// - a node whose role or anything but its positions and the probe's timing
//   changed, or whose replica lag crossed the policy's limit: at once;
// - a node whose only change is its positions (GTIDs, seconds_behind): at
//   most once per position_interval_ms (docs/api.md, "GET /v1/events");
// - the cluster, when its primary or health changed.
// refresh(true) reads every cluster in full: a node that goes silent becomes
// `unknown` without any message saying so, and health's inputs that are not
// the nodes' (a job's needs_attention) are seen within a second.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pivot/controller/cluster_health.hpp"
#include "pivot/controller/controller_service.hpp"
#include "pivot/controller/node_change.hpp"
#include "pivot/controller/ports.hpp"

namespace pivot::controller {

class EventHub;

struct WatcherOptions {
  // A node whose only change is its replication positions is sent at most
  // this often (the TUI reads the cluster it shows every 2 s anyway); any
  // other change of it goes at once.
  std::uint64_t position_interval_ms = 2000;
};

// What was last sent for one node.
struct NodeSent {
  NodeSpec spec;
  NodeStamp stamp;
  std::uint64_t sent_ms = 0;  // steady clock
};

// What was last sent for one cluster.
struct ClusterSnapshot {
  std::uint64_t specs_generation = 0;
  std::map<std::string, NodeSent> nodes;
  bool sent = false;  // the cluster event below was sent
  std::optional<std::string> primary;
  ClusterHealth health;
};

struct ChangeEvent {
  std::string type;  // node, cluster
  nlohmann::json data;
};

// Pure. Whether a node's event is due: never sent, its role, revision or
// lagging changed, or its positions moved and the last event is at least
// `position_interval_ms` old.
bool node_due(const NodeSent* last, const NodeStamp& now, std::uint64_t now_ms, std::uint64_t position_interval_ms);
// Pure. Whether any node of the cluster is due, or its specs were reloaded:
// the only case in which the cluster is read in full between full refreshes.
bool cluster_due(const ClusterSnapshot& last, const ClusterStamps& now, std::uint64_t now_ms,
                 std::uint64_t position_interval_ms);
// Pure: the events that take `last` to `now` (the detail read after
// `stamps`), nodes in spec order then the cluster; `last` becomes what was sent.
std::vector<ChangeEvent> cluster_changes(ClusterSnapshot& last, const ClusterStamps& stamps, const ClusterDetail& now,
                                         std::uint64_t now_ms, std::uint64_t position_interval_ms);
// {name, primary, health: {state, reasons}}: a `cluster` event's data.
nlohmann::json cluster_event_data(const ClusterDetail& detail);

class ClusterWatcher {
 public:
  // The service's cheap per-tick read of one cluster (PivotService::stamps);
  // false when the cluster is not loaded.
  using StampSource = std::function<bool(const std::string& cluster, ClusterStamps& out)>;
  ClusterWatcher(ControllerService& service, StampSource stamps, Clock& clock, EventHub& hub,
                 WatcherOptions options = {})
      : service_(service), stamps_(std::move(stamps)), clock_(clock), hub_(hub), options_(options) {}
  // Any thread; cheap (the bus calls it for every message).
  void mark(const std::string& cluster);
  // One thread at a time: the marked clusters, or all of them.
  void refresh(bool all);

 private:
  ControllerService& service_;
  StampSource stamps_;
  Clock& clock_;
  EventHub& hub_;
  const WatcherOptions options_;
  std::mutex mu_;  // guards marked_
  std::set<std::string> marked_;
  // refresh's own:
  std::map<std::string, ClusterSnapshot> last_;
  ClusterStamps stamps_read_;  // reused from cluster to cluster: its buffers stay grown
};

}  // namespace pivot::controller
