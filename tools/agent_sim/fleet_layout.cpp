#include "fleet_layout.hpp"

#include <algorithm>
#include <cstdio>

namespace pivot::agent_sim {
namespace {

enum class Role { primary, replica, backup, analytics };

Role role_of(std::size_t node, std::size_t size) {
  if (node == 0) return Role::primary;
  if (size >= 5 && node == size - 2) return Role::backup;
  if (size >= 5 && node == size - 1) return Role::analytics;
  return Role::replica;
}

const char* role_name(Role role) {
  static constexpr const char* kNames[] = {"primary", "replica", "backup", "analytics"};
  return kNames[static_cast<int>(role)];
}

}  // namespace

std::string cluster_name(const FleetLayout& layout, std::size_t cluster) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%05zu", cluster);
  return layout.prefix + "-" + digits;
}

std::vector<SimNodeSpec> cluster_nodes(const FleetLayout& layout, std::size_t cluster) {
  std::vector<SimNodeSpec> nodes;
  for (std::size_t n = 0; n < layout.cluster_size; ++n) {
    nodes.push_back({"db" + std::to_string(n + 1),
                     "10." + std::to_string((cluster / 256) % 256) + "." + std::to_string(cluster % 256) + "." +
                         std::to_string(n + 1),
                     3306});
  }
  return nodes;
}

std::string cluster_spec_yaml(const FleetLayout& layout, std::size_t cluster) {
  const std::size_t size = layout.cluster_size;
  std::size_t promotable = 0;
  for (std::size_t n = 0; n < size; ++n) {
    const Role role = role_of(n, size);
    promotable += role == Role::primary || role == Role::replica;
  }
  std::string out = "name: " + cluster_name(layout, cluster) + "\n";
  out += "labels: {environment: sim, shard: \"" + std::to_string(cluster) + "\"}\n";
  out += "policy:\n  max_lag_seconds: 5\n  min_replicas: " + std::to_string(std::min<std::size_t>(2, promotable - 1)) +
         "\n  az_spread: 2\n  catch_up_timeout_ms: 5000\n  hook_timeout_ms: 5000\n  agent_fresh_ms: 3000\n"
         "  durability: async\n";
  out += "nodes:\n";
  const auto nodes = cluster_nodes(layout, cluster);
  for (std::size_t n = 0; n < size; ++n) {
    const char az = n == 0 ? 'a' : "bc"[(n - 1) % 2];
    out += "  - {name: " + nodes[n].name + ", host: " + nodes[n].host + ", port: " + std::to_string(nodes[n].port) +
           ", az: " + az + ", role: " + role_name(role_of(n, size)) + "}\n";
  }
  return out;
}

std::size_t agents_per_process(std::uint64_t fd_limit, std::size_t fds_per_agent, std::size_t reserve,
                               std::size_t cluster_size) {
  if (fds_per_agent == 0 || cluster_size == 0 || fd_limit <= reserve) return 0;
  const std::size_t agents = static_cast<std::size_t>(fd_limit - reserve) / fds_per_agent;
  return agents / cluster_size * cluster_size;
}

std::vector<ClusterRange> split_clusters(std::size_t clusters, std::size_t clusters_per_process) {
  std::vector<ClusterRange> ranges;
  if (clusters == 0 || clusters_per_process == 0) return ranges;
  const std::size_t processes = (clusters + clusters_per_process - 1) / clusters_per_process;
  std::size_t first = 0;
  for (std::size_t p = 0; p < processes; ++p) {
    const std::size_t count = clusters / processes + (p < clusters % processes ? 1 : 0);
    ranges.push_back({first, first + count});
    first += count;
  }
  return ranges;
}

}  // namespace pivot::agent_sim
