// Choosing the candidate: a pure sorter over what was observed (no call to
// any agent while choosing), and a sentence for the winner and each loser.

#include "candidate_choice.hpp"

#include <algorithm>
#include <limits>

#include "checks.hpp"

namespace pivot::controller::rules {

namespace {

constexpr auto kUnknown = std::numeric_limits<std::uint64_t>::max();  // unknown lag sorts last

struct Contender {
  const NodeView* node = nullptr;
  std::vector<Check> checks;
  std::size_t failures = 0;
  std::uint64_t lag_s = kUnknown;
  std::uint64_t behind = kUnknown;  // GTID transactions
  int priority = 0;
  bool keeps_az = false;
  const std::string& name() const { return node->name(); }
};

Contender assess(const ClusterView& view, const NodeView& node) {
  Contender c;
  c.node = &node;
  c.checks = candidate_checks(view, node.name());
  c.failures = static_cast<std::size_t>(std::count_if(c.checks.begin(), c.checks.end(), [](auto& k) { return !k.ok; }));
  if (node.state && node.state->replica && node.state->replica->seconds_behind) {
    c.lag_s = *node.state->replica->seconds_behind;
  }
  if (node.state && view.primary) {
    if (auto d = gtid_distance(node, *view.primary); d && d->ahead.empty()) c.behind = d->behind;
  }
  c.priority = node.spec->priority;
  c.keeps_az = az_spread(view, &node).ok;
  return c;
}

enum class Criterion { checks, seconds, priority, transactions, az, name };

// The first criterion, in order of preference, on which a and b differ.
// Lag is seconds_behind first; the GTID transaction count comes after the
// operator's priority, because under a write load it differs between two
// healthy replicas only by when each agent took its snapshot (a few
// transactions of noise), and the catch-up step closes that gap anyway.
Criterion deciding(const Contender& a, const Contender& b) {
  if (a.failures != b.failures) return Criterion::checks;
  if (a.lag_s != b.lag_s) return Criterion::seconds;
  if (a.priority != b.priority) return Criterion::priority;
  if (a.behind != b.behind) return Criterion::transactions;
  if (a.keeps_az != b.keeps_az) return Criterion::az;
  return Criterion::name;
}

bool better(const Contender& a, const Contender& b) {
  switch (deciding(a, b)) {
    case Criterion::checks:
      return a.failures < b.failures;
    case Criterion::seconds:
      return a.lag_s < b.lag_s;
    case Criterion::transactions:
      return a.behind < b.behind;
    case Criterion::priority:
      return a.priority > b.priority;
    case Criterion::az:
      return a.keeps_az;
    case Criterion::name:
      break;
  }
  return a.name() < b.name();
}

std::string seconds_text(std::uint64_t s) { return s == kUnknown ? "unknown" : std::to_string(s) + " s"; }
std::string count_text(std::uint64_t n) { return n == kUnknown ? "unknown" : std::to_string(n); }

std::string without_period(std::string sentence) {
  if (!sentence.empty() && sentence.back() == '.') sentence.pop_back();
  return sentence;
}

// Why `loser` was not chosen over `winner`: its own first failing check, or
// the criterion that put the winner first.
std::string rejection(const ClusterView& view, const Contender& loser, const Contender& winner) {
  if (loser.failures > 0) {
    for (const auto& check : loser.checks) {
      if (!check.ok) return without_period(check.detail);
    }
  }
  const auto& l = loser.name();
  const auto& w = winner.name();
  switch (deciding(loser, winner)) {
    case Criterion::checks:
    case Criterion::seconds:
      return l + " lags more than " + w + " (" + seconds_text(loser.lag_s) + " vs " + seconds_text(winner.lag_s) + ")";
    case Criterion::transactions:
      return l + " is further behind than " + w + " (" + count_text(loser.behind) + " vs " + count_text(winner.behind) +
             " transactions)";
    case Criterion::priority:
      return l + " has a lower priority than " + w + " (" + std::to_string(loser.priority) + " vs " +
             std::to_string(winner.priority) + ")";
    case Criterion::az:
      return l + " would not keep the AZ spread of " + std::to_string(view.policy().az_spread) + " AZs; " + w + " does";
    case Criterion::name:
      break;
  }
  return l + " ties with " + w + " on lag, priority and AZ spread and comes after it by name";
}

std::string choice_reason(const std::vector<Contender>& ranked) {
  const auto& winner = ranked.front();
  const auto& w = winner.name();
  if (winner.failures > 0) {
    return "No node passes every candidate check; " + w + " comes closest (" + std::to_string(winner.failures) +
           " failing) and is shown with what fails.";
  }
  if (ranked.size() == 1)
    return w + " is the only promotable node besides the primary and passes every candidate check.";
  const auto& runner_up = ranked[1];
  const auto& r = runner_up.name();
  switch (deciding(winner, runner_up)) {
    case Criterion::checks:
      return w + " is the only node that passes every candidate check.";
    case Criterion::seconds:
      return w + " has the least lag (" + seconds_text(winner.lag_s) + ").";
    case Criterion::transactions:
      return w + " is the least behind (" + count_text(winner.behind) + " transactions, " + r + " " +
             count_text(runner_up.behind) + ").";
    case Criterion::priority:
      return w + " is as caught up as " + r + " and has the higher priority (" + std::to_string(winner.priority) +
             " vs " + std::to_string(runner_up.priority) + ").";
    case Criterion::az:
      return w + " is as caught up as " + r + ", has the same priority and keeps the AZ spread.";
    case Criterion::name:
      break;
  }
  return w + " ties with " + r + " on lag, priority and AZ spread and comes first by name.";
}

// The primary and the never-promoted nodes, which are not contenders.
std::string non_contender_reason(const ClusterView& view, const NodeView& node) {
  return &node == view.primary ? primary_refusal(node) : role_refusal(node);
}

}  // namespace

Choice choose_candidate(const ClusterView& view) {
  std::vector<Contender> ranked;
  for (const auto& node : view.nodes) {
    if (non_contender_reason(view, node).empty()) ranked.push_back(assess(view, node));
  }
  std::stable_sort(ranked.begin(), ranked.end(), better);

  Choice choice;
  if (ranked.empty()) {
    std::vector<std::string> reasons;
    for (const auto& node : view.nodes) reasons.push_back(non_contender_reason(view, node));
    choice.reason = "No node besides the primary may be promoted.";
    choice.checks = no_candidate_checks("No candidate: " + join(reasons, "; ") + ".");
    for (const auto& node : view.nodes) choice.rejected.push_back({node.name(), non_contender_reason(view, node)});
    return choice;
  }
  const auto& winner = ranked.front();
  choice.candidate = winner.name();
  choice.reason = choice_reason(ranked);
  choice.checks = winner.checks;
  for (const auto& node : view.nodes) {
    if (&node == winner.node) continue;
    auto reason = non_contender_reason(view, node);
    if (reason.empty()) {
      auto it = std::find_if(ranked.begin(), ranked.end(), [&](auto& c) { return c.node == &node; });
      reason = rejection(view, *it, winner);
    }
    choice.rejected.push_back({node.name(), reason});
  }
  return choice;
}

std::vector<Rejected> rejected_besides(const ClusterView& view, const std::string& candidate) {
  std::vector<Rejected> rejected;
  for (const auto& node : view.nodes) {
    if (node.name() == candidate) continue;
    auto reason = non_contender_reason(view, node);
    if (reason.empty()) reason = node.name() + " was not considered: the operator named " + candidate;
    rejected.push_back({node.name(), reason});
  }
  return rejected;
}

}  // namespace pivot::controller::rules
