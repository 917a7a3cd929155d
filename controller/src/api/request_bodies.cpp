#include "pivot/controller/request_bodies.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "pivot/controller/api_errors.hpp"
#include "pivot/protocol/names.hpp"

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
      return bad_request("unknown field '" + key + "' (allowed: " + choices + ")");
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

}  // namespace

Result<PivotStatusBody> parse_pivot_status_body(std::string_view body) {
  auto object = parse_object(body, {"candidate"});
  if (!object) return object.error();
  auto candidate = optional_name(*object, "candidate");
  if (!candidate) return candidate.error();
  return PivotStatusBody{std::move(*candidate)};
}

Result<PivotOptions> parse_pivot_body(std::string_view body) {
  auto object = parse_object(body, {"candidate", "dry_run", "expected_primary"});
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
  return options;
}

}  // namespace pivot::controller
