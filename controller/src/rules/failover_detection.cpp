// detect_failover: the primary's own agent and every other node's testimony,
// weighed as ARCHITECTURE.md's two conditions say (see the header).

#include "pivot/controller/failover_detection.hpp"

#include "checks.hpp"

namespace pivot::controller {

namespace {

using rules::NodeView;

enum class Testimony { alive, lost, none };

struct Witness {
  Testimony testimony = Testimony::none;
  std::string sentence;
};

// What a node other than the primary says of it. Only a fresh agent with its
// mysqld up and a source that is the primary testifies: a running IO thread
// says the primary lives (whatever the SQL thread does); a connecting one, or
// one stopped by an error, says it lost it; one stopped without an error was
// stopped by someone and says nothing.
Witness testify(const NodeView& node, const NodeView& primary) {
  const auto& p = primary.name();
  if (node.state == nullptr) return {Testimony::none, node.unknown + ": it cannot tell whether " + p + " lives"};
  const auto& replica = node.state->replica;
  if (!replica) return {Testimony::none, rules::no_source(node)};
  const auto* last_seen = primary.observed != nullptr && primary.observed->state ? &*primary.observed->state : nullptr;
  if (auto other = rules::other_source(node, primary, last_seen); !other.empty()) return {Testimony::none, other};
  if (replica->io_running == protocol::IoThread::yes) {
    return {Testimony::alive, node.name() + "'s IO thread is connected to " + p + " (whatever its SQL thread does)"};
  }
  const auto problem = rules::io_thread_problem(node.name(), *replica);
  if (replica->io_running == protocol::IoThread::no && replica->last_io_error.empty()) {
    return {Testimony::none, problem + " without an error (stopped by someone): it cannot tell whether " + p + " lives"};
  }
  return {Testimony::lost, problem + ": it lost " + p};
}

struct PrimaryReport {
  PrimaryAgent agent = PrimaryAgent::silent;
  std::string sentence;  // "db1's agent reports its mysqld unreachable (...)"
};

PrimaryReport primary_report(const NodeView& primary, const FailoverDetectionInput& in) {
  const auto& p = primary.name();
  const auto* observed = primary.observed;
  const auto now_ms = in.now_ms;
  const auto agent_dead_ms = static_cast<std::uint64_t>(in.spec.policy.agent_dead_ms);
  const auto ms = [](std::uint64_t v) { return std::to_string(v) + " ms"; };
  if (observed == nullptr) {
    const auto listened = now_ms > in.observing_since_ms ? now_ms - in.observing_since_ms : 0;
    const auto since = p + "'s agent has not reported since pivotd began to listen " + ms(listened) + " ago";
    if (listened >= agent_dead_ms) return {PrimaryAgent::silent, since + " (agent_dead_ms " + ms(agent_dead_ms) + ")"};
    return {PrimaryAgent::late, since + ", less than agent_dead_ms (" + ms(agent_dead_ms) + ")"};
  }
  const auto age = age_ms(*observed, now_ms);
  if (age >= agent_dead_ms) {
    return {PrimaryAgent::silent,
            p + "'s agent has been silent for " + ms(age) + " (agent_dead_ms " + ms(agent_dead_ms) + ")"};
  }
  if (!observed->state) return {PrimaryAgent::late, p + "'s agent has not sent its state yet"};
  const auto& state = *observed->state;
  if (!state.mysql_reachable) {
    return {PrimaryAgent::unreachable, p + "'s agent reports its mysqld unreachable" +
                                           (state.probe_error.empty() ? "" : " (" + state.probe_error + ")")};
  }
  if (age > static_cast<std::uint64_t>(in.spec.policy.agent_fresh_ms)) {
    return {PrimaryAgent::late, p + "'s agent has not reported for " + ms(age) + ", less than agent_dead_ms (" +
                                    ms(agent_dead_ms) + "), and its last state had mysqld up"};
  }
  return {PrimaryAgent::up, p + "'s agent reports its mysqld up"};
}

}  // namespace

const char* to_string(FailoverVerdict verdict) {
  switch (verdict) {
    case FailoverVerdict::healthy:
      return "healthy";
    case FailoverVerdict::degraded:
      return "degraded";
    case FailoverVerdict::dead:
      return "dead";
    case FailoverVerdict::no_decision:
      break;
  }
  return "no_decision";
}

FailoverDetection detect_failover(const FailoverDetectionInput& input) {
  const auto view = rules::make_view(input.spec, input.observed, input.now_ms);
  FailoverDetection d;
  d.primary = input.primary;
  const auto* primary = view.find(input.primary);
  if (primary == nullptr) {
    d.reasons.push_back("The primary " + input.primary + " is not in the cluster spec: no decision.");
    return d;
  }
  const auto& p = primary->name();
  const auto report = primary_report(*primary, input);
  d.primary_agent = report.agent;
  if (report.agent == PrimaryAgent::up) {
    d.verdict = FailoverVerdict::healthy;
    d.reasons.push_back(report.sentence + ": no failover.");
    return d;
  }

  std::vector<std::string> testimonies, writable;
  for (const auto& node : view.nodes) {
    if (&node == primary) continue;
    if (node.current == Current::primary) writable.push_back(node.name());
    auto witness = testify(node, *primary);
    testimonies.push_back(witness.sentence + ".");
    if (witness.testimony == Testimony::alive) d.alive_by.push_back(node.name());
    if (witness.testimony == Testimony::lost && promotable(node.spec->role)) d.confirmed_by.push_back(node.name());
  }

  std::string verdict;
  if (!d.alive_by.empty()) {
    d.verdict = FailoverVerdict::degraded;
    verdict = report.sentence + ", but " + rules::join(d.alive_by) + " still receive" +
              (d.alive_by.size() == 1 ? "s" : "") + " from it: " + p +
              " lives (a problem between pivotd and its host, not a dead primary); no failover.";
  } else if (report.agent == PrimaryAgent::late) {
    verdict = report.sentence + ": waiting for agent_dead_ms before deciding.";
  } else if (d.confirmed_by.empty()) {
    verdict = report.sentence + ", but no fresh promotable replica's agent confirms that it lost " + p +
              ": pivotd decides nothing without one.";
  } else if (!writable.empty()) {
    verdict = report.sentence + ", but " + rules::join(writable) +
              " is writable: the cluster has another primary; no failover.";
  } else {
    d.verdict = FailoverVerdict::dead;
    const bool silent = report.agent == PrimaryAgent::silent;
    verdict = p + " is dead: " + report.sentence + " and " +
              (silent ? "every replica whose agent is fresh lost it too" : "no replica is connected to it") +
              "; confirmed by " + rules::join(d.confirmed_by) + ".";
  }
  d.reasons.push_back(std::move(verdict));
  d.reasons.insert(d.reasons.end(), testimonies.begin(), testimonies.end());
  return d;
}

}  // namespace pivot::controller
