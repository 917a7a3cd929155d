// The checks about the cluster as it would be after promoting the candidate:
// replicas_after_pivot and az_spread, both over the same set of followers.

#include <set>

#include "checks.hpp"

namespace pivot::controller::rules {

namespace {

// The promotable nodes that would replicate from `candidate`: the old primary
// when it is up (it is demoted to a replica), and every other promotable node
// that is up with both replication threads running. Backup and analytics
// nodes follow too but do not count.
struct Followers {
  std::vector<const NodeView*> nodes;
  std::vector<std::string> names;     // "db1 (the old primary)", "db3"
  std::vector<std::string> left_out;  // why each other promotable node does not count
};

Followers followers_of(const ClusterView& view, const NodeView& candidate) {
  Followers f;
  for (const auto& node : view.nodes) {
    if (&node == &candidate || !promotable(node.spec->role)) continue;
    if (&node == view.primary) {
      f.nodes.push_back(&node);
      f.names.push_back(node.name() + " (the old primary)");
    } else if (auto problem = replication_problem(node); problem.empty()) {
      f.nodes.push_back(&node);
      f.names.push_back(node.name());
    } else {
      f.left_out.push_back(problem);
    }
  }
  return f;
}

// Replicas as the operator left them (ARCHITECTURE.md, "Pivot plan"): a
// pivot repoints them but starts no thread the operator stopped and keeps
// their delay, so verify does not wait for them to apply. Named before the
// pivot: "db4 (IO and SQL threads stopped, delayed 3600 s)".
std::vector<std::string> left_as_they_are(const ClusterView& view, const NodeView& candidate) {
  std::vector<std::string> out;
  for (const auto& node : view.nodes) {
    if (&node == &candidate || &node == view.primary || node.state == nullptr || !node.state->replica) continue;
    const auto& r = *node.state->replica;
    std::vector<std::string> parts;
    const bool io_stopped = r.io_running == protocol::IoThread::no;
    if (io_stopped || !r.sql_running) {
      parts.push_back(io_stopped && !r.sql_running ? "IO and SQL threads stopped"
                                                   : std::string(io_stopped ? "IO" : "SQL") + " thread stopped");
    }
    if (r.sql_delay > 0) parts.push_back("delayed " + std::to_string(r.sql_delay) + " s");
    if (!parts.empty()) out.push_back(node.name() + " (" + join(parts) + ")");
  }
  return out;
}

std::string count_of(std::size_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

}  // namespace

Check replicas_after_pivot(const ClusterView& view, const NodeView* candidate) {
  const char* id = "replicas_after_pivot";
  if (candidate == nullptr) return make_check(id, false, "No candidate: no replicas to count after a pivot.");
  const auto f = followers_of(view, *candidate);
  const auto min = static_cast<std::size_t>(view.policy().min_replicas);
  auto detail = count_of(f.nodes.size(), "promotable node", "promotable nodes") + " would replicate from " +
                candidate->name() + " after the pivot" + (f.names.empty() ? "" : ": " + join(f.names)) + " (min " +
                std::to_string(min) + ").";
  if (!f.left_out.empty()) detail += " Not counted: " + join(f.left_out, "; ") + ".";
  if (auto left = left_as_they_are(view, *candidate); !left.empty()) {
    detail += " Repointed but left as the operator has them (a stopped thread stays stopped, a delay is kept, verify does not wait for them): " +
              join(left, "; ") + ".";
  }
  return make_check(id, f.nodes.size() >= min, detail);
}

Check az_spread(const ClusterView& view, const NodeView* candidate) {
  const char* id = "az_spread";
  if (candidate == nullptr) return make_check(id, false, "No candidate: no AZ spread to measure after a pivot.");
  std::set<std::string> azs{candidate->spec->az};
  for (const auto* node : followers_of(view, *candidate).nodes) azs.insert(node->spec->az);
  const auto min = static_cast<std::size_t>(view.policy().az_spread);
  return make_check(id, azs.size() >= min,
                    candidate->name() + " and the promotable replicas that would follow it span " +
                        count_of(azs.size(), "AZ", "AZs") + " (" + join({azs.begin(), azs.end()}) + "; min " +
                        std::to_string(min) + ").");
}

}  // namespace pivot::controller::rules
