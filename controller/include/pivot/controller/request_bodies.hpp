#pragma once
// The POST bodies of the REST API, read strictly: a typo must never turn into
// a default ("candiate" would otherwise pivot to an automatic choice). So
// malformed JSON, a body that is not an object, a wrong type, an unknown or a
// repeated field are all refused (code bad_request, the field named). An empty
// body means {}; null for an optional field means "not given".

#include <optional>
#include <string>
#include <string_view>

#include "pivot/controller/controller_service.hpp"
#include "pivot/result.hpp"

namespace pivot::controller {

// The longest a job may wait for eligibility (wait_s): a week.
inline constexpr std::uint64_t kMaxWaitS = 7 * 24 * 3600;

// POST /v1/clusters/{name}/pivot-status: {"candidate"?: string, "wait_s"?:
// 0..kMaxWaitS}; .../failover: {"candidate"?: string} (with_wait false: a
// failover does not wait).
struct PivotStatusBody {
  std::optional<std::string> candidate;
  std::uint64_t wait_s = 0;
};
Result<PivotStatusBody> parse_pivot_status_body(std::string_view body, bool with_wait = true);

// POST /v1/clusters/{name}/pivot: {"candidate"?: string, "dry_run"?: bool,
// "expected_primary"?: string, "wait_s"?: 0..kMaxWaitS}. idempotency_key is
// left unset (it is a header).
Result<PivotOptions> parse_pivot_body(std::string_view body);

// POST /v1/clusters/{name}/acknowledge: {"comment": string (not blank),
// "rebuilt"?: [node, ...] (no repeats)}.
Result<AcknowledgeRequest> parse_acknowledge_body(std::string_view body);

// PUT /v1/clusters/{name}/maintenance: {"until": RFC 3339 with its offset,
// "reason": string (not blank)}. set_by and set_ms are left for the service;
// whether `until` is in the future is the service's to say (it has the clock).
Result<MaintenanceWindow> parse_maintenance_body(std::string_view body);

// POST /v1/clusters/{name}/reopen: nothing, or {}; any field is unknown.
Result<void> parse_empty_body(std::string_view body);

// POST /v1/rollouts: {"selector": string (required, not blank), "order_by"?:
// string, "concurrency"?: 1.., "stop_on_failure"?: bool, "dry_run"?: bool}.
// What the selector and order mean is the service's to check.
Result<RolloutRequest> parse_rollout_body(std::string_view body);

}  // namespace pivot::controller
