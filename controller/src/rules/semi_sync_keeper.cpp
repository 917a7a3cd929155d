// semi_sync_changes: the nodes whose semi-sync settings drift from
// policy.durability semi_sync (see the header for what each should run).
#include "pivot/controller/semi_sync_keeper.hpp"

#include "cluster_view.hpp"

namespace pivot::controller {
namespace {

constexpr const char* kLosslessWaitPoint = "AFTER_SYNC";

// Why `semi` is not what the primary should run ("" when it is).
std::string primary_drift(const protocol::SemiSync& semi, std::uint64_t timeout_ms) {
  std::vector<std::string> wrong;
  if (!semi.source) wrong.push_back("its source side is off");
  if (semi.wait_point != kLosslessWaitPoint) {
    wrong.push_back("its wait point is " + semi.wait_point.value_or("unknown") + ", not " + kLosslessWaitPoint);
  }
  if (semi.timeout_ms != timeout_ms) {
    wrong.push_back("its timeout is " + (semi.timeout_ms ? std::to_string(*semi.timeout_ms) + " ms" : "unknown") +
                    ", not " + std::to_string(timeout_ms) + " ms");
  }
  if (!semi.replica) wrong.push_back("its replica side is off");
  if (auto slow = kill_conn_timeout_drift(semi); !slow.empty()) wrong.push_back("its " + slow);
  return rules::join(wrong, ", ");
}

}  // namespace

std::string kill_conn_timeout_drift(const protocol::SemiSync& semi) {
  if (!semi.replica || !semi.kill_conn_timeout_s || *semi.kill_conn_timeout_s == kSemiSyncKillConnTimeoutS) return "";
  // 0 is no limit at all: the stop still waited after 15 s on 10.11.19.
  const std::uint64_t s = *semi.kill_conn_timeout_s;
  return "rpl_semi_sync_slave_kill_conn_timeout is " + (s == 0 ? std::string("0 (no limit)") : std::to_string(s) + " s") +
         ", not " + std::to_string(kSemiSyncKillConnTimeoutS) +
         " (a failover's stop_io would wait that long on a hung or silent primary)";
}

std::vector<SemiSyncChange> semi_sync_changes(const ClusterSpec& spec, const ClusterObservation& observed,
                                              std::uint64_t now_ms) {
  std::vector<SemiSyncChange> changes;
  if (spec.policy.durability != Durability::semi_sync) return changes;
  const auto view = rules::make_view(spec, observed, now_ms);
  if (view.primary == nullptr) return changes;  // no one writable primary: nothing to keep yet
  const std::uint64_t timeout_ms = semi_sync_timeout_ms(spec.policy);
  for (const auto& node : view.nodes) {
    if (node.state == nullptr || !node.state->semi_sync) continue;  // not known now: decided when it reports
    const auto& semi = *node.state->semi_sync;
    if (&node == view.primary) {
      if (auto drift = primary_drift(semi, timeout_ms); !drift.empty()) {
        changes.push_back({node.name(), true, true, node.name() + " is the primary: " + drift});
      }
    } else if (promotable(node.spec->role)) {
      if (semi.source || !semi.replica) {
        changes.push_back({node.name(), false, true,
                           node.name() + " is a promotable replica with the semi-sync " +
                               (semi.source ? "source side on" : "replica side off")});
      } else if (auto slow = kill_conn_timeout_drift(semi); !slow.empty()) {
        changes.push_back({node.name(), false, true, node.name() + " is a promotable replica: its " + slow});
      }
    } else if (semi.source || semi.replica) {
      changes.push_back({node.name(), false, false,
                         node.name() + " is a " + to_string(node.spec->role) +
                             " node with a semi-sync side on: it must not acknowledge what no failover promotes"});
    }
  }
  return changes;
}

}  // namespace pivot::controller
