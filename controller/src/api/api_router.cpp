#include "pivot/controller/api_router.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pivot/controller/api_errors.hpp"
#include "pivot/controller/cluster_health.hpp"
#include "pivot/controller/event_hub.hpp"
#include "pivot/controller/job_metrics.hpp"
#include "pivot/controller/prometheus_text.hpp"
#include "pivot/controller/json_views.hpp"
#include "pivot/controller/request_bodies.hpp"
#include "pivot/protocol/names.hpp"

namespace pivot::controller {
namespace {

using nlohmann::json;

constexpr std::size_t kDefaultJobLimit = 50;
constexpr std::size_t kMaxJobLimit = 1000;
constexpr std::size_t kMaxIdempotencyKey = 200;

// Never throws: a job's detail holds hook output and server messages relayed
// by agents, and one invalid UTF-8 byte there must not make every listing of
// jobs a 500. Such bytes become U+FFFD (the sources clean them first; this is
// the last line of defence).
ApiResponse json_response(int status, const json& body) {
  ApiResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

// A service error keeps its slug when the API knows it; any other code is an
// internal error whose message still says what happened.
ApiResponse service_error(const Error& error) {
  if (api_error::is_known(error.code)) return error_response(error.code, error.message);
  return error_response(api_error::internal, error.code + ": " + error.message);
}

// Who may call a route: anyone, a viewer or operator token, an operator token.
enum class Access { open, view, operate };

struct Call {
  const ApiRequest& request;
  std::vector<std::string> params;           // the path's {name} / {id}, in order
  std::map<std::string, std::string> query;  // only the route's own keys
  std::string requested_by;
};

struct Context {
  ControllerService& service;
  const std::string& version;
  EventHub* events;
  const JobMetrics* job_metrics;
};

using Handler = ApiResponse (*)(const Context&, const Call&);

struct Route {
  std::string_view method;
  std::vector<std::string_view> path;  // "{}" matches one segment
  Access access;
  std::set<std::string> query_keys;
  Handler handler;
};

ApiResponse accepted_job(const std::string& id) {
  auto response = json_response(202, {{"job", id}});
  response.headers.emplace_back("Location", "/v1/jobs/" + id);
  return response;
}

ApiResponse health(const Context& ctx, const Call&) {
  return json_response(200, {{"status", "ok"}, {"version", ctx.version}});
}

// Prometheus text format 0.0.4 (docs/metrics.md has every series).
ApiResponse metrics(const Context& ctx, const Call&) {
  PrometheusText out;
  out.family("pivot_build_info", "gauge", "pivotd's version.");
  out.sample("pivot_build_info", {{"version", ctx.version}}, 1);

  const auto clusters = ctx.service.clusters();
  std::vector<std::string> names;
  out.family("pivot_clusters", "gauge", "Clusters loaded from the specs.");
  out.sample("pivot_clusters", {}, static_cast<double>(clusters.size()));
  out.family("pivot_cluster_healthy", "gauge", "1 when the cluster has one writable primary and every node is fresh and replicating.");
  for (const auto& c : clusters) {
    names.push_back(c.name);
    out.sample("pivot_cluster_healthy", {{"cluster", c.name}}, c.healthy ? 1 : 0);
  }
  std::vector<ClusterDetail> details;
  for (const auto& name : names) {
    if (auto detail = ctx.service.cluster(name)) details.push_back(std::move(detail).value());
  }
  out.family("pivot_cluster_health", "gauge", "1 for the cluster's health state (ok, degraded, ...), 0 for the others.");
  for (const auto& detail : details) {
    const auto health = cluster_health(detail);
    for (auto state : kHealthStates) {
      out.sample("pivot_cluster_health", {{"cluster", detail.name}, {"state", std::string(state)}}, state == health.state ? 1 : 0);
    }
  }
  out.family("pivot_replica_lag_seconds", "gauge", "Each replica's Seconds_Behind_Master as its agent last reported it (absent when unknown).");
  for (const auto& detail : details) {
    for (const auto& node : detail.nodes) {
      if (node.current != Current::replica || !node.state || !node.state->replica) continue;
      if (auto lag = node.state->replica->seconds_behind) {
        out.sample("pivot_replica_lag_seconds", {{"cluster", detail.name}, {"node", node.spec.name}}, static_cast<double>(*lag));
      }
    }
  }

  const auto agents = ctx.service.agents();
  out.family("pivot_agents", "gauge", "Agents heard from.");
  out.sample("pivot_agents", {}, static_cast<double>(agents.agents.size()));
  out.family("pivot_agent_last_seen_seconds", "gauge", "Seconds since pivotd last heard from each agent (pivotd's clock).");
  for (const auto& a : agents.agents) {
    out.sample("pivot_agent_last_seen_seconds", {{"cluster", a.cluster}, {"node", a.node}},
               static_cast<double>(a.last_seen_age_ms) / 1000);
  }
  out.family("pivot_rejected_keys_total", "counter", "Connections refused for an unknown CURVE key.");
  out.sample("pivot_rejected_keys_total", {}, static_cast<double>(agents.rejected_keys));
  out.family("pivot_rejected_messages_total", "counter", "Messages dropped: undecodable or claiming another node.");
  out.sample("pivot_rejected_messages_total", {}, static_cast<double>(agents.rejected_messages));
  out.family("pivot_agent_message_latency_seconds", "histogram",
             "From an agent's message (its ts_ms, on its clock) to pivotd's model updated with it (pivotd's clock).");
  static const auto kLatencyBounds = [] {
    std::array<double, LatencyHistogram::kBoundsMs.size()> seconds{};
    for (std::size_t i = 0; i < seconds.size(); ++i) seconds[i] = LatencyHistogram::kBoundsMs[i] / 1000.0;
    return seconds;
  }();
  out.histogram("pivot_agent_message_latency_seconds", {}, kLatencyBounds, agents.message_latency.counts,
                agents.message_latency.sum_ms / 1000.0);

  std::map<std::string, std::size_t> by_state;
  for (auto name : protocol::EnumNames<JobState>::names) by_state[std::string(name)] = 0;
  for (const auto& job : ctx.service.jobs(std::nullopt, kMaxJobLimit)) ++by_state[std::string(protocol::to_string(job.state))];
  out.family("pivot_jobs", "gauge", "Jobs by state, among the newest 1000.");
  for (const auto& [state, count] : by_state) out.sample("pivot_jobs", {{"state", state}}, static_cast<double>(count));

  if (ctx.job_metrics) ctx.job_metrics->write(out, names);
  if (ctx.events) {
    const auto stats = ctx.events->stats();
    out.family("pivot_event_clients", "gauge", "Clients reading GET /v1/events.");
    out.sample("pivot_event_clients", {}, static_cast<double>(stats.clients));
    out.family("pivot_events_total", "counter", "Events sent on GET /v1/events since pivotd started.");
    out.sample("pivot_events_total", {}, static_cast<double>(stats.published));
    out.family("pivot_event_clients_dropped_total", "counter", "Event stream clients dropped for reading too slowly.");
    out.sample("pivot_event_clients_dropped_total", {}, static_cast<double>(stats.dropped));
  }

  ApiResponse response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = out.take();
  return response;
}

ApiResponse list_clusters(const Context& ctx, const Call&) {
  json out = json::array();
  for (const auto& c : ctx.service.clusters()) out.push_back(to_json(c));
  return json_response(200, out);
}

ApiResponse get_cluster(const Context& ctx, const Call& call) {
  auto detail = ctx.service.cluster(call.params[0]);
  if (!detail) return service_error(detail.error());
  auto body = to_json(*detail);
  const auto health = cluster_health(*detail);  // ARCHITECTURE.md: a cluster carries its health
  body["health"] = {{"state", health.state}, {"reasons", health.reasons}};
  return json_response(200, body);
}

ApiResponse list_agents(const Context& ctx, const Call&) { return json_response(200, to_json(ctx.service.agents())); }

ApiResponse start_pivot_status(const Context& ctx, const Call& call) {
  auto body = parse_pivot_status_body(call.request.body);
  if (!body) return service_error(body.error());
  auto id = ctx.service.start_pivot_status(call.params[0], body->candidate, call.requested_by,
                                           call.request.idempotency_key, body->wait_s);
  if (!id) return service_error(id.error());
  return accepted_job(*id);
}

ApiResponse start_pivot(const Context& ctx, const Call& call) {
  auto options = parse_pivot_body(call.request.body);
  if (!options) return service_error(options.error());
  options->idempotency_key = call.request.idempotency_key;
  auto id = ctx.service.start_pivot(call.params[0], *options, call.requested_by);
  if (!id) return service_error(id.error());
  return accepted_job(*id);
}

ApiResponse start_failover(const Context& ctx, const Call& call) {
  auto body = parse_pivot_status_body(call.request.body, false);  // {"candidate"?}: a failover does not wait
  if (!body) return service_error(body.error());
  auto id = ctx.service.start_failover(call.params[0], body->candidate, call.requested_by,
                                       call.request.idempotency_key);
  if (!id) return service_error(id.error());
  return accepted_job(*id);
}

// acknowledge and maintenance answer the cluster's failover view as it now is.
ApiResponse failover_view(const Call& call, const Result<FailoverView>& view) {
  if (!view) return service_error(view.error());
  return json_response(200, {{"cluster", call.params[0]}, {"failover", to_json(*view)}});
}

ApiResponse acknowledge(const Context& ctx, const Call& call) {
  auto request = parse_acknowledge_body(call.request.body);
  if (!request) return service_error(request.error());
  return failover_view(call, ctx.service.acknowledge(call.params[0], *request, call.requested_by));
}

ApiResponse set_maintenance(const Context& ctx, const Call& call) {
  auto window = parse_maintenance_body(call.request.body);
  if (!window) return service_error(window.error());
  return failover_view(call, ctx.service.set_maintenance(call.params[0], *window, call.requested_by));
}

ApiResponse end_maintenance(const Context& ctx, const Call& call) {
  if (auto body = parse_empty_body(call.request.body); !body) return service_error(body.error());
  return failover_view(call, ctx.service.end_maintenance(call.params[0], call.requested_by));
}

ApiResponse start_reopen(const Context& ctx, const Call& call) {
  if (auto body = parse_empty_body(call.request.body); !body) return service_error(body.error());
  auto id = ctx.service.start_reopen(call.params[0], call.requested_by, call.request.idempotency_key);
  if (!id) return service_error(id.error());
  return accepted_job(*id);
}

ApiResponse start_rollout(const Context& ctx, const Call& call) {
  auto request = parse_rollout_body(call.request.body);
  if (!request) return service_error(request.error());
  request->idempotency_key = call.request.idempotency_key;
  auto id = ctx.service.start_rollout(*request, call.requested_by);
  if (!id) return service_error(id.error());
  return accepted_job(*id);
}

ApiResponse cancel_job(const Context& ctx, const Call& call) {
  auto job = ctx.service.cancel_job(call.params[0], call.requested_by);
  if (!job) return service_error(job.error());
  return json_response(200, to_json(*job));
}

// The cluster named by ?cluster=, checked; nullopt when not given.
Result<std::optional<std::string>> cluster_filter(const Call& call) {
  auto it = call.query.find("cluster");
  if (it == call.query.end()) return std::optional<std::string>();
  if (!protocol::is_valid_name(it->second)) {
    return make_error(api_error::bad_request, "query parameter 'cluster' is not a cluster name");
  }
  return std::optional<std::string>(it->second);
}

// Server-sent events (docs/api.md): the hub's stream for this client.
ApiResponse events(const Context& ctx, const Call& call) {
  if (ctx.events == nullptr) return error_response(api_error::not_implemented, "the event stream is not enabled");
  auto cluster = cluster_filter(call);
  if (!cluster) return service_error(cluster.error());
  // A typo must not stream silence: the cluster has to be loaded.
  if (*cluster) {
    if (auto known = ctx.service.cluster(**cluster); !known) return service_error(known.error());
  }
  ApiResponse response;
  response.content_type = "text/event-stream; charset=utf-8";
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass events on at once
  response.stream = ctx.events->subscribe(*cluster, call.request.last_event_id);
  return response;
}

ApiResponse get_job(const Context& ctx, const Call& call) {
  auto job = ctx.service.job(call.params[0]);
  if (!job) return service_error(job.error());
  return json_response(200, to_json(*job));
}

ApiResponse list_jobs(const Context& ctx, const Call& call) {
  auto cluster = cluster_filter(call);
  if (!cluster) return service_error(cluster.error());
  std::size_t limit = kDefaultJobLimit;
  if (auto it = call.query.find("limit"); it != call.query.end()) {
    const auto& text = it->second;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || limit < 1 || limit > kMaxJobLimit) {
      return error_response(api_error::bad_request, fmt::format("query parameter 'limit' must be a number from 1 to {}", kMaxJobLimit));
    }
  }
  json out = json::array();
  for (const auto& job : ctx.service.jobs(*cluster, limit)) out.push_back(to_json(job));
  return json_response(200, out);
}

const std::vector<Route>& routes() {
  static const std::vector<Route> kRoutes{
      {"GET", {"v1", "health"}, Access::open, {}, health},
      {"GET", {"metrics"}, Access::open, {}, metrics},
      {"GET", {"v1", "clusters"}, Access::view, {}, list_clusters},
      {"GET", {"v1", "clusters", "{}"}, Access::view, {}, get_cluster},
      {"GET", {"v1", "agents"}, Access::view, {}, list_agents},
      {"POST", {"v1", "clusters", "{}", "pivot-status"}, Access::operate, {}, start_pivot_status},
      {"POST", {"v1", "clusters", "{}", "pivot"}, Access::operate, {}, start_pivot},
      {"POST", {"v1", "clusters", "{}", "failover"}, Access::operate, {}, start_failover},
      {"POST", {"v1", "clusters", "{}", "acknowledge"}, Access::operate, {}, acknowledge},
      {"PUT", {"v1", "clusters", "{}", "maintenance"}, Access::operate, {}, set_maintenance},
      {"DELETE", {"v1", "clusters", "{}", "maintenance"}, Access::operate, {}, end_maintenance},
      {"POST", {"v1", "clusters", "{}", "reopen"}, Access::operate, {}, start_reopen},
      {"POST", {"v1", "rollouts"}, Access::operate, {}, start_rollout},
      {"POST", {"v1", "jobs", "{}", "cancel"}, Access::operate, {}, cancel_job},
      {"GET", {"v1", "jobs", "{}"}, Access::view, {}, get_job},
      {"GET", {"v1", "jobs"}, Access::view, {"cluster", "limit"}, list_jobs},
      {"GET", {"v1", "events"}, Access::view, {"cluster"}, events},
  };
  return kRoutes;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(sep, start);
    out.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// The route's parameters when `segments` matches its path.
std::optional<std::vector<std::string>> match(const Route& route, const std::vector<std::string_view>& segments) {
  if (route.path.size() != segments.size()) return std::nullopt;
  std::vector<std::string> params;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (route.path[i] == "{}") {
      if (segments[i].empty()) return std::nullopt;
      params.emplace_back(segments[i]);
    } else if (route.path[i] != segments[i]) {
      return std::nullopt;
    }
  }
  return params;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      unsigned value = 0;
      const char* hex = text.data() + i + 1;
      if (i + 2 >= text.size() || std::from_chars(hex, hex + 2, value, 16).ptr != hex + 2) return std::nullopt;
      out += static_cast<char>(value);
      i += 2;
    }
  }
  return out;
}

// Query keys the route does not take are refused, like unknown body fields.
Result<std::map<std::string, std::string>> parse_query(std::string_view query, const std::set<std::string>& allowed) {
  std::map<std::string, std::string> out;
  if (query.empty()) return out;
  for (auto pair : split(query, '&')) {
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) return make_error(api_error::bad_request, "the query string has a bad %-escape");
    if (!allowed.count(*key)) {
      return make_error(api_error::bad_request, "unknown query parameter '" + *key + "'" +
                                           (allowed.empty() ? std::string(" (this path takes none)") : ""));
    }
    if (!out.emplace(*key, *value).second) {
      return make_error(api_error::bad_request, "query parameter '" + *key + "' is given twice");
    }
  }
  return out;
}

ApiResponse unauthorized(const std::string& message, bool bad_token) {
  auto response = error_response(api_error::unauthorized, message);
  response.headers.emplace_back("WWW-Authenticate",
                                bad_token ? R"(Bearer realm="pivotd", error="invalid_token")" : R"(Bearer realm="pivotd")");
  return response;
}

// "Bearer TOKEN" (the scheme is case-insensitive) -> TOKEN.
std::optional<std::string_view> bearer_token(const std::optional<std::string>& header) {
  if (!header) return std::nullopt;
  std::string_view value = *header;
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return std::nullopt;
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace

ApiResponse error_response(const std::string& slug, const std::string& message) {
  return json_response(api_error::status_of(slug), {{"error", slug}, {"message", message}});
}

ApiRouter::ApiRouter(ControllerService& service, const Tokens* tokens, std::string version, EventHub* events,
                     const JobMetrics* job_metrics)
    : service_(service), tokens_(tokens), version_(std::move(version)), events_(events), job_metrics_(job_metrics) {}

ApiResponse ApiRouter::handle(const ApiRequest& request) const {
  const std::string_view target = request.target;
  const auto question = target.find('?');
  const auto path = target.substr(0, question);
  const auto query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  if (path.empty() || path.front() != '/') return error_response(api_error::bad_request, "the request target must start with '/'");
  const auto segments = split(path.substr(1), '/');

  const Route* route = nullptr;
  std::vector<std::string> params;
  std::string allowed;  // methods of the path, for 405's Allow header
  for (const auto& candidate : routes()) {
    auto matched = match(candidate, segments);
    if (!matched) continue;
    if (candidate.method == request.method) {
      route = &candidate;
      params = std::move(*matched);
      break;
    }
    if (allowed.find(candidate.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + std::string(candidate.method);
  }
  if (!route && allowed.empty()) return error_response(api_error::not_found, "no such path: " + std::string(path));
  if (!route) {
    auto response = error_response(api_error::method_not_allowed, request.method + " is not allowed on " + std::string(path) + " (allowed: " + allowed + ")");
    response.headers.emplace_back("Allow", allowed);
    return response;
  }

  std::string requested_by = "insecure";
  if (route->access != Access::open && tokens_ != nullptr) {
    const auto token = bearer_token(request.authorization);
    if (!token) return unauthorized("a bearer token is needed (Authorization: Bearer TOKEN)", false);
    const auto caller = tokens_->find(*token);
    if (!caller) return unauthorized("the token is not known", true);
    if (route->access == Access::operate && caller->role != TokenRole::operator_) {
      return error_response(api_error::forbidden, "token '" + caller->name + "' is a viewer token; " + request.method +
                                             " needs an operator token");
    }
    requested_by = caller->name;
  }

  auto query_map = parse_query(query, route->query_keys);
  if (!query_map) return service_error(query_map.error());
  if (request.idempotency_key &&
      (request.idempotency_key->empty() || request.idempotency_key->size() > kMaxIdempotencyKey)) {
    return error_response(api_error::bad_request, fmt::format("the Idempotency-Key header must have 1 to {} characters", kMaxIdempotencyKey));
  }
  const Call call{request, std::move(params), std::move(*query_map), std::move(requested_by)};
  return route->handler(Context{service_, version_, events_, job_metrics_}, call);
}

}  // namespace pivot::controller
