#include "pivot/controller/failover_loss.hpp"

namespace pivot::controller {

FailoverLoss failover_loss(const Policy& policy, const std::string& primary,
                           const std::optional<protocol::NodeState>& last_primary_state) {
  if (policy.durability != Durability::semi_sync) {
    return {"unknown",
            "policy.durability is async: what " + primary +
                " acknowledged and no survivor received is lost; may_be_lost names what pivotd knows of"};
  }
  const auto semi = last_primary_state ? last_primary_state->semi_sync : std::nullopt;
  std::string why;
  if (!last_primary_state) {
    why = "pivotd holds no state of " + primary + " as primary";
  } else if (!semi) {
    why = primary + "'s last state did not say its semi-sync settings";
  } else if (semi->source_active != true) {
    why = semi->source_active ? primary + "'s last state showed its semi-sync source side not active (asynchronous "
                                          "after a timeout)"
                              : primary + "'s agent did not report whether semi-sync was active";
  } else if (semi->wait_point != "AFTER_SYNC") {
    why = primary + "'s last state showed semi-sync waiting " + semi->wait_point.value_or("at an unknown point") +
          ", not AFTER_SYNC (a commit was visible before a replica had it)";
  }
  if (!why.empty()) {
    return {"unknown", "policy.durability is semi_sync, but " + why +
                           ": what it acknowledged and no survivor received may be lost; may_be_lost names what "
                           "pivotd knows of"};
  }
  return {"none", primary + "'s last state showed semi-sync active with AFTER_SYNC: every transaction it acknowledged "
                            "was on a replica, and the catch-up carried it to the new primary; what may_be_lost names "
                            "was written to its binary log but never acknowledged"};
}

}  // namespace pivot::controller
