#pragma once
// The observed model: the loaded specs and what every node's agent last said
// (one part of pivotd's service, beside the job registry). Fed by the bus
// thread, read by the API and by jobs. It has a lock of its own, held only to
// copy or compute from the model: no job step, agent call or journal write
// ever runs under it, so an agent message never waits on a job.
//
// The agents' counters (messages, boot ids, seq gaps, last seen) are not kept
// here: the bus counts them once (ControllerBus::agents).

#include <cstdint>
#include <functional>
#include <map>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/controller_service.hpp"
#include "pivot/controller/node_change.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/controller/pivot_status.hpp"
#include "pivot/controller/ports.hpp"
#include "pivot/protocol/message.hpp"

namespace pivot::controller {

class ObservedModel {
 public:
  // A cluster's observed primary changed (the journal keeps it for recovery).
  struct PrimaryChange {
    std::string cluster;
    std::optional<std::string> primary;  // nullopt: none
  };

  // Replaces the specs (start-up and SIGHUP). Running jobs keep their copy.
  void set_specs(std::map<std::string, ClusterSpec> specs);
  // A message from an agent whose identity the bus has checked; `now_ms` is
  // pivotd's steady clock. Returns the change of primary it caused, if any.
  std::optional<PrimaryChange> on_message(const protocol::Message& message, std::uint64_t now_ms);
  // The next message of each cluster reports its primary again as a change
  // (a new journal must hear it).
  void forget_primaries();
  // The last writable primary and its last state, as the journal kept them
  // (pivotd's start): a primary that died while pivotd was down is still
  // known as the one to replace. A message seen since takes precedence.
  void restore_last_primary(const std::string& cluster, const std::string& node, protocol::NodeState state);
  // A job made `node` the cluster's primary: it is the last writable
  // primary from now on, with its last observed state made writable, even
  // before its agent's next report says so (a new primary that dies within
  // that report's interval must be the one detection judges).
  void promoted(const std::string& cluster, const std::string& node);

  // A copy of a loaded spec (a job keeps its own), nullopt when not loaded.
  std::optional<ClusterSpec> spec(const std::string& cluster) const;
  // The primary the model sees now; nullopt when none (or no such cluster).
  std::optional<std::string> primary(const std::string& cluster, std::uint64_t now_ms) const;

  // GET /v1/clusters without `last_job` (the job registry's: the caller fills
  // it in after this returns, so that no lock of the registry is ever taken
  // under the model's; the registry's admission takes the model's under its own).
  std::vector<ClusterSummary> clusters(std::uint64_t now_ms) const;
  // GET /v1/clusters/{name} without `attention` (the job registry's); nullopt: not loaded.
  std::optional<ClusterDetail> cluster(const std::string& name, std::uint64_t now_ms) const;
  // What the event stream's watcher compares at each tick (ClusterWatcher):
  // each node's observed role and change counters, into `out` (its buffers
  // reused: nothing is allocated under the lock once they are grown). false:
  // the cluster is not loaded.
  bool stamps(const std::string& name, std::uint64_t now_ms, ClusterStamps& out) const;
  // The failover guard's tick: up to `max` loaded clusters' stamps, in name
  // order, from the first after `after` (nullopt: from the first), into
  // out[0, n) (out grows, never shrinks: its entries' buffers are reused
  // from tick to tick); returns n, less than `max` at the end. One hold of
  // the lock per batch, not per cluster, and a bounded one: the bus waits
  // for at most a batch.
  std::size_t stamps_batch(const std::optional<std::string>& after, std::size_t max, std::uint64_t now_ms,
                    std::vector<NamedStamps>& out) const;
  // The cluster as a failover reads it (ClusterSource::snapshot): waits, at
  // most until `deadline_ms` on the steady clock `now` reads, until each of
  // `fresh` has reported at or after `after_ms`. `observing_since_ms` is the
  // caller's (when pivotd began to listen).
  ObservedCluster snapshot(const std::string& cluster, const std::vector<std::string>& fresh, std::uint64_t after_ms,
                           std::uint64_t deadline_ms, const std::function<std::uint64_t()>& now) const;
  // Pivot status from the model as it is now; `other_job`: another job holds the cluster.
  PivotStatus pivot_status(const std::string& cluster, const std::optional<std::string>& candidate,
                           std::uint64_t now_ms, bool other_job) const;

 private:
  const ClusterObservation& observed(const std::string& cluster) const;
  // Expects mu_ held: `out` becomes the stamps of `spec` as `seen` holds it.
  void fill_stamps(const ClusterSpec& spec, const ClusterObservation& seen, std::uint64_t now_ms,
                   ClusterStamps& out) const;

  mutable std::mutex mu_;
  mutable std::condition_variable reported_;  // a message arrived (snapshot's wait)
  std::map<std::string, ClusterSpec> specs_;
  std::uint64_t specs_generation_ = 0;  // rises at every set_specs
  std::map<std::string, ClusterObservation> observed_;           // by cluster
  std::map<std::string, std::optional<std::string>> primaries_;  // by cluster: the last reported
  std::map<std::string, std::string> last_writable_;             // by cluster: the last primary seen, never cleared
  std::map<std::string, protocol::NodeState> last_primary_state_;  // by cluster: that primary's last state with mysqld up
};

}  // namespace pivot::controller
