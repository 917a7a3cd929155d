#pragma once
// A job: one pivot-status, pivot or failover request and its step transcript
// (REST `GET /v1/jobs/{id}`). Times are wall-clock ms since the Unix epoch;
// the API prints them as RFC 3339 with milliseconds.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pivot/controller/detail.hpp"
#include "pivot/protocol/enum_names.hpp"

namespace pivot::controller {

// reopen: a primary that restarted read-only made writable; rejoin: an old
// primary that returned after a failover fenced and repointed (or marked
// needs_rebuild). Both are additions to ARCHITECTURE.md's kinds. rollout:
// one pivot per selected cluster (ARCHITECTURE.md, "Rollouts"); its cluster is "".
enum class JobKind { pivot_status, pivot, failover, reopen, rejoin, rollout };
enum class JobState { queued, running, succeeded, failed, rolled_back, cancelled };
// A step: running, succeeded, failed, skipped (e.g. a hook that is not set), rolled_back.
enum class StepState { running, succeeded, failed, skipped, rolled_back };

struct JobStep {
  std::string name;
  StepState state = StepState::running;
  std::uint64_t started_at_ms = 0;
  std::uint64_t finished_at_ms = 0;  // 0 while running
  Detail detail = Detail::object();
  // One sentence of what happened (step_summary.hpp), set when the step ends.
  std::string summary;
};

struct Job {
  std::string id;
  JobKind kind = JobKind::pivot_status;
  std::string cluster;
  JobState state = JobState::queued;
  std::string requested_by;
  bool dry_run = false;  // a pivot's dry run: it only reads, holds nothing
  std::uint64_t created_at_ms = 0;
  std::vector<JobStep> steps;
  Detail result;  // null until the job ends
  // While a job waits for eligibility (wait_s): what it waits for
  // (eligibility_wait.hpp); null otherwise. Shown, not journaled.
  Detail progress = {};
  bool finished() const { return state != JobState::queued && state != JobState::running; }
};

}  // namespace pivot::controller

// Wire-style names for the API and logs (pivot::protocol::to_string).
namespace pivot::protocol {
template <>
struct EnumNames<controller::JobKind> {
  static constexpr std::array<std::string_view, 6> names{"pivot_status", "pivot", "failover",
                                                         "reopen",       "rejoin", "rollout"};
};
template <>
struct EnumNames<controller::JobState> {
  static constexpr std::array<std::string_view, 6> names{"queued",    "running",     "succeeded",
                                                         "failed",    "rolled_back", "cancelled"};
};
template <>
struct EnumNames<controller::StepState> {
  static constexpr std::array<std::string_view, 5> names{"running", "succeeded", "failed", "skipped",
                                                         "rolled_back"};
};
}  // namespace pivot::protocol
