#include "pivot/controller/marks_store.hpp"

#include <algorithm>

namespace pivot::controller {

void MarksStore::restore(std::map<std::string, ClusterMarks> marks) {
  std::lock_guard lock(mu_);
  marks_ = std::move(marks);
  auto_failovers_.clear();
  for (const auto& [cluster, m] : marks_) index_auto_failovers(cluster, m);
}

void MarksStore::index_auto_failovers(const std::string& cluster, const ClusterMarks& marks) {
  if (marks.auto_failovers_ms.empty()) {
    auto_failovers_.erase(cluster);
  } else {
    auto_failovers_[cluster] = marks.auto_failovers_ms;
  }
}

ClusterMarks MarksStore::get(const std::string& cluster) const {
  std::lock_guard lock(mu_);
  auto it = marks_.find(cluster);
  return it == marks_.end() ? ClusterMarks{} : it->second;
}

ClusterMarks MarksStore::update(const std::string& cluster, const std::function<void(ClusterMarks&)>& change,
                                std::uint64_t wall_ms) {
  std::lock_guard lock(mu_);
  ClusterMarks next = marks_.count(cluster) ? marks_.at(cluster) : ClusterMarks{};
  change(next);
  // The hour's automatic failovers only: older ones count for nothing.
  std::erase_if(next.auto_failovers_ms, [&](std::uint64_t at) { return at + kHourMs <= wall_ms; });
  auto it = marks_.find(cluster);
  const bool same = it == marks_.end() ? next.empty() : it->second == next;
  if (same) return next;
  journal_.marks_saved(cluster, next, wall_ms);  // before anyone reads it
  if (next.empty()) {
    marks_.erase(cluster);
  } else {
    marks_[cluster] = next;
  }
  index_auto_failovers(cluster, next);
  return next;
}

bool MarksStore::primary_due(const std::string& cluster, const std::string& node, std::uint64_t wall_ms,
                             std::uint64_t every_ms) const {
  std::lock_guard lock(mu_);
  auto it = marks_.find(cluster);
  if (it == marks_.end() || !it->second.last_primary) return false;
  const auto& last = *it->second.last_primary;
  return last.node == node && last.seen_ms + every_ms <= wall_ms;
}

std::vector<std::uint64_t> MarksStore::fleet_auto_failovers(std::uint64_t wall_ms) const {
  std::lock_guard lock(mu_);
  std::vector<std::uint64_t> out;
  for (const auto& [cluster, starts] : auto_failovers_) {
    for (auto at : starts) {
      if (at + kHourMs > wall_ms) out.push_back(at);
    }
  }
  return out;
}

}  // namespace pivot::controller
