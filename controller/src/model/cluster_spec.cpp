// The cluster spec as the rest of pivotd reads it: roles, nodes, lookups.
// Pure; the YAML that makes one is the spec adapter's (src/spec).
#include "pivot/controller/cluster_spec.hpp"

#include <iterator>

namespace pivot::controller {
namespace {

constexpr const char* kRoles[] = {"primary", "replica", "backup", "analytics"};

}  // namespace

std::optional<Role> role_named(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kRoles); ++i) {
    if (name == kRoles[i]) return static_cast<Role>(i);
  }
  return std::nullopt;
}

const char* to_string(Durability durability) {
  return durability == Durability::semi_sync ? "semi_sync" : "async";
}

std::uint64_t semi_sync_timeout_ms(const Policy& policy) {
  constexpr std::uint64_t kCommandsMs = 10000;
  const auto ms = [](int value) { return static_cast<std::uint64_t>(value > 0 ? value : 0); };
  return ms(policy.agent_dead_ms) + 2 * ms(policy.hook_timeout_ms) + ms(policy.catch_up_timeout_ms) + kCommandsMs;
}

const char* to_string(Role role) { return kRoles[static_cast<size_t>(role)]; }

bool promotable(Role role) { return role == Role::primary || role == Role::replica; }

const NodeSpec* ClusterSpec::find(const std::string& node) const {
  for (const auto& n : nodes) {
    if (n.name == node) return &n;
  }
  return nullptr;
}

const NodeSpec* ClusterSpec::expected_primary() const {
  for (const auto& n : nodes) {
    if (n.role == Role::primary) return &n;
  }
  return nullptr;
}

}  // namespace pivot::controller
