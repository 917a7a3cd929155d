#pragma once
// Every error slug the REST API answers with, and its HTTP status: the one
// list (docs/api.md, "Errors"). The service returns these codes in its
// Errors; the router maps them to statuses; any other code is `internal`.
// Plain constants, no dependencies: the service and the router include it.

#include <array>
#include <string_view>

namespace pivot::controller::api_error {

inline constexpr const char* bad_request = "bad_request";                    // 400
inline constexpr const char* unauthorized = "unauthorized";                  // 401
inline constexpr const char* forbidden = "forbidden";                        // 403
inline constexpr const char* not_found = "not_found";                        // 404
inline constexpr const char* method_not_allowed = "method_not_allowed";      // 405
inline constexpr const char* conflict = "conflict";                          // 409
inline constexpr const char* precondition_failed = "precondition_failed";    // 412
inline constexpr const char* too_large = "too_large";                        // 413
inline constexpr const char* idempotency_mismatch = "idempotency_mismatch";  // 422
inline constexpr const char* internal = "internal";                          // 500
inline constexpr const char* not_implemented = "not_implemented";            // 501

struct Slug {
  std::string_view slug;
  int status;
};

inline constexpr std::array<Slug, 11> kSlugs{{{bad_request, 400},
                                              {unauthorized, 401},
                                              {forbidden, 403},
                                              {not_found, 404},
                                              {method_not_allowed, 405},
                                              {conflict, 409},
                                              {precondition_failed, 412},
                                              {too_large, 413},
                                              {idempotency_mismatch, 422},
                                              {internal, 500},
                                              {not_implemented, 501}}};

// True when the API answers this code with its own status (else: internal).
constexpr bool is_known(std::string_view code) {
  for (const auto& s : kSlugs) {
    if (s.slug == code) return true;
  }
  return false;
}

// The status of a slug; 500 for anything unknown.
constexpr int status_of(std::string_view code) {
  for (const auto& s : kSlugs) {
    if (s.slug == code) return s.status;
  }
  return 500;
}

}  // namespace pivot::controller::api_error
