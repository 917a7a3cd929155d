#include "pivot/controller/request_bodies.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "pivot/controller/api_errors.hpp"
#include "pivot/protocol/names.hpp"
#include "pivot/rfc3339.hpp"

namespace pivot::controller {
namespace {

using nlohmann::json;

Error bad_request(std::string message) { return make_error(api_error::bad_request, std::move(message)); }

// The body as a JSON object whose keys are all in `allowed`.
Result<json> parse_object(std::string_view body, const std::set<std::string>& allowed) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  // nlohmann keeps the last of two equal keys; the callback sees each key of
  // the top-level object and catches the repeat instead.
  std::set<std::string> seen;
  std::string repeated;
  const json::parser_callback_t on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && !seen.insert(parsed.get<std::string>()).second &&
        repeated.empty()) {
      repeated = parsed.get<std::string>();
    }
    return true;
  };
  json parsed = json::parse(body.begin(), body.end(), on_event, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return bad_request("the body is not valid JSON");
  if (!parsed.is_object()) return bad_request("the body must be a JSON object");
  if (!repeated.empty()) return bad_request("field '" + repeated + "' is given twice");
  for (const auto& [key, value] : parsed.items()) {
    if (!allowed.count(key)) {
      std::string choices;
      for (const auto& name : allowed) choices += (choices.empty() ? "" : ", ") + name;
      return bad_request("unknown field '" + key + "' (" + (choices.empty() ? "this route takes none" : "allowed: " + choices) + ")");
    }
  }
  return parsed;
}

// A node name, or nullopt when absent or null.
Result<std::optional<std::string>> optional_name(const json& object, const std::string& field) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return bad_request("field '" + field + "' must be a string (a node name)");
  auto name = it->get<std::string>();
  if (!protocol::is_valid_name(name)) {
    return bad_request("field '" + field + "' is not a node name ([a-z0-9][a-z0-9_-]{0,62})");
  }
  return std::optional<std::string>(std::move(name));
}

// A string that says something: present, a string, not blank.
Result<std::string> required_text(const json& object, const std::string& field, const std::string& what) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return bad_request("field '" + field + "' is required (" + what + ")");
  if (!it->is_string()) return bad_request("field '" + field + "' must be a string (" + what + ")");
  auto text = it->get<std::string>();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return bad_request("field '" + field + "' must not be empty (" + what + ")");
  }
  return text;
}

}  // namespace

Result<AcknowledgeRequest> parse_acknowledge_body(std::string_view body) {
  auto object = parse_object(body, {"comment", "rebuilt"});
  if (!object) return object.error();
  auto comment = required_text(*object, "comment", "why the failover is dealt with");
  if (!comment) return comment.error();
  AcknowledgeRequest request{std::move(*comment)};
  if (const auto it = object->find("rebuilt"); it != object->end() && !it->is_null()) {
    if (!it->is_array()) return bad_request("field 'rebuilt' must be an array of node names");
    std::set<std::string> seen;
    for (const auto& node : *it) {
      if (!node.is_string() || !protocol::is_valid_name(node.get<std::string>())) {
        return bad_request("field 'rebuilt' must hold node names ([a-z0-9][a-z0-9_-]{0,62})");
      }
      if (!seen.insert(node.get<std::string>()).second) {
        return bad_request("field 'rebuilt' names " + node.get<std::string>() + " twice");
      }
      request.rebuilt.push_back(node.get<std::string>());
    }
  }
  return request;
}

Result<MaintenanceWindow> parse_maintenance_body(std::string_view body) {
  auto object = parse_object(body, {"until", "reason"});
  if (!object) return object.error();
  const auto until = object->find("until");
  if (until == object->end() || until->is_null()) {
    return bad_request("field 'until' is required (an RFC 3339 time, e.g. 2026-11-24T22:00:00Z)");
  }
  const auto until_ms = until->is_string() ? parse_rfc3339_ms(until->get<std::string>()) : std::nullopt;
  if (!until_ms || *until_ms < 0) {
    return bad_request("field 'until' must be an RFC 3339 time with its offset, e.g. 2026-11-24T22:00:00Z or "
                       "2026-11-24T23:00:00+01:00");
  }
  auto reason = required_text(*object, "reason", "why the cluster is in maintenance");
  if (!reason) return reason.error();
  MaintenanceWindow window;
  window.until_ms = static_cast<std::uint64_t>(*until_ms);
  window.reason = std::move(*reason);
  return window;
}

Result<void> parse_empty_body(std::string_view body) {
  auto object = parse_object(body, {});
  if (!object) return object.error();
  return ok();
}

Result<RolloutRequest> parse_rollout_body(std::string_view body) {
  auto object = parse_object(body, {"selector", "order_by", "concurrency", "stop_on_failure", "dry_run"});
  if (!object) return object.error();
  auto selector = required_text(*object, "selector", "the clusters' labels, e.g. environment=stage,service=sms");
  if (!selector) return selector.error();
  RolloutRequest request{.selector = std::move(*selector)};
  if (const auto it = object->find("order_by"); it != object->end() && !it->is_null()) {
    if (!it->is_string()) return bad_request("field 'order_by' must be a string (a label, or label=v1,v2,...)");
    request.order_by = it->get<std::string>();
  }
  if (const auto it = object->find("concurrency"); it != object->end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 1000) {
      return bad_request("field 'concurrency' must be a whole number of pivots at once, at least 1");
    }
    request.concurrency = static_cast<int>(it->get<std::int64_t>());
  }
  for (auto [field, flag] : {std::pair{"stop_on_failure", &request.stop_on_failure}, std::pair{"dry_run", &request.dry_run}}) {
    if (const auto it = object->find(field); it != object->end() && !it->is_null()) {
      if (!it->is_boolean()) return bad_request("field '" + std::string(field) + "' must be true or false");
      *flag = it->get<bool>();
    }
  }
  return request;
}

// "wait_s": a whole number of seconds, 0 (the default) to kMaxWaitS.
Result<std::uint64_t> optional_wait_s(const nlohmann::json& object) {
  const auto it = object.find("wait_s");
  if (it == object.end() || it->is_null()) return std::uint64_t{0};
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::uint64_t>() > kMaxWaitS) {
    return bad_request("field 'wait_s' must be a whole number of seconds from 0 to " + std::to_string(kMaxWaitS));
  }
  return it->get<std::uint64_t>();
}

Result<PivotStatusBody> parse_pivot_status_body(std::string_view body, bool with_wait) {
  auto object = with_wait ? parse_object(body, {"candidate", "wait_s"}) : parse_object(body, {"candidate"});
  if (!object) return object.error();
  auto candidate = optional_name(*object, "candidate");
  if (!candidate) return candidate.error();
  auto wait_s = optional_wait_s(*object);
  if (!wait_s) return wait_s.error();
  return PivotStatusBody{std::move(*candidate), *wait_s};
}

Result<PivotOptions> parse_pivot_body(std::string_view body) {
  auto object = parse_object(body, {"candidate", "dry_run", "expected_primary", "wait_s"});
  if (!object) return object.error();
  PivotOptions options;
  auto candidate = optional_name(*object, "candidate");
  if (!candidate) return candidate.error();
  options.candidate = std::move(*candidate);
  auto expected = optional_name(*object, "expected_primary");
  if (!expected) return expected.error();
  options.expected_primary = std::move(*expected);
  if (const auto it = object->find("dry_run"); it != object->end() && !it->is_null()) {
    if (!it->is_boolean()) return bad_request("field 'dry_run' must be true or false");
    options.dry_run = it->get<bool>();
  }
  auto wait_s = optional_wait_s(*object);
  if (!wait_s) return wait_s.error();
  options.wait_s = *wait_s;
  return options;
}

}  // namespace pivot::controller
