#pragma once
// After the last write: find the writable node, let every other reachable node
// catch up with its binary log position (MASTER_GTID_WAIT, one deadline for
// all), then read back this run's rows and CHECKSUM TABLE everywhere.
// All as the writing account: it needs no privilege beyond SELECT for this.

#include <string>

#include "final_verdict.hpp"
#include "probe_clock.hpp"
#include "probe_config.hpp"
#include "probe_table.hpp"

namespace pivot::tools {

// Rows are read back for ticks first_seq..last_seq (this run's).
FinalState run_final_check(const ProbeConfig& config, const std::string& password, const ProbeTable& table,
                           std::int64_t first_seq, std::int64_t last_seq, const ProbeClock& clock);

}  // namespace pivot::tools
