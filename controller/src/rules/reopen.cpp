// decide_reopen: the evidence that a read-only primary may be made writable
// again, then who may do it (see the header).

#include "pivot/controller/reopen.hpp"

#include "checks.hpp"

namespace pivot::controller {

namespace {

using rules::NodeView;

// Why `node` keeps the primary `p` from being reopened, or "".
std::string follower_problem(const NodeView& node, const NodeView& p, const rules::GtidHoldings& primary_holds) {
  if (node.state == nullptr) return node.unknown + ": what it holds is not known";
  if (node.current == Current::primary) {
    return node.name() + " is writable: the cluster has another primary";
  }
  if (!node.state->replica) return rules::no_source(node) + ": it does not follow " + p.name();
  if (auto other = rules::other_source(node, p, p.state); !other.empty()) return other;
  auto holds = rules::gtid_holdings(node);
  if (!holds) return "Cannot tell what " + node.name() + " holds: " + holds.error().message;
  if (!rules::holds_all(primary_holds, *holds)) {
    return node.name() + " holds what " + p.name() + " lacks (" + rules::lacking(primary_holds, *holds).gtids +
           "): a reopen would lose it or break " + node.name();
  }
  return "";
}

// "" when its mysqld restarted since it was last writable, else why that is
// not shown.
std::string restart_unseen(const NodeView& p, const std::optional<protocol::NodeState>& last_writable) {
  const auto& name = p.name();
  if (!last_writable) return "pivotd holds no state of " + name + " from when it was writable";
  const auto& before = last_writable->uptime_s;
  const auto& now = p.state->uptime_s;
  if (!before || !now) return name + "'s uptime is unknown " + (before ? "now" : "from when it was writable");
  if (*now < *before) return "";
  return name + "'s mysqld did not restart since it was writable (uptime " + std::to_string(*now) + " s, " +
         std::to_string(*before) + " s then): someone made it read-only";
}

}  // namespace

const char* to_string(ReopenVerdict verdict) {
  switch (verdict) {
    case ReopenVerdict::not_needed:
      return "not_needed";
    case ReopenVerdict::reopen:
      return "reopen";
    case ReopenVerdict::awaiting_operator:
      return "awaiting_operator";
    case ReopenVerdict::refused:
      break;
  }
  return "refused";
}

ReopenDecision decide_reopen(const ReopenInput& input) {
  const auto view = rules::make_view(input.spec, input.observed, input.now_ms);
  ReopenDecision d;
  const auto* p = view.find(input.primary);
  if (p == nullptr) {
    d.reasons.push_back("The primary " + input.primary + " is not in the cluster spec: not reopened.");
    return d;
  }
  const auto& name = p->name();
  if (p->state == nullptr) {
    d.reasons.push_back(p->unknown + ": " + name + " is not reopened.");
    return d;
  }
  const auto& state = *p->state;
  if (state.read_only == false) {
    d.verdict = ReopenVerdict::not_needed;
    d.reasons.push_back(name + " is writable: nothing to reopen.");
    return d;
  }

  std::vector<std::string> problems;
  if (!state.read_only) problems.push_back(name + "'s read_only is unknown");
  if (state.replica) {
    problems.push_back(name + " replicates from " + state.replica->source_host + ":" +
                       std::to_string(state.replica->source_port) + ": it was demoted, not restarted");
  }
  if (input.job_in_progress) problems.push_back("a pivot or failover holds the cluster");
  auto holds = rules::gtid_holdings(*p);
  if (!holds) problems.push_back("Cannot tell what " + name + " holds: " + holds.error().message);
  for (const auto& node : view.nodes) {
    if (&node == p || !holds) continue;
    if (auto problem = follower_problem(node, *p, *holds); !problem.empty()) problems.push_back(problem);
  }
  if (!problems.empty()) {
    d.reasons.push_back(name + " is read-only and is not reopened: " + rules::join(problems, "; ") + ".");
    return d;
  }

  const auto evidence = name + " is read-only with no source, no other node is writable, every other node follows it and " +
                        "it holds every transaction any of them holds (" + rules::holdings_text(*holds) + ")";
  const auto unseen = restart_unseen(*p, input.last_writable_state);
  if (input.kind == FailoverKind::manual) {
    d.verdict = ReopenVerdict::reopen;
    d.reasons.push_back(evidence + ": reopened by the operator.");
    if (!unseen.empty()) d.reasons.push_back("No restart was seen (" + unseen + "): the operator decided.");
    return d;
  }
  const auto reopen_by_hand = ": an operator may reopen it (pivotctl reopen " + input.spec.name + ").";
  d.verdict = ReopenVerdict::awaiting_operator;
  if (!unseen.empty()) {
    d.reasons.push_back(evidence + ", but " + unseen + "; pivotd does not undo that by itself" + reopen_by_hand);
  } else if (input.maintenance) {
    d.reasons.push_back(evidence + ", but the cluster is in maintenance" +
                        (input.maintenance->reason.empty() ? "" : " (" + input.maintenance->reason + ")") +
                        ": no automatic reopen" + reopen_by_hand);
  } else if (!input.spec.policy.auto_failover) {
    d.reasons.push_back(evidence + ", and its mysqld restarted; policy.auto_failover is off, so pivotd does not "
                                   "reopen it by itself" + reopen_by_hand);
  } else {
    d.verdict = ReopenVerdict::reopen;
    d.reasons.push_back(evidence + ", and its mysqld restarted (an outage nobody decided): pivotd reopens it.");
  }
  return d;
}

}  // namespace pivot::controller
