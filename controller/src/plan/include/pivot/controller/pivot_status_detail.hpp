#pragma once
// Pivot status as a job's result (REST `result` of a pivot-status job, and
// the first fields of a pivot's): {"eligible", "primary", "candidate",
// "candidate_reason", "rejected": [{node, reason}], "checks": [{id, ok, detail, warning}]}.

#include "pivot/controller/detail.hpp"
#include "pivot/controller/pivot_status.hpp"

namespace pivot::controller {

Detail detail_of(const PivotStatus& status);

}  // namespace pivot::controller
