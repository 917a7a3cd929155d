#pragma once
// The two small jobs that follow a primary's restart or a failover
// (ARCHITECTURE.md, "Failover": the old primary; a primary that restarted
// read-only), each a plan on the step runner, journaled like a pivot:
//
// reopen  (kind reopen):  check (decide_reopen on fresh states of every node),
//                         reopen (the primary made writable; the commit point),
//                         verify (it reports itself writable, alone).
// rejoin  (kind rejoin):  fence (the returned old primary read-only, its client
//                         sessions killed: whatever else follows, it takes no
//                         write), judge (judge_returned_primary on fresh states),
//                         rejoin (CHANGE MASTER to the new primary, gtid_slave_pos
//                         seeded from its own binlog, both threads started),
//                         verify (it replicates from the new primary).
//                         A judgement of needs_rebuild ends the job succeeded
//                         after judge, with the extra transactions in its result:
//                         the service marks the node.

#include <cstdint>
#include <optional>
#include <string>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/failover_policy.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/controller/pivot_executor.hpp"
#include "pivot/controller/ports.hpp"
#include "pivot/controller/reopen.hpp"
#include "pivot/controller/returned_primary.hpp"

namespace pivot::controller {

struct ReopenJobInput {
  std::string job_id;
  ClusterSpec spec;
  FailoverKind kind = FailoverKind::manual;  // automatic: pivotd's own (auto_failover)
  std::optional<protocol::NodeState> last_writable_state;  // the primary's last state while writable
  std::optional<Maintenance> maintenance;                  // in force now
};

struct RejoinJobInput {
  std::string job_id;
  ClusterSpec spec;
  std::string old_primary;
  std::string new_primary;
  bool marked_needs_rebuild = false;
};

struct RejoinOutcome {
  PivotJobOutcome job;
  ReturnVerdict verdict = ReturnVerdict::absent;  // what judge decided (absent: it did not get that far)
  std::string extra_gtids;
  std::uint64_t extra_count = 0;
};

// The ports a job's executor runs through, together.
struct ExecutorPorts {
  AgentPort& agents;
  HookRunner& hooks;
  ClusterSource& source;
  Clock& clock;
  JobObserver& observer;
  JobLock& lock;
  Journal& journal;
};

class RepairExecutor {
 public:
  explicit RepairExecutor(ExecutorPorts ports) : ports_(ports) {}
  // result: {primary, verdict, reasons}; succeeded once verify saw it writable.
  PivotJobOutcome reopen(const ReopenJobInput& input);
  // result: {old_primary, new_primary, verdict, extra_gtids?, extra_count?, reasons}.
  RejoinOutcome rejoin(const RejoinJobInput& input);

 private:
  ExecutorPorts ports_;
};

}  // namespace pivot::controller
