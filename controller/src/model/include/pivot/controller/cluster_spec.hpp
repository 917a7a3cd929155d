#pragma once
// The cluster spec: the declarative form of one cluster (ARCHITECTURE.md,
// "Cluster spec"). Parsed into this immutable struct and validated with every
// problem named by FILE:LINE before pivotd uses it. The spec's `primary` is
// only the expected primary when the cluster is first seen; from then on the
// observed primary is the truth, and pivotd never rewrites the spec.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


namespace pivot::controller {

// What a node may be: primary and replica are promotable data nodes; backup
// and analytics are never promoted.
enum class Role { primary, replica, backup, analytics };
const char* to_string(Role role);
// The role a spec names ("primary", ...); nullopt for any other word.
std::optional<Role> role_named(std::string_view name);
bool promotable(Role role);

struct NodeSpec {
  std::string name;
  std::string host;
  std::uint16_t port = 3306;
  std::string az;
  Role role = Role::replica;
  int priority = 0;  // higher is preferred as a candidate
};

// What a primary's acknowledged write waits for: nothing more (async) or a
// replica's acknowledgement (semi_sync). With semi_sync, pivotd has the
// agents keep it (docs/failover.md, "Semi-sync") and pivot status checks it.
enum class Durability { async, semi_sync };
const char* to_string(Durability durability);

struct Policy {
  int max_lag_seconds = 5;             // candidate lag limit
  int min_replicas = 2;                // promotable replicas replicating after a pivot
  int az_spread = 2;                   // distinct AZs among primary + promotable replicas
  int catch_up_timeout_ms = 5000;      // fence -> candidate caught up, else roll back
  int hook_timeout_ms = 5000;
  int agent_fresh_ms = 3000;
  // A silent primary agent plus replicas that lost it = a dead primary
  // (failover detection, condition B); never below agent_fresh_ms.
  int agent_dead_ms = 3000;
  bool auto_failover = false;          // true is refused until failover exists
  int failover_cooldown_s = 3600;
  Durability durability = Durability::async;
};

// policy.durability semi_sync: how long the primary's commit waits for a
// replica's acknowledgement before it goes asynchronous. Longer than
// detection plus a failover, so that a primary cut off from its replicas
// acknowledges no write that a failover meanwhile leaves behind: detection
// (agent_dead_ms), the failover's pre_failover and post_promote hooks and
// its catch-up (their timeouts), and 10 s for its commands. The cost: a
// primary with no replica acknowledging holds every commit that long.
std::uint64_t semi_sync_timeout_ms(const Policy& policy);

struct Hooks {
  std::string pre_pivot, post_promote, post_pivot, post_failover, pre_failover;  // "" when unset
};

struct ClusterSpec {
  std::string name;
  std::map<std::string, std::string> labels;
  Policy policy;
  std::vector<NodeSpec> nodes;
  Hooks hooks;
  std::string source;  // the file it came from

  const NodeSpec* find(const std::string& node) const;
  const NodeSpec* expected_primary() const;
};

}  // namespace pivot::controller
