// choose_failover_candidate: the survivors judged on plain data, the most
// advanced one found (or the split brain named), the winner ranked, the
// catch-up source named (see the header).

#include "pivot/controller/failover_choice.hpp"

#include <algorithm>
#include <map>

#include "checks.hpp"

namespace pivot::controller {

namespace {

using rules::NodeView;

struct Survivor {
  const NodeView* node = nullptr;
  rules::GtidHoldings holdings;
  std::string refusal;           // "" when it may be promoted
  std::uint64_t missing = 0;     // transactions of the most advanced survivor it lacks
  bool outside_dead_az = false;  // a failure that took the primary may have taken its AZ
  const std::string& name() const { return node->name(); }
};

// Why a survivor that holds no errant transaction may still not be promoted,
// or "". Its IO thread is not judged: the plan has stopped it.
std::string candidate_refusal(const NodeView& node, const NodeView& primary) {
  if (auto refusal = rules::role_refusal(node); !refusal.empty()) return refusal;
  const auto& replica = node.state->replica;
  if (!replica) return rules::no_source(node);
  if (auto other = rules::other_source(node, primary, primary.state); !other.empty()) return other;
  if (auto sql = rules::sql_thread_problem(node.name(), *replica); !sql.empty()) {
    return sql + ": its relay log is not applied";
  }
  if (replica->sql_delay > 0) {
    return node.name() + " applies with a delay of " + std::to_string(replica->sql_delay) +
           " s (MASTER_DELAY): a failover does not wait for its relay log";
  }
  for (auto problem : {rules::setting_problem(node, node.state->log_bin, "log_bin"),
                       rules::setting_problem(node, node.state->log_replica_updates, "log_replica_updates")}) {
    if (!problem.empty()) return problem;
  }
  return "";
}

enum class Criterion { transactions, priority, az, name };

Criterion deciding(const Survivor& a, const Survivor& b) {
  if (a.missing != b.missing) return Criterion::transactions;
  if (a.node->spec->priority != b.node->spec->priority) return Criterion::priority;
  if (a.outside_dead_az != b.outside_dead_az) return Criterion::az;
  return Criterion::name;
}

bool better(const Survivor& a, const Survivor& b) {
  switch (deciding(a, b)) {
    case Criterion::transactions:
      return a.missing < b.missing;
    case Criterion::priority:
      return a.node->spec->priority > b.node->spec->priority;
    case Criterion::az:
      return a.outside_dead_az;
    case Criterion::name:
      break;
  }
  return a.name() < b.name();
}

// Why `first` comes before `second`, said of `first` ("db2 lacks fewer...").
std::string why_first(const Survivor& first, const Survivor& second, const std::string& most_advanced,
                      const std::string& dead_az) {
  const auto& f = first.name();
  const auto& s = second.name();
  switch (deciding(first, second)) {
    case Criterion::transactions:
      if (first.missing == 0) {
        return f + " holds every transaction any survivor holds, " + s + " lacks " +
             rules::transactions(second.missing);
      }
      return f + " lacks fewer of the transactions " + most_advanced + " holds than " + s + " (" +
             std::to_string(first.missing) + " vs " + std::to_string(second.missing) + ")";
    case Criterion::priority:
      return f + " is as advanced as " + s + " and has the higher priority (" +
             std::to_string(first.node->spec->priority) + " vs " + std::to_string(second.node->spec->priority) + ")";
    case Criterion::az:
      return f + " is as advanced as " + s + ", has the same priority and is outside the dead primary's AZ (" +
             dead_az + ")";
    case Criterion::name:
      break;
  }
  return f + " ties with " + s + " on transactions, priority and AZ and comes first by name";
}

// The survivor that holds everything every other survivor holds, preferring
// `preferred` when it does; nullptr when none does.
const Survivor* most_advanced(const std::vector<Survivor>& survivors, const Survivor* preferred) {
  auto holds_everything = [&](const Survivor& s) {
    return std::all_of(survivors.begin(), survivors.end(),
                       [&](const Survivor& o) { return rules::holds_all(s.holdings, o.holdings); });
  };
  if (preferred != nullptr && holds_everything(*preferred)) return preferred;
  for (const auto& s : survivors) {
    if (holds_everything(s)) return &s;
  }
  return nullptr;
}

// No survivor holds everything: the ones no other holds all of, and what
// each of them lacks of the others, by pair.
std::string split_brain(const std::vector<Survivor>& survivors) {
  std::vector<const Survivor*> tops;
  for (const auto& s : survivors) {
    const bool topped = std::any_of(survivors.begin(), survivors.end(), [&](const Survivor& o) {
      return rules::holds_all(o.holdings, s.holdings) && !rules::holds_all(s.holdings, o.holdings);
    });
    if (!topped) tops.push_back(&s);
  }
  std::vector<std::string> pairs;
  for (std::size_t i = 0; i < tops.size(); ++i) {
    for (std::size_t j = i + 1; j < tops.size(); ++j) {
      const auto& a = *tops[i];
      const auto& b = *tops[j];
      if (rules::holds_all(a.holdings, b.holdings) || rules::holds_all(b.holdings, a.holdings)) continue;
      pairs.push_back(a.name() + " and " + b.name() + " hold positions that cannot be ordered: " + a.name() +
                      " has " + rules::lacking(b.holdings, a.holdings).gtids + " that " + b.name() + " lacks, " +
                      b.name() + " has " + rules::lacking(a.holdings, b.holdings).gtids + " that " + a.name() +
                      " lacks");
    }
  }
  return rules::join(pairs, ". ") + ". No survivor holds every transaction: split brain is an operator's decision, " +
         "so the failover stops.";
}

}  // namespace

FailoverChoice choose_failover_candidate(const FailoverChoiceInput& input) {
  const auto view = rules::make_view(input.spec, input.observed, input.now_ms);
  FailoverChoice choice;
  const auto* dead = view.find(input.dead_primary);
  if (dead == nullptr) {
    choice.stop = "The dead primary " + input.dead_primary + " is not in the cluster spec.";
    return choice;
  }
  std::map<std::string, std::string> reasons;  // node -> why not chosen
  reasons[dead->name()] = dead->name() + " is the dead primary";
  auto rejected_in_spec_order = [&] {
    std::vector<Rejected> out;
    for (const auto& node : view.nodes) {
      if (node.name() == choice.candidate) continue;
      auto it = reasons.find(node.name());
      out.push_back({node.name(), it == reasons.end() ? node.name() + " was not considered" : it->second});
    }
    return out;
  };
  if (!input.primary_last_state) {
    choice.stop = "pivotd has no state of " + dead->name() +
                  " from when its mysqld was reachable: errant transactions on the survivors cannot be told from "
                  "its own, so an operator decides.";
    choice.rejected = rejected_in_spec_order();
    return choice;
  }
  // The dead primary as it last was: what errant transactions and sources are judged against.
  NodeView primary = *dead;
  primary.state = &*input.primary_last_state;

  std::vector<Survivor> survivors;
  for (const auto& node : view.nodes) {
    if (&node == dead) continue;
    if (node.state == nullptr) {
      reasons[node.name()] = node.unknown + ": what it holds is not known and not counted";
      continue;
    }
    if (auto errant = rules::errant_problem(node, primary); !errant.empty()) {
      reasons[node.name()] = errant + ": neither promoted nor caught up from";
      continue;
    }
    auto holdings = rules::gtid_holdings(node);
    if (!holdings) {
      reasons[node.name()] = holdings.error().message;
      continue;
    }
    Survivor s;
    s.node = &node;
    s.holdings = std::move(holdings).value();
    s.refusal = candidate_refusal(node, primary);
    s.outside_dead_az = node.spec->az != dead->spec->az;
    if (!s.refusal.empty()) reasons[node.name()] = s.refusal;
    survivors.push_back(std::move(s));
  }
  if (survivors.empty()) {
    choice.stop = "No survivor can be judged: the failover stops.";
    choice.rejected = rejected_in_spec_order();
    return choice;
  }

  const auto* top = most_advanced(survivors, nullptr);
  if (top == nullptr) {
    choice.stop = split_brain(survivors);
    for (const auto& s : survivors) {
      if (s.refusal.empty()) reasons[s.name()] = s.name() + " was not chosen: the survivors' positions cannot be ordered";
    }
    choice.rejected = rejected_in_spec_order();
    return choice;
  }

  std::vector<Survivor> ranked;
  for (auto s : survivors) {
    if (!s.refusal.empty()) continue;
    s.missing = rules::lacking(s.holdings, top->holdings).count;
    ranked.push_back(std::move(s));
  }
  if (ranked.empty()) {
    choice.stop = "No promotable survivor may be promoted: the failover stops.";
    choice.rejected = rejected_in_spec_order();
    return choice;
  }
  std::stable_sort(ranked.begin(), ranked.end(), better);
  const auto& winner = ranked.front();
  const auto& dead_az = dead->spec->az;
  choice.candidate = winner.name();
  choice.reason = ranked.size() == 1 ? winner.name() + " is the only promotable survivor that may be promoted."
                                     : why_first(winner, ranked[1], top->name(), dead_az) + ".";
  for (std::size_t i = 1; i < ranked.size(); ++i) {
    reasons[ranked[i].name()] = why_first(winner, ranked[i], top->name(), dead_az);
  }

  // The catch-up source: the winner itself when it holds everything.
  const auto* source = most_advanced(survivors, &*std::find_if(survivors.begin(), survivors.end(), [&](auto& s) {
    return s.node == winner.node;
  }));
  if (source->node != winner.node) {
    choice.catch_up_from = source->name();
    choice.catch_up_reason = source->name() + " holds what " + winner.name() + " lacks (" +
                             rules::lacking(winner.holdings, source->holdings).gtids + "): " + winner.name() +
                             " replicates from it until it has all of it, before it becomes writable.";
  }
  if (auto last = rules::gtid_holdings(primary)) {
    choice.primary_last_gtids = rules::holdings_text(*last);
    choice.lacking_from_primary = rules::lacking(source->holdings, *last).gtids;
  } else {
    choice.lacking_from_primary = "unknown: " + last.error().message;
  }
  choice.rejected = rejected_in_spec_order();
  return choice;
}

}  // namespace pivot::controller
