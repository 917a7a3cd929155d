#pragma once
// pivotctl's exit codes (ARCHITECTURE.md, "pivotctl"): scripts and pipelines
// branch on them, so they never change meaning.

namespace pivot::ctl {

enum class ExitCode : int {
  ok = 0,            // done, or eligible
  unreachable = 1,   // pivotd not reached (the URL is named), or a job not finished in time
  usage = 2,         // bad command line or request; confirmation needed without a terminal
  not_eligible = 3,  // pivot status says no
  job_failed = 4,    // the job ended failed, rolled_back or cancelled
  refused = 5,       // pivotd answered 401, 403, 404, 409, 412, 501 (or another error)
  declined = 6,      // the operator answered no
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace pivot::ctl
