#pragma once
// The ports through which the executor touches the world (STYLE.md: ports are
// named for their role, adapters for their technology, fakes Fake*). The
// executor runs one job on its own thread and calls these blocking; each call
// returns as soon as the answer is there (no polling sleeps).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/job.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/controller/pivot_status.hpp"
#include "pivot/protocol/command.hpp"
#include "pivot/protocol/command_result.hpp"
#include "pivot/result.hpp"

namespace pivot::controller {

// The agents: send one command and wait for its result. The adapter sets the
// epoch, re-sends until the result arrives, and gives up timeout_ms (plus a
// small transport margin) after the first send with error `no_answer`. An
// agent's own refusal is a CommandResult with ok=false, not an Error.
class AgentPort {
 public:
  virtual ~AgentPort() = default;
  virtual Result<protocol::CommandResult> call(const std::string& cluster, const std::string& node,
                                               const protocol::Command& command) = 0;
  // The same call; on_sent runs once, as soon as the command is on its way
  // (anything sent after that follows it to the agent), so that a caller can
  // queue a second command to the same agent behind it without waiting for
  // its answer: an agent runs commands one at a time, in arrival order
  // (docs/agent.md). An adapter that cannot tell runs it once the call returned.
  virtual Result<protocol::CommandResult> call_notifying_sent(const std::string& cluster, const std::string& node,
                                                              const protocol::Command& command,
                                                              const std::function<void()>& on_sent) {
    auto answer = call(cluster, node, command);
    on_sent();
    return answer;
  }
};

struct HookOutcome {
  bool started = false;     // false: could not be spawned (error says why)
  int exit_code = -1;       // -1 when killed or not started
  bool timed_out = false;   // killed at the timeout
  std::string output;       // stdout and stderr together: valid UTF-8, at most 64 KiB
  bool output_truncated = false;  // the hook wrote more than the output holds
  std::string error;        // spawn error, "" otherwise
  std::uint64_t duration_ms = 0;
  bool ok() const { return started && !timed_out && exit_code == 0; }
};

// Runs a hook executable with the given extra environment, killing it (and
// its process group) at the timeout.
class HookRunner {
 public:
  virtual ~HookRunner() = default;
  virtual HookOutcome run(const std::string& path, const std::map<std::string, std::string>& env,
                          std::uint64_t timeout_ms) = 0;
};

// Time for the executor: steady for deadlines, wall for the transcript.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint64_t steady_ms() = 0;
  virtual std::uint64_t wall_ms() = 0;
};

// The cluster as the model holds it at one instant (a failover's detection
// and choice read it).
struct ObservedCluster {
  ClusterObservation observed;
  std::uint64_t now_ms = 0;              // pivotd's steady clock, as observed's received_at_ms
  std::uint64_t observing_since_ms = 0;  // when pivotd began to listen (same clock)
  std::string last_primary;              // the node last observed writable ("" when never)
  // Its last state with mysqld reachable (a failover's choice tells errant
  // transactions from the dead primary's own by it).
  std::optional<protocol::NodeState> last_primary_state;
};

// The model, as a job sees it: a fresh pivot status (the `check` step), taken
// while the job itself holds the cluster (so no_job_in_progress ignores it).
class ClusterSource {
 public:
  virtual ~ClusterSource() = default;
  virtual PivotStatus pivot_status(const std::string& cluster, const std::optional<std::string>& candidate) = 0;
  // The cluster now, once each of `fresh` has reported at or after
  // `after_ms` (steady), or `timeout_ms` passed (then as it stands: the
  // caller reads each node's received_at_ms). Without `fresh`, at once.
  virtual ObservedCluster snapshot(const std::string& cluster, const std::vector<std::string>& fresh = {},
                                   std::uint64_t after_ms = 0, std::uint64_t timeout_ms = 0) = 0;
};

// Whether the job still holds its cluster: the runner asks at each phase
// boundary. The job registry's hold today (a job holds its cluster until it
// ends, unless the registry took it away); a lease when several pivotd share
// the fleet. A dry run changes nothing and holds nothing: always true.
class JobLock {
 public:
  virtual ~JobLock() = default;
  virtual bool holds(const std::string& cluster, const std::string& job_id) = 0;
  // Asked once, before the first step that changes a node (the fence): false
  // when the job was cancelled (or lost its hold), and it stops with nothing
  // changed; true commits it, and a cancel is refused from then on.
  virtual bool commits(const std::string& cluster, const std::string& job_id) { return holds(cluster, job_id); }
};

// The step sink: receives the job's progress as it happens (the jobs
// registry and the log today; the event stream is the next reader).
class JobObserver {
 public:
  virtual ~JobObserver() = default;
  virtual void step_started(const std::string& job_id, const JobStep& step) = 0;
  virtual void step_finished(const std::string& job_id, const JobStep& step) = 0;
};

// The state sink: the whole job each time it changes (running, each step as
// it starts and as it ends, then how it ended, with its result). The job
// registry calls it with its lock held, in the order the changes happen: a
// sink stores or queues and returns, and never calls the service back. The
// event stream (job events) and the metrics (jobs, step durations) read it.
class JobStateSink {
 public:
  virtual ~JobStateSink() = default;
  virtual void job_state(const Job& job) = 0;
};

}  // namespace pivot::controller
