#pragma once
// Failover detection (ARCHITECTURE.md, "Failover": detection is holistic): a
// pure function of the spec, what pivotd observed of each node with its age,
// and the time. It says whether the primary is dead, and why in sentences the
// operator reads in the cluster's `health`; it never acts.
//
// The primary is dead when
//   A. its agent reports mysqld unreachable and no replica's IO thread is
//      connected to it, or
//   B. its agent has been silent for agent_dead_ms and no replica whose agent
//      is fresh is connected to it either,
// and in both cases at least one fresh promotable replica's agent confirms it
// (its IO thread replicates from the primary and is no longer connected): a
// pivotd that hears no replica decides nothing. A running IO thread is
// evidence that the primary lives, whatever the SQL thread does.

#include <cstdint>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/observed.hpp"

namespace pivot::controller {

enum class FailoverVerdict {
  healthy,      // the primary's agent reports its mysqld up
  degraded,     // its agent is silent or cannot reach mysqld, but a replica still receives from it: the primary lives
  dead,         // condition A or B holds, confirmed by a fresh promotable replica
  no_decision,  // neither alive nor provably dead: reasons say what is missing
};
const char* to_string(FailoverVerdict verdict);

// What the primary's own agent last said. The failover's fence reads it: an
// agent silent for agent_dead_ms, or one whose mysqld does not answer, cannot
// confirm a fence soon, and the failover does not wait the fence's deadline.
enum class PrimaryAgent {
  up,           // it reports its mysqld up
  unreachable,  // it reports its mysqld unreachable (dead, hung or overloaded)
  late,         // not heard for less than agent_dead_ms (or no state yet): it may still answer
  silent,       // not heard for agent_dead_ms
};

struct FailoverDetectionInput {
  const ClusterSpec& spec;  // policy.agent_dead_ms: how long the primary's agent must be silent for condition B
  const ClusterObservation& observed;
  std::uint64_t now_ms = 0;  // pivotd's steady clock, as ObservedNode::received_at_ms
  // The node pivotd last observed as the writable primary (its journal keeps
  // it): once its mysqld is down the observation no longer says which it was.
  std::string primary;
  // When pivotd began to observe (same clock as now_ms): an agent never
  // heard from is silent only once pivotd has listened for agent_dead_ms,
  // so that a pivotd just started does not take the order its first
  // messages arrive in for a death.
  std::uint64_t observing_since_ms = 0;
};

struct FailoverDetection {
  FailoverVerdict verdict = FailoverVerdict::no_decision;
  std::string primary;
  PrimaryAgent primary_agent = PrimaryAgent::late;
  // The verdict's sentence first, then what each other node testified ("db2's
  // IO thread is connecting (error 2003 ...): it lost db1"), for `health` and
  // for the log line of every decision not to fail over.
  std::vector<std::string> reasons;
  std::vector<std::string> confirmed_by;  // fresh promotable replicas that lost the primary
  std::vector<std::string> alive_by;      // fresh replicas whose IO thread is connected to it
};

FailoverDetection detect_failover(const FailoverDetectionInput& input);

}  // namespace pivot::controller
