#pragma once
// Where a pivot stood when pivotd stopped (ARCHITECTURE.md, "Pivot plan" and
// "Job journal"): read from the journal's entries (which steps started and
// ended, which commands may have gone out) and the job as last saved (the
// details of the steps that ended: the primary and candidate, the position).
// Pure: pivot_recovery.cpp asks the nodes and acts on it.
//
// The rule: until the candidate may have become writable, the pivot rolls
// back; once promote's set_read_only may have gone out, it rolls forward,
// provided the candidate is writable now. A candidate that is still
// read-only never took a write as a primary (recovery's own set_read_only,
// queued behind any stale one, and then its position say so exactly), so that
// case rolls back too: rolling forward would make it writable on a fence that
// may have lapsed while pivotd was down.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pivot/controller/job.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/result.hpp"
#include "pivot_plan.hpp"

namespace pivot::controller::plan {

struct RecoveryPoint {
  std::string interrupted;            // the step running when pivotd stopped ("" between steps)
  std::uint64_t interrupted_at_ms = 0;  // when it started (wall clock)
  std::string last_started;           // the last step of the plan that started ("" none)
  std::vector<std::string> started;   // steps of the plan that started, in plan order
  std::set<std::string> succeeded;    // steps of the plan that ended succeeded or skipped
  std::string old_primary, candidate;  // from check ("" when check had not passed)
  std::optional<Position> position;   // the captured position (capture_position ended)
  bool changed_anything = false;      // a step from the fence on started
  // promote's set_read_only to the candidate was journaled (with the reset's
  // id, during catch_up: journaled is not sent, the candidate's answer says)
  bool may_be_writable = false;
};

// Errors (bad_journal): a job whose saved steps do not name the nodes a
// started fence needs. Steps not in the plan (rollback_*, recover) are kept
// out of `started`: a job recovered once and stopped again is read anew.
Result<RecoveryPoint> recovery_point(const Job& saved, const std::vector<JournalEntry>& entries,
                                     const std::vector<std::string>& plan_steps);

enum class RecoveryWay { nothing_changed, roll_back, roll_forward };
// candidate_writable: the candidate's read_only as it answered recovery's
// report_position (false also when it did not answer).
RecoveryWay recovery_way(const RecoveryPoint& point, bool candidate_writable);
const char* to_string(RecoveryWay way);

}  // namespace pivot::controller::plan
