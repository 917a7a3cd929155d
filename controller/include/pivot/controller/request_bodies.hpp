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

// POST /v1/clusters/{name}/pivot-status and .../failover: {"candidate"?: string}
struct PivotStatusBody {
  std::optional<std::string> candidate;
};
Result<PivotStatusBody> parse_pivot_status_body(std::string_view body);

// POST /v1/clusters/{name}/pivot: {"candidate"?: string, "dry_run"?: bool,
// "expected_primary"?: string}. idempotency_key is left unset (it is a header).
Result<PivotOptions> parse_pivot_body(std::string_view body);

}  // namespace pivot::controller
