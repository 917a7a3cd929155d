#include "pivot/controller/observed_model.hpp"

#include <algorithm>
#include <chrono>

namespace pivot::controller {
namespace {

bool replicating(const protocol::NodeState& state) {
  return state.replica && state.replica->io_running == protocol::IoThread::yes && state.replica->sql_running;
}

const ClusterObservation kNothingSeen;

}  // namespace

void ObservedModel::set_specs(std::map<std::string, ClusterSpec> specs) {
  std::lock_guard lock(mu_);
  specs_ = std::move(specs);
  ++specs_generation_;
}

std::optional<ObservedModel::PrimaryChange> ObservedModel::on_message(const protocol::Message& message,
                                                                     std::uint64_t now_ms) {
  const auto& env = message.envelope;
  std::lock_guard lock(mu_);
  auto& cluster = observed_[env.cluster];
  auto& node = cluster.nodes[env.node];
  node.received_at_ms = now_ms;
  node.boot_id = env.boot_id;
  if (const auto* state = std::get_if<protocol::NodeState>(&message.body)) {
    if (!node.state) {
      node.state = *state;
      ++node.revision;
    } else {
      switch (absorb_state(*node.state, *state)) {
        case NodeChange::none:
          break;
        case NodeChange::positions:
          ++node.position_moves;
          break;
        case NodeChange::other:
          ++node.revision;
          break;
      }
    }
  }
  reported_.notify_all();
  auto spec = specs_.find(env.cluster);
  if (spec == specs_.end()) return std::nullopt;
  auto primary = observed_primary(spec->second, cluster, now_ms);
  if (primary) last_writable_[env.cluster] = *primary;
  if (primary == env.node && node.state && node.state->mysql_reachable) last_primary_state_[env.cluster] = *node.state;
  auto last = primaries_.find(env.cluster);
  if (last != primaries_.end() && last->second == primary) return std::nullopt;
  primaries_[env.cluster] = primary;
  return PrimaryChange{env.cluster, std::move(primary)};
}

void ObservedModel::forget_primaries() {
  std::lock_guard lock(mu_);
  primaries_.clear();
}

// Expects mu_ held. A cluster no agent has spoken for reads as seen by nobody.
const ClusterObservation& ObservedModel::observed(const std::string& cluster) const {
  auto it = observed_.find(cluster);
  return it == observed_.end() ? kNothingSeen : it->second;
}

std::optional<ClusterSpec> ObservedModel::spec(const std::string& cluster) const {
  std::lock_guard lock(mu_);
  auto it = specs_.find(cluster);
  if (it == specs_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> ObservedModel::primary(const std::string& cluster, std::uint64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = specs_.find(cluster);
  if (it == specs_.end()) return std::nullopt;
  return observed_primary(it->second, observed(cluster), now_ms);
}

std::vector<ClusterSummary> ObservedModel::clusters(std::uint64_t now_ms) const {
  std::lock_guard lock(mu_);
  std::vector<ClusterSummary> out;
  out.reserve(specs_.size());
  for (const auto& [name, spec] : specs_) {
    const auto& seen_cluster = observed(name);
    ClusterSummary s{name, spec.labels, observed_primary(spec, seen_cluster, now_ms), true, std::nullopt, std::nullopt};
    s.healthy = s.primary.has_value();
    for (const auto& node : spec.nodes) {
      const auto* seen = seen_cluster.find(node.name);
      const auto current = current_role(seen, now_ms, spec.policy);
      if (current == Current::down || current == Current::unknown) s.healthy = false;
      if (current != Current::replica) continue;
      if (!replicating(*seen->state)) s.healthy = false;
      if (auto lag = seen->state->replica->seconds_behind) {
        s.max_lag_s = std::max(s.max_lag_s.value_or(0.0), static_cast<double>(*lag));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<ClusterDetail> ObservedModel::cluster(const std::string& name, std::uint64_t now_ms) const {
  std::lock_guard lock(mu_);
  auto it = specs_.find(name);
  if (it == specs_.end()) return std::nullopt;
  const auto& spec = it->second;
  const auto& seen_cluster = observed(name);
  ClusterDetail d{name, spec.labels, spec.policy, observed_primary(spec, seen_cluster, now_ms), {}};
  for (const auto& node : spec.nodes) {
    NodeView v{node, Current::unknown, std::nullopt, std::nullopt};
    const auto* seen = seen_cluster.find(node.name);
    v.current = current_role(seen, now_ms, spec.policy);
    if (seen) {
      v.state = seen->state;
      v.age_ms = age_ms(*seen, now_ms);
    }
    d.nodes.push_back(std::move(v));
  }
  return d;
}

bool ObservedModel::stamps(const std::string& name, std::uint64_t now_ms, ClusterStamps& out) const {
  std::lock_guard lock(mu_);
  auto it = specs_.find(name);
  if (it == specs_.end()) return false;
  fill_stamps(it->second, observed(name), now_ms, out);
  return true;
}

void ObservedModel::fill_stamps(const ClusterSpec& spec, const ClusterObservation& seen, std::uint64_t now_ms,
                                ClusterStamps& out) const {
  out.specs_generation = specs_generation_;
  out.nodes.resize(spec.nodes.size());
  for (std::size_t i = 0; i < spec.nodes.size(); ++i) {
    stamp_node(out.nodes[i], spec.nodes[i], seen.find(spec.nodes[i].name), now_ms, spec.policy);
  }
}

std::size_t ObservedModel::stamps_batch(const std::optional<std::string>& after, std::size_t max, std::uint64_t now_ms,
                                         std::vector<NamedStamps>& out) const {
  std::lock_guard lock(mu_);
  auto spec = after ? specs_.upper_bound(*after) : specs_.begin();
  // Both maps are in name order: one walk finds each cluster's observation.
  auto seen = spec == specs_.end() ? observed_.end() : observed_.lower_bound(spec->first);
  std::size_t n = 0;
  for (; spec != specs_.end() && n < max; ++spec, ++n) {
    while (seen != observed_.end() && seen->first < spec->first) ++seen;
    const bool heard = seen != observed_.end() && seen->first == spec->first;
    if (out.size() <= n) out.emplace_back();
    out[n].name.assign(spec->first);
    fill_stamps(spec->second, heard ? seen->second : kNothingSeen, now_ms, out[n].stamps);
  }
  return n;
}

ObservedCluster ObservedModel::snapshot(const std::string& cluster, const std::vector<std::string>& fresh,
                                        std::uint64_t after_ms, std::uint64_t deadline_ms,
                                        const std::function<std::uint64_t()>& now) const {
  std::unique_lock lock(mu_);
  auto all_fresh = [&] {
    const auto& seen = observed(cluster);
    return std::all_of(fresh.begin(), fresh.end(), [&](const std::string& node) {
      const auto* n = seen.find(node);
      return n && n->received_at_ms >= after_ms;
    });
  };
  // Woken by each message; bounded by the deadline (a silent node is
  // reported as it last stood, and the caller reads its age). The wait is
  // also bounded on the real clock: pivotd's clock is a port (a test's may
  // stand still).
  const std::uint64_t start = now();
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(deadline_ms > start ? deadline_ms - start : 0);
  while (!all_fresh() && now() < deadline_ms) {
    if (reported_.wait_until(lock, until) == std::cv_status::timeout) break;
  }
  ObservedCluster out;
  out.observed = observed(cluster);
  out.now_ms = now();
  if (auto last = last_writable_.find(cluster); last != last_writable_.end()) out.last_primary = last->second;
  if (auto state = last_primary_state_.find(cluster); state != last_primary_state_.end()) {
    out.last_primary_state = state->second;
  }
  return out;
}

PivotStatus ObservedModel::pivot_status(const std::string& cluster, const std::optional<std::string>& candidate,
                                        std::uint64_t now_ms, bool other_job) const {
  std::lock_guard lock(mu_);
  auto it = specs_.find(cluster);
  if (it == specs_.end()) {
    PivotStatus gone;
    gone.checks.push_back({"spec_loaded", false, "cluster '" + cluster + "' is no longer loaded"});
    return gone;
  }
  return evaluate_pivot_status({it->second, observed(cluster), now_ms, other_job, candidate});
}

void ObservedModel::restore_last_primary(const std::string& cluster, const std::string& node,
                                         protocol::NodeState state) {
  std::lock_guard lock(mu_);
  if (last_writable_.count(cluster)) return;
  last_writable_[cluster] = node;
  last_primary_state_[cluster] = std::move(state);
}

void ObservedModel::promoted(const std::string& cluster, const std::string& node) {
  std::lock_guard lock(mu_);
  last_writable_[cluster] = node;
  const auto* seen = observed(cluster).find(node);
  if (!seen || !seen->state || !seen->state->mysql_reachable) return;
  auto state = *seen->state;
  state.read_only = false;
  state.replica.reset();
  last_primary_state_[cluster] = std::move(state);
}

}  // namespace pivot::controller
