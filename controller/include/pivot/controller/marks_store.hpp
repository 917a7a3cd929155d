#pragma once
// Every cluster's ClusterMarks in pivotd's memory, each change written whole
// to the journal (journal.hpp, marks_saved) before the change is visible to
// anyone, so that a restarted pivotd keeps its cooldowns, maintenance windows
// and needs_rebuild marks. Thread-safe; its lock is a leaf: nothing else is
// called under it but the journal.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "pivot/controller/cluster_marks.hpp"
#include "pivot/controller/journal.hpp"

namespace pivot::controller {

class MarksStore {
 public:
  // Where changes are written (the registry's journal: memory, then disk).
  explicit MarksStore(Journal& journal) : journal_(journal) {}
  // The marks a journal kept, at start-up (replaces what is held).
  void restore(std::map<std::string, ClusterMarks> marks);
  ClusterMarks get(const std::string& cluster) const;
  // Applies `change` to the cluster's marks and journals the result when it
  // differs; returns the marks after the change.
  ClusterMarks update(const std::string& cluster, const std::function<void(ClusterMarks&)>& change,
                      std::uint64_t wall_ms);
  // Whether `node`'s state should be saved as the cluster's last primary:
  // none is kept, or it is that node's and older than `every_ms`.
  bool primary_due(const std::string& cluster, const std::string& node, std::uint64_t wall_ms,
                   std::uint64_t every_ms) const;
  // Starts of every cluster's automatic failovers within the hour before
  // wall_ms (the fleet's cap).
  std::vector<std::uint64_t> fleet_auto_failovers(std::uint64_t wall_ms) const;

  static constexpr std::uint64_t kHourMs = 3600 * 1000;

 private:
  // Expects mu_ held: the index below follows the cluster's marks.
  void index_auto_failovers(const std::string& cluster, const ClusterMarks& marks);

  Journal& journal_;
  mutable std::mutex mu_;
  std::map<std::string, ClusterMarks> marks_;
  // The clusters whose marks hold automatic failovers, with those starts:
  // the guard reads the fleet's at every cluster it judges (up to thousands
  // a second), and a walk of every cluster's marks under mu_ made that
  // quadratic in clusters and stalled the bus's primary_due behind it.
  std::map<std::string, std::vector<std::uint64_t>> auto_failovers_;
};

}  // namespace pivot::controller
