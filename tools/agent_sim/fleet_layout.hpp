#pragma once
// The simulated fleet's shape, shared by `agent_sim setup` (which writes the
// keys and specs pivotd reads) and `agent_sim run` (which must name the same
// clusters, nodes and hosts): pure functions of the cluster's index.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim_cluster.hpp"

namespace pivot::agent_sim {

struct FleetLayout {
  std::string prefix = "sim";    // cluster i is "<prefix>-<i, 5 digits>"
  std::size_t clusters = 0;
  std::size_t cluster_size = 5;  // nodes per cluster, 3..9
  std::size_t agents() const { return clusters * cluster_size; }
};

std::string cluster_name(const FleetLayout& layout, std::size_t cluster);
// db1..dbN, each on its own made-up address 10.<i/256>.<i%256>.<n> port 3306
// (never connected to: the simulator stands in for mysqld too).
std::vector<SimNodeSpec> cluster_nodes(const FleetLayout& layout, std::size_t cluster);
// The cluster spec pivotd loads: db1 primary, backup and analytics last from
// five nodes on, the rest replicas; AZs a, b, c, b, c...; the documented
// policy with min_replicas fitted to the promotable nodes.
std::string cluster_spec_yaml(const FleetLayout& layout, std::size_t cluster);

// How many agents one process may hold under a descriptor limit, whole
// clusters only (a cluster's nodes share one model): `reserve` descriptors
// kept for the process itself. 0 when not even one cluster fits.
std::size_t agents_per_process(std::uint64_t fd_limit, std::size_t fds_per_agent, std::size_t reserve,
                               std::size_t cluster_size);

// Clusters [first, last) of each process, spread evenly.
struct ClusterRange {
  std::size_t first = 0, last = 0;
  bool operator==(const ClusterRange&) const = default;
};
std::vector<ClusterRange> split_clusters(std::size_t clusters, std::size_t clusters_per_process);

}  // namespace pivot::agent_sim
