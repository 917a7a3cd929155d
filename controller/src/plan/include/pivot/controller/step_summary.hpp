#pragma once
// One sentence per job step, for people (pivotctl, the TUI): what happened,
// read from the step's name and detail ("db1 read-only (was writable)",
// "db2 caught up to 0-1-228", "route -> 127.0.0.1:22498"). Pure: the detail
// stays whole in the API for scripts; this is only its reading.
//
// A step that failed reads as its failure (the executor's sentence, which
// already names the node and the server's words). A step this file does not
// know yet reads as the commands it sent and how each ended, so a new step
// is never silent; give it its own case when you add it.

#include <string>

#include "pivot/controller/job.hpp"

namespace pivot::controller {

// `failure`: the sentence the executor recorded for this step, "" if none.
std::string step_summary(const JobStep& step, const std::string& failure = "");

}  // namespace pivot::controller
