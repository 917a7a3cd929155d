#pragma once
// Internal to rules/: what the eligibility rules know of each spec node at
// `now`, decided once so that every check agrees on what is unknown. A node
// whose agent never reported, went stale or says mysqld is unreachable has no
// usable state; `unknown` says why, and checks that need it fail with that
// sentence instead of passing by default.

#include <cstdint>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::controller::rules {

struct NodeView {
  const NodeSpec* spec = nullptr;
  const ObservedNode* observed = nullptr;      // nullptr: never heard from
  const protocol::NodeState* state = nullptr;  // set only when fresh and mysqld reachable
  std::string unknown;                         // why state is nullptr: "db3's agent has never reported"
  Current current = Current::unknown;
  const std::string& name() const { return spec->name; }
};

// `primary` points into `nodes`: moved, never copied.
struct ClusterView {
  ClusterView() = default;
  ClusterView(ClusterView&&) = default;
  ClusterView(const ClusterView&) = delete;
  ClusterView& operator=(const ClusterView&) = delete;

  const ClusterSpec* spec = nullptr;
  std::vector<NodeView> nodes;        // in spec order
  const NodeView* primary = nullptr;  // the observed primary, if exactly one
  const Policy& policy() const { return spec->policy; }
  const NodeView* find(const std::string& name) const;
};

ClusterView make_view(const ClusterSpec& spec, const ClusterObservation& observed, std::uint64_t now_ms);

// "db1, db2": node names for details.
std::string join(const std::vector<std::string>& items, const char* separator = ", ");

}  // namespace pivot::controller::rules
