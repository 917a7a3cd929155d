// Layouts a spec's own policy can never accept (spec_layout.hpp).
#include "pivot/controller/spec_layout.hpp"

#include <map>

namespace pivot::controller {
namespace {

std::string joined(const std::vector<std::string>& parts, const char* separator = ", ") {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

std::string count_of(std::size_t n, const char* singular, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

// "db1 (primary, az a)" for the promotable nodes; the others as
// "db4 (backup, az b)", so the operator sees what does not count and why.
std::string described(const NodeSpec& n) { return n.name + " (" + to_string(n.role) + ", az " + n.az + ")"; }

}  // namespace

std::vector<LayoutWarning> layout_warnings(const ClusterSpec& spec) {
  std::vector<std::string> promotable_nodes, others;
  std::map<std::string, std::vector<std::string>> promotable_by_az;
  for (const auto& n : spec.nodes) {
    if (promotable(n.role)) {
      promotable_nodes.push_back(described(n));
      promotable_by_az[n.az].push_back(n.name);
    } else {
      others.push_back(described(n));
    }
  }
  const std::string not_counted =
      others.empty() ? "" : "; never promoted, so not counted: " + joined(others);
  std::vector<LayoutWarning> out;
  if (promotable_nodes.empty()) return out;  // no primary: the parser refused the spec already

  if (promotable_nodes.size() == 1) {
    out.push_back({"nodes", "only " + promotable_nodes.front() +
                                " is promotable: no pivot or failover can ever have a candidate" + not_counted +
                                ". Give another node role replica"});
  }
  const auto best_followers = promotable_nodes.size() - 1;
  const auto min = static_cast<std::size_t>(spec.policy.min_replicas);
  if (best_followers < min) {
    out.push_back({"policy.min_replicas",
                   std::to_string(min) + " can never be met: a pivot leaves at most " +
                       count_of(best_followers, "promotable node", "promotable nodes") +
                       " replicating from its candidate (promotable: " + joined(promotable_nodes) + not_counted +
                       "), so pivot status refuses every pivot (replicas_after_pivot). Add promotable replicas or "
                       "lower min_replicas to " + std::to_string(best_followers)});
  }
  const auto spread = static_cast<std::size_t>(spec.policy.az_spread);
  if (promotable_by_az.size() < spread) {
    std::vector<std::string> azs;
    for (const auto& [az, names] : promotable_by_az) azs.push_back(az + ": " + joined(names));
    out.push_back({"policy.az_spread",
                   std::to_string(spread) + " can never be met: the promotable nodes span " +
                       count_of(promotable_by_az.size(), "AZ", "AZs") + " (" + joined(azs, "; ") + not_counted +
                       "), so pivot status refuses every pivot (az_spread). Put a promotable replica in another AZ "
                       "(or correct a node's az) or lower az_spread to " + std::to_string(promotable_by_az.size())});
  }
  return out;
}

}  // namespace pivot::controller
