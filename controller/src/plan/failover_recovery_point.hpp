#pragma once
// Where a failover stood when pivotd stopped (ARCHITECTURE.md, "Job
// journal"), read from its journal entries and the job as last saved. Pure:
// failover_recovery.cpp asks the nodes and acts on it.
//
// The rule, as for a pivot: before promote nothing rolls forward (the IO
// threads the failover stopped start again, a winner it repointed to a
// catch-up source goes back to the dead primary, and the failover guard
// decides anew on fresh states); once promote may have begun, the failover
// rolls forward with the winner it chose (promote again, the traffic switch,
// repoint, post_failover, verify): a winner that may be writable must never
// be left beside a second choice.

#include <set>
#include <string>
#include <vector>

#include "pivot/controller/job.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/result.hpp"

namespace pivot::controller::plan {

struct FailoverRecoveryPoint {
  std::vector<std::string> started;  // steps of the plan that started, in plan order
  std::string interrupted;           // the step running when pivotd stopped ("" between steps)
  std::string dead;                  // check's primary ("" when check had not passed)
  std::string candidate;             // choose's winner ("" when choose had not passed)
  bool changed_anything = false;     // fence_old_primary started
  bool catch_up_started = false;     // the winner may replicate from a catch-up source
  bool promote_started = false;      // the winner may be writable
  std::set<std::string> stopped_io;  // survivors whose stop_io command was journaled
};

enum class FailoverRecoveryWay { nothing_changed, roll_back, roll_forward };
const char* to_string(FailoverRecoveryWay way);

// Errors (bad_journal): a failover past its fence whose check names no
// primary, or past promote whose choose names no winner.
Result<FailoverRecoveryPoint> failover_recovery_point(const Job& saved, const std::vector<JournalEntry>& entries,
                                                      const std::vector<std::string>& plan_steps);
FailoverRecoveryWay failover_recovery_way(const FailoverRecoveryPoint& point);

}  // namespace pivot::controller::plan
