// The REST API without sockets: every route, auth, error mapping, strict
// bodies and the JSON shapes, through ApiRouter::handle and a FakeService.
#include "pivot/controller/api_router.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_service.hpp"
#include "pivot/controller/api_errors.hpp"
#include "pivot/controller/event_hub.hpp"
#include "pivot/controller/json_views.hpp"
#include "pivot/controller/utf8_text.hpp"

namespace pivot::controller {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr std::uint64_t kT0 = 1795551303123;  // 2026-11-24T20:15:03.123Z

const char* kTokensFile = R"(# who may call pivotd
operator alice op-token-alice-0123456789
viewer   grafana view-token-0123456789
)";

std::optional<std::string> bearer(const std::string& token) { return "Bearer " + token; }
const auto kOperator = bearer("op-token-alice-0123456789");
const auto kViewer = bearer("view-token-0123456789");

protocol::NodeState replica_state(const std::string& node) {
  protocol::NodeState s;
  s.cluster = "sms-1";
  s.node = node;
  s.flavor = protocol::Flavor::mariadb;
  s.version = "10.11.6-MariaDB";
  s.server_id = 2;
  s.read_only = true;
  s.gtid_binlog_pos = "0-1-100";
  s.mysql_reachable = true;
  s.probe_latency_ms = 1.5;
  s.agent_version = "0.1.0";
  protocol::ReplicaStatus r;
  r.source_host = "10.0.1.11";
  r.source_port = 3306;
  r.io_running = protocol::IoThread::yes;
  r.sql_running = true;
  r.seconds_behind = 2;
  r.using_gtid = protocol::GtidMode::slave_pos;
  s.replica = r;
  return s;
}

class ApiRouterTest : public ::testing::Test {
 protected:
  ApiRouterTest() : tokens_(Tokens::parse(kTokensFile, "tokens").value()), router_(service_, &tokens_, "1.2.3") {
    ClusterDetail detail;
    detail.name = "sms-1";
    detail.labels = {{"environment", "prod"}};
    detail.primary = "db1";
    NodeView db2;
    db2.spec = {"db2", "10.0.2.11", 3306, "b", Role::replica, 10};
    db2.current = Current::replica;
    db2.state = replica_state("db2");
    db2.age_ms = 420;
    NodeView db4;  // never heard from
    db4.spec = {"db4", "10.0.2.12", 3306, "b", Role::backup, 0};
    db4.current = Current::unknown;
    detail.nodes = {db2, db4};
    service_.details["sms-1"] = detail;
    service_.cluster_list = {{"sms-1", {{"environment", "prod"}}, "db1", true, 2.0, "j-7"},
                             {"sms-2", {}, std::nullopt, false, std::nullopt, std::nullopt}};
    service_.agent_view = {{{"sms-1", "db2", "b-42", 300, 1200, 1}}, 3, 4};

    Job job;
    job.id = "j-7";
    job.kind = JobKind::pivot;
    job.cluster = "sms-1";
    job.state = JobState::running;
    job.requested_by = "alice";
    job.created_at_ms = kT0;
    job.steps = {{"check", StepState::succeeded, kT0, kT0 + 5, {{"eligible", true}}, "db2 chosen to replace db1"},
                 {"fence", StepState::running, kT0 + 5, 0, Detail::object(), ""}};
    Job other = job;
    other.id = "j-6";
    other.cluster = "sms-2";
    other.state = JobState::succeeded;
    other.result = {{"eligible", false}};
    service_.job_list = {job, other};
  }

  ApiResponse call(const std::string& method, const std::string& target, std::optional<std::string> auth = kViewer,
                   const std::string& body = "", std::optional<std::string> idempotency_key = std::nullopt) {
    return router_.handle(ApiRequest{method, target, std::move(auth), std::move(idempotency_key), body});
  }
  ApiResponse post(const std::string& target, const std::string& body = "", std::optional<std::string> auth = kOperator) {
    return call("POST", target, std::move(auth), body);
  }
  static json body_of(const ApiResponse& response) { return json::parse(response.body); }
  static std::string header(const ApiResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }
  // Status, the error slug, and "the message names X".
  static void expect_error(const ApiResponse& response, int status, const std::string& slug,
                           const std::string& in_message = "") {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    const auto body = body_of(response);
    EXPECT_EQ(body.at("error"), slug);
    EXPECT_THAT(body.at("message").get<std::string>(), HasSubstr(in_message));
  }

  // 202 {"job": "j-1"} with its Location, and the one job started: `kind`
  // on sms-1 for alice.
  void expect_one_start(const ApiResponse& response, const std::string& kind) {
    EXPECT_EQ(response.status, 202) << response.body;
    EXPECT_EQ(body_of(response), (json{{"job", "j-1"}}));
    EXPECT_EQ(header(response, "Location"), "/v1/jobs/j-1");
    ASSERT_EQ(service_.starts.size(), 1u);
    EXPECT_EQ(service_.starts[0].kind, kind);
    EXPECT_EQ(service_.starts[0].cluster, "sms-1");
    EXPECT_EQ(service_.starts[0].requested_by, "alice");
  }

  FakeService service_;
  Tokens tokens_;
  ApiRouter router_;
};

// --- open routes ---

TEST_F(ApiRouterTest, HealthNeedsNoTokenAndSaysTheVersion) {
  const auto response = call("GET", "/v1/health", std::nullopt);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response), (json{{"status", "ok"}, {"version", "1.2.3"}}));
}

TEST_F(ApiRouterTest, MetricsNeedNoTokenAndCountAgentsJobsAndClusters) {
  const auto response = call("GET", "/metrics", std::nullopt);
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.content_type, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(response.body, HasSubstr("pivot_agents 1\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_rejected_keys_total 3\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_jobs{state=\"running\"} 1\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_jobs{state=\"cancelled\"} 0\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_cluster_healthy{cluster=\"sms-2\"} 0\n"));
  EXPECT_THAT(response.body, HasSubstr("# TYPE pivot_agents gauge\n"));
}

TEST_F(ApiRouterTest, MetricsShowHealthLagAndLastSeenPerNode) {
  const auto body = call("GET", "/metrics", std::nullopt).body;
  // sms-1: db4 never heard from; sms-2 has no detail to read.
  EXPECT_THAT(body, HasSubstr("pivot_cluster_health{cluster=\"sms-1\",state=\"degraded\"} 1\n"));
  EXPECT_THAT(body, HasSubstr("pivot_cluster_health{cluster=\"sms-1\",state=\"ok\"} 0\n"));
  EXPECT_THAT(body, HasSubstr("pivot_cluster_health{cluster=\"sms-1\",state=\"maintenance\"} 0\n"));
  EXPECT_THAT(body, HasSubstr("pivot_replica_lag_seconds{cluster=\"sms-1\",node=\"db2\"} 2\n"));
  EXPECT_THAT(body, ::testing::Not(HasSubstr("pivot_replica_lag_seconds{cluster=\"sms-1\",node=\"db4\"}")));
  EXPECT_THAT(body, HasSubstr("pivot_agent_last_seen_seconds{cluster=\"sms-1\",node=\"db2\"} 0.3\n"));
  EXPECT_THAT(body, HasSubstr("pivot_rejected_messages_total 4\n"));
}

TEST_F(ApiRouterTest, MetricsShowTheMessageLatencyAsACumulativeHistogramInSeconds) {
  auto& latency = service_.agent_view.message_latency;
  latency.counts[LatencyHistogram::bucket_of(0.25)] = 90;  // <= 0.3 ms
  latency.counts[LatencyHistogram::bucket_of(4.0)] = 9;    // <= 5 ms
  latency.counts.back() = 1;                               // past 2.5 s
  latency.sum_ms = 3060.5;
  const auto response = call("GET", "/metrics", std::nullopt);
  EXPECT_THAT(response.body, HasSubstr("# TYPE pivot_agent_message_latency_seconds histogram\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_agent_message_latency_seconds_bucket{le=\"0.0002\"} 0\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_agent_message_latency_seconds_bucket{le=\"0.0003\"} 90\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_agent_message_latency_seconds_bucket{le=\"0.005\"} 99\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_agent_message_latency_seconds_bucket{le=\"2.5\"} 99\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_agent_message_latency_seconds_bucket{le=\"+Inf\"} 100\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_agent_message_latency_seconds_sum 3.0605\n"));
  EXPECT_THAT(response.body, HasSubstr("pivot_agent_message_latency_seconds_count 100\n"));
}

// --- reads ---

TEST_F(ApiRouterTest, ClustersListsTheSummaries) {
  const auto response = call("GET", "/v1/clusters");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response), json::parse(R"([
    {"name": "sms-1", "labels": {"environment": "prod"}, "primary": "db1", "healthy": true, "max_lag_s": 2.0, "last_job": "j-7"},
    {"name": "sms-2", "labels": {}, "primary": null, "healthy": false, "max_lag_s": null, "last_job": null}])"));
}

TEST_F(ApiRouterTest, ClusterDetailHasRoleCurrentAndStateWithAge) {
  const auto response = call("GET", "/v1/clusters/sms-1");
  ASSERT_EQ(response.status, 200);
  const auto body = body_of(response);
  EXPECT_EQ(body["name"], "sms-1");
  EXPECT_EQ(body["primary"], "db1");
  EXPECT_EQ(body["policy"]["max_lag_seconds"], 5);
  EXPECT_EQ(body["policy"]["auto_failover"], false);
  ASSERT_EQ(body["nodes"].size(), 2u);
  const auto& db2 = body["nodes"][0];
  EXPECT_EQ(db2["name"], "db2");
  EXPECT_EQ(db2["host"], "10.0.2.11");
  EXPECT_EQ(db2["port"], 3306);
  EXPECT_EQ(db2["az"], "b");
  EXPECT_EQ(db2["role"], "replica");
  EXPECT_EQ(db2["priority"], 10);
  EXPECT_EQ(db2["current"], "replica");
  EXPECT_EQ(db2["state"]["age_ms"], 420);
  EXPECT_EQ(db2["state"]["flavor"], "mariadb");
  EXPECT_EQ(db2["state"]["read_only"], true);
  EXPECT_TRUE(db2["state"]["gtid_executed"].is_null());  // MySQL only: null, not absent
  EXPECT_TRUE(db2["state"].contains("gtid_executed"));
  EXPECT_EQ(db2["state"]["replica"]["io_running"], "yes");
  EXPECT_EQ(db2["state"]["replica"]["using_gtid"], "slave_pos");
  EXPECT_EQ(db2["state"]["replica"]["seconds_behind"], 2);
  EXPECT_TRUE(db2["state"]["semi_sync"].is_null());
  const auto& db4 = body["nodes"][1];
  EXPECT_EQ(db4["role"], "backup");
  EXPECT_EQ(db4["current"], "unknown");
  EXPECT_TRUE(db4["state"].is_null());
}

TEST_F(ApiRouterTest, UnknownClusterIs404) {
  expect_error(call("GET", "/v1/clusters/nope"), 404, "not_found", "nope");
}

TEST_F(ApiRouterTest, AgentsListsAgentsAndRejections) {
  const auto response = call("GET", "/v1/agents");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response), json::parse(R"({"agents": [{"cluster": "sms-1", "node": "db2", "boot_id": "b-42",
    "last_seen_age_ms": 300, "messages": 1200, "seq_gaps": 1}], "rejected_keys": 3, "rejected_messages": 4})"));
}

TEST_F(ApiRouterTest, JobHasRfc3339TimesAndSteps) {
  const auto response = call("GET", "/v1/jobs/j-7");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response), json::parse(R"({"id": "j-7", "kind": "pivot", "dry_run": false, "cluster": "sms-1", "state": "running",
    "requested_by": "alice", "created_at": "2026-11-24T20:15:03.123Z", "result": null, "steps": [
      {"name": "check", "state": "succeeded", "started_at": "2026-11-24T20:15:03.123Z",
       "finished_at": "2026-11-24T20:15:03.128Z", "summary": "db2 chosen to replace db1", "detail": {"eligible": true}},
      {"name": "fence", "state": "running", "started_at": "2026-11-24T20:15:03.128Z", "finished_at": null, "summary": "",
       "detail": {}}]})"));
}

TEST_F(ApiRouterTest, UnknownJobIs404) { expect_error(call("GET", "/v1/jobs/j-99"), 404, "not_found", "j-99"); }

TEST_F(ApiRouterTest, JobsListNewestFirstWithDefaultLimit50) {
  const auto response = call("GET", "/v1/jobs");
  ASSERT_EQ(response.status, 200);
  const auto body = body_of(response);
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0]["id"], "j-7");
  EXPECT_EQ(body[1]["result"], (json{{"eligible", false}}));
  ASSERT_EQ(service_.jobs_calls.size(), 1u);
  EXPECT_EQ(service_.jobs_calls[0].limit, 50u);
  EXPECT_FALSE(service_.jobs_calls[0].cluster);
}

TEST_F(ApiRouterTest, JobsFilterByClusterAndLimit) {
  const auto response = call("GET", "/v1/jobs?cluster=sms-2&limit=1000");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response).size(), 1u);
  ASSERT_EQ(service_.jobs_calls.size(), 1u);
  EXPECT_EQ(service_.jobs_calls[0].limit, 1000u);
  EXPECT_EQ(service_.jobs_calls[0].cluster, "sms-2");
  EXPECT_EQ(call("GET", "/v1/jobs?limit=1").status, 200);
}

TEST_F(ApiRouterTest, BadJobQueriesAre400) {
  for (const std::string query : {"limit=0", "limit=1001", "limit=abc", "limit=", "limit=5x", "limit=-1",
                                  "limit=99999999999999999999"}) {
    SCOPED_TRACE(query);
    expect_error(call("GET", "/v1/jobs?" + query), 400, "bad_request", "limit");
  }
  expect_error(call("GET", "/v1/jobs?cluster=Bad/Name"), 400, "bad_request", "cluster");
  expect_error(call("GET", "/v1/jobs?limt=5"), 400, "bad_request", "limt");
  expect_error(call("GET", "/v1/jobs?limit=5&limit=6"), 400, "bad_request", "twice");
  expect_error(call("GET", "/v1/clusters?x=1"), 400, "bad_request", "'x'");
  EXPECT_TRUE(service_.jobs_calls.empty());
}

// --- jobs started ---

TEST_F(ApiRouterTest, PivotStatusStartsAJobForTheOperator) {
  expect_one_start(post("/v1/clusters/sms-1/pivot-status", R"({"candidate": "db2"})"), "pivot_status");
  ASSERT_EQ(service_.starts.size(), 1u);
  EXPECT_EQ(service_.starts[0].options.candidate, "db2");
}

TEST_F(ApiRouterTest, AnEmptyBodyMeansNoCandidate) {
  for (const std::string body : {"", "  \n", "{}", R"({"candidate": null})"}) {
    SCOPED_TRACE(body);
    service_.starts.clear();
    EXPECT_EQ(post("/v1/clusters/sms-1/pivot-status", body).status, 202);
    ASSERT_EQ(service_.starts.size(), 1u);
    EXPECT_FALSE(service_.starts[0].options.candidate);
  }
}

TEST_F(ApiRouterTest, PivotPassesEveryOptionAndTheIdempotencyKey) {
  const auto response = call("POST", "/v1/clusters/sms-1/pivot", kOperator,
                             R"({"candidate": "db2", "dry_run": true, "expected_primary": "db1"})", "deploy-881");
  EXPECT_EQ(response.status, 202);
  ASSERT_EQ(service_.starts.size(), 1u);
  const auto& start = service_.starts[0];
  EXPECT_EQ(start.kind, "pivot");
  EXPECT_EQ(start.options.candidate, "db2");
  EXPECT_TRUE(start.options.dry_run);
  EXPECT_EQ(start.options.expected_primary, "db1");
  EXPECT_EQ(start.options.idempotency_key, "deploy-881");
  EXPECT_EQ(start.requested_by, "alice");
}

TEST_F(ApiRouterTest, PivotStatusPassesTheIdempotencyKeyToo) {
  call("POST", "/v1/clusters/sms-1/pivot-status", kOperator, "", "k-1");
  ASSERT_EQ(service_.starts.size(), 1u);
  EXPECT_EQ(service_.starts[0].options.idempotency_key, "k-1");
  expect_error(call("POST", "/v1/clusters/sms-1/pivot", kOperator, "", std::string(201, 'k')), 400, "bad_request",
               "Idempotency-Key");
}

// A typo must never pivot to an automatic choice.
TEST_F(ApiRouterTest, StrictBodiesAreRefusedBeforeAnyJobStarts) {
  struct Case {
    std::string path, body, in_message;
  };
  for (const auto& c : std::vector<Case>{
           {"pivot", R"({"candiate": "db2"})", "candiate"},
           {"pivot-status", R"({"candiate": "db2"})", "candiate"},
           {"pivot", R"({"candidate": "db2")", "not valid JSON"},
           {"pivot", R"(["db2"])", "object"},
           {"pivot", R"("db2")", "object"},
           {"pivot", R"({"candidate": 2})", "candidate"},
           {"pivot", R"({"dry_run": "yes"})", "dry_run"},
           {"pivot", R"({"expected_primary": ["db1"]})", "expected_primary"},
           {"pivot", R"({"candidate": ""})", "candidate"},
           {"pivot", R"({"candidate": "../db2"})", "candidate"},
           {"pivot", R"({"candidate": "db2", "candidate": "db3"})", "twice"},
           {"pivot-status", R"({"dry_run": true})", "dry_run"},
       }) {
    SCOPED_TRACE(c.path + " " + c.body);
    expect_error(post("/v1/clusters/sms-1/" + c.path, c.body), 400, "bad_request", c.in_message);
  }
  EXPECT_TRUE(service_.starts.empty());
}

TEST_F(ApiRouterTest, ServiceErrorsMapToStatuses) {
  struct Case {
    std::string code;
    int status;
    std::string slug;
  };
  for (const auto& c : std::vector<Case>{{"not_found", 404, "not_found"},
                                         {"bad_request", 400, "bad_request"},
                                         {"conflict", 409, "conflict"},
                                         {"precondition_failed", 412, "precondition_failed"},
                                         {"journal_full", 500, "internal"}}) {
    SCOPED_TRACE(c.code);
    service_.start_error = make_error(c.code, "because " + c.code);
    expect_error(post("/v1/clusters/sms-1/pivot"), c.status, c.slug, "because " + c.code);
    expect_error(post("/v1/clusters/sms-1/pivot-status"), c.status, c.slug, "because " + c.code);
  }
}

TEST_F(ApiRouterTest, AFailoverStartsAJobWithItsCandidateOrSaysWhyNot) {
  const auto response = post("/v1/clusters/sms-1/failover", R"({"candidate": "db2"})");
  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(body_of(response), (json{{"job", "j-1"}}));
  ASSERT_EQ(service_.starts.size(), 1u);
  EXPECT_EQ(service_.starts[0].kind, "failover");
  EXPECT_EQ(service_.starts[0].options.candidate, "db2");
  EXPECT_EQ(service_.starts[0].requested_by, "alice");
  service_.start_error = make_error("conflict", "db1 lives: use pivot");
  expect_error(post("/v1/clusters/sms-1/failover", "{}"), 409, "conflict", "db1 lives: use pivot");
  expect_error(post("/v1/clusters/sms-1/failover", R"({"candidate": 3})"), 400, "bad_request",
               "field 'candidate' must be a string (a node name)");
}

TEST_F(ApiRouterTest, ACancelAnswersTheJobOrWhyNot) {
  Job running;
  running.id = "j-7";
  running.kind = JobKind::pivot;
  running.cluster = "sms-1";
  running.state = JobState::running;
  service_.job_list = {running};
  auto ok = post("/v1/jobs/j-7/cancel");
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_THAT(ok.body, HasSubstr("\"state\":\"cancelled\""));
  ASSERT_EQ(service_.cancels.size(), 1u);
  EXPECT_EQ(service_.cancels[0].first, "j-7");
  service_.cancel_error = make_error("conflict", "job j-7 has begun to fence sms-1's primary");
  expect_error(post("/v1/jobs/j-7/cancel"), 409, "conflict", "begun to fence");
}

// --- failover policy: acknowledge, maintenance, reopen (issue 15) ---

// sms-1 after an automatic failover from db1 to db2: db1 marked needs_rebuild,
// the cooldown running, a maintenance window set by bob.
FailoverView failed_over_view() {
  FailoverView view;
  view.auto_failover = true;
  view.detection = "healthy";
  view.reasons = {"cooldown: no automatic failover of sms-1 until 2026-11-24T21:15:03.123Z (acknowledge ends it)"};
  view.last_failover = FailoverMemo{"fo-4-2", "db1", "db2", true, kT0, false, "", "", 0, false};
  view.cooldown_until_ms = kT0 + 3600000;
  view.maintenance = MaintenanceWindow{kT0 + 7200000, "kernel upgrade", "bob", kT0 + 1000};
  view.needs_rebuild["db2"] = RebuildMark{"0-1-101", 1, "fo-4-2", kT0 + 2000};
  return view;
}

TEST_F(ApiRouterTest, ClusterDetailCarriesTheFailoverViewAndEachNodesRebuildMark) {
  service_.details["sms-1"].failover = failed_over_view();
  const auto body = body_of(call("GET", "/v1/clusters/sms-1"));
  EXPECT_EQ(body["failover"], json::parse(R"J({
    "auto_failover": true, "detection": "healthy", "failing_over": false,
    "reasons": ["cooldown: no automatic failover of sms-1 until 2026-11-24T21:15:03.123Z (acknowledge ends it)"],
    "last_failover": {"job": "fo-4-2", "old_primary": "db1", "new_primary": "db2", "automatic": true,
                      "started_at": "2026-11-24T20:15:03.123Z", "acknowledged": false, "acknowledged_by": null,
                      "comment": null, "acknowledged_at": null},
    "cooldown_until": "2026-11-24T21:15:03.123Z",
    "maintenance": {"until": "2026-11-24T22:15:03.123Z", "reason": "kernel upgrade", "set_by": "bob",
                    "set_at": "2026-11-24T20:15:04.123Z"}})J"));
  EXPECT_EQ(body["nodes"][0]["needs_rebuild"], json::parse(R"({"extra_gtids": "0-1-101", "count": 1, "job": "fo-4-2",
    "marked_at": "2026-11-24T20:15:05.123Z"})"));
  EXPECT_TRUE(body["nodes"][1]["needs_rebuild"].is_null());
  EXPECT_TRUE(body["nodes"][1].contains("needs_rebuild"));
  // The mark outranks the maintenance window.
  EXPECT_EQ(body["health"]["state"], "needs_attention");
  EXPECT_THAT(body["health"]["reasons"][0].get<std::string>(), HasSubstr("db2 needs rebuild"));
}

TEST_F(ApiRouterTest, AQuietClusterHasNullsInItsFailoverView) {
  const auto body = body_of(call("GET", "/v1/clusters/sms-1"));
  EXPECT_EQ(body["failover"], json::parse(R"({"auto_failover": false, "detection": "healthy", "reasons": [],
    "failing_over": false, "last_failover": null, "cooldown_until": null, "maintenance": null})"));
  EXPECT_TRUE(body["nodes"][0]["needs_rebuild"].is_null());
}

TEST_F(ApiRouterTest, AnAcknowledgedFailoverSaysWhoAndWhy) {
  auto view = failed_over_view();
  view.last_failover->acknowledged = true;
  view.last_failover->acknowledged_by = "alice";
  view.last_failover->comment = "db1's disk replaced";
  view.last_failover->acknowledged_ms = kT0 + 60000;
  view.cooldown_until_ms.reset();
  service_.details["sms-1"].failover = view;
  const auto memo = body_of(call("GET", "/v1/clusters/sms-1"))["failover"]["last_failover"];
  EXPECT_EQ(memo["acknowledged"], true);
  EXPECT_EQ(memo["acknowledged_by"], "alice");
  EXPECT_EQ(memo["comment"], "db1's disk replaced");
  EXPECT_EQ(memo["acknowledged_at"], "2026-11-24T20:16:03.123Z");
}

TEST_F(ApiRouterTest, AcknowledgePassesTheCommentAndRebuiltNodesAndAnswersTheView) {
  service_.details["sms-1"].failover = failed_over_view();
  const auto response = post("/v1/clusters/sms-1/acknowledge", R"({"comment": "db2 rebuilt from a backup", "rebuilt": ["db2"]})");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto body = body_of(response);
  EXPECT_EQ(body["cluster"], "sms-1");
  EXPECT_EQ(body["failover"], to_json(failed_over_view()));
  ASSERT_EQ(service_.policy_calls.size(), 1u);
  const auto& c = service_.policy_calls[0];
  EXPECT_EQ(c.what, "acknowledge");
  EXPECT_EQ(c.cluster, "sms-1");
  EXPECT_EQ(c.acknowledge.comment, "db2 rebuilt from a backup");
  EXPECT_EQ(c.acknowledge.rebuilt, std::vector<std::string>{"db2"});
  EXPECT_EQ(c.requested_by, "alice");
  EXPECT_EQ(post("/v1/clusters/sms-1/acknowledge", R"({"comment": "seen"})").status, 200);
  EXPECT_TRUE(service_.policy_calls[1].acknowledge.rebuilt.empty());
}

TEST_F(ApiRouterTest, MaintenanceIsSetWithItsOffsetReadAndEndedByDelete) {
  auto response = call("PUT", "/v1/clusters/sms-1/maintenance", kOperator,
                       R"({"until": "2026-11-24T23:15:03.123+02:00", "reason": "kernel upgrade"})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(body_of(response)["cluster"], "sms-1");
  EXPECT_TRUE(body_of(response).contains("failover"));
  ASSERT_EQ(service_.policy_calls.size(), 1u);
  EXPECT_EQ(service_.policy_calls[0].what, "set_maintenance");
  EXPECT_EQ(service_.policy_calls[0].window.until_ms, kT0 + 3600000);  // 21:15:03.123Z
  EXPECT_EQ(service_.policy_calls[0].window.reason, "kernel upgrade");
  EXPECT_EQ(service_.policy_calls[0].requested_by, "alice");

  response = call("DELETE", "/v1/clusters/sms-1/maintenance", kOperator);
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_EQ(service_.policy_calls.size(), 2u);
  EXPECT_EQ(service_.policy_calls[1].what, "end_maintenance");
  EXPECT_EQ(service_.policy_calls[1].cluster, "sms-1");
}

TEST_F(ApiRouterTest, PolicyBodiesAreReadStrictly) {
  struct Case {
    std::string method, path, body, in_message;
  };
  for (const auto& c : std::vector<Case>{
           {"POST", "acknowledge", "", "'comment' is required"},
           {"POST", "acknowledge", "{}", "'comment' is required"},
           {"POST", "acknowledge", R"({"comment": "  "})", "must not be empty"},
           {"POST", "acknowledge", R"({"comment": 5})", "'comment' must be a string"},
           {"POST", "acknowledge", R"({"coment": "x"})", "coment"},
           {"POST", "acknowledge", R"({"comment": "x", "rebuilt": "db2"})", "'rebuilt' must be an array"},
           {"POST", "acknowledge", R"({"comment": "x", "rebuilt": ["DB2"]})", "node names"},
           {"POST", "acknowledge", R"({"comment": "x", "rebuilt": ["db2", "db2"]})", "twice"},
           {"PUT", "maintenance", R"({"reason": "x"})", "'until' is required"},
           {"PUT", "maintenance", R"({"until": "tomorrow", "reason": "x"})", "RFC 3339"},
           {"PUT", "maintenance", R"({"until": "2026-11-24T22:00:00", "reason": "x"})", "offset"},
           {"PUT", "maintenance", R"({"until": "2026-02-30T22:00:00Z", "reason": "x"})", "RFC 3339"},
           {"PUT", "maintenance", R"({"until": "2026-11-24T22:00:00Z junk", "reason": "x"})", "RFC 3339"},
           {"PUT", "maintenance", R"({"until": 1795551303, "reason": "x"})", "RFC 3339"},
           {"PUT", "maintenance", R"({"until": "2026-11-24T22:00:00Z"})", "'reason' is required"},
           {"PUT", "maintenance", R"({"until": "2026-11-24T22:00:00Z", "reason": ""})", "must not be empty"},
           {"PUT", "maintenance", R"({"until": "2026-11-24T22:00:00Z", "reason": "x", "by": "me"})", "'by'"},
           {"DELETE", "maintenance", R"({"reason": "x"})", "takes none"},
       }) {
    SCOPED_TRACE(c.method + " " + c.path + " " + c.body);
    expect_error(call(c.method, "/v1/clusters/sms-1/" + c.path, kOperator, c.body), 400, "bad_request", c.in_message);
  }
  EXPECT_TRUE(service_.policy_calls.empty());
}

TEST_F(ApiRouterTest, PolicyErrorsMapToStatuses) {
  struct Case {
    std::string code;
    int status;
  };
  for (const auto& c : std::vector<Case>{{"not_found", 404}, {"bad_request", 400}, {"conflict", 409},
                                         {"not_implemented", 501}}) {
    SCOPED_TRACE(c.code);
    service_.policy_error = make_error(c.code, "because " + c.code);
    expect_error(post("/v1/clusters/sms-1/acknowledge", R"({"comment": "x"})"), c.status, c.code, "because " + c.code);
    expect_error(call("PUT", "/v1/clusters/sms-1/maintenance", kOperator,
                      R"({"until": "2026-11-24T22:00:00Z", "reason": "x"})"),
                 c.status, c.code, "because " + c.code);
    expect_error(call("DELETE", "/v1/clusters/sms-1/maintenance", kOperator), c.status, c.code, "because " + c.code);
  }
  service_.policy_error.reset();
  expect_error(post("/v1/clusters/sms-9/acknowledge", R"({"comment": "x"})"), 404, "not_found", "sms-9");
}

TEST_F(ApiRouterTest, ReopenStartsAJobWithTheIdempotencyKey) {
  for (const std::string body : {"", "{}"}) {
    SCOPED_TRACE(body);
    service_.starts.clear();
    expect_one_start(call("POST", "/v1/clusters/sms-1/reopen", kOperator, body, "reopen-1"), "reopen");
    ASSERT_EQ(service_.starts.size(), 1u);
    EXPECT_EQ(service_.starts[0].options.idempotency_key, "reopen-1");
  }
  service_.starts.clear();
  expect_error(post("/v1/clusters/sms-1/reopen", R"({"force": true})"), 400, "bad_request", "force");
  EXPECT_TRUE(service_.starts.empty());
  service_.start_error = make_error("conflict", "db3 holds transactions db1 lacks: not reopened");
  expect_error(post("/v1/clusters/sms-1/reopen"), 409, "conflict", "db3 holds transactions db1 lacks");
  service_.start_error = make_error("not_implemented", "reopen is not implemented yet");
  expect_error(post("/v1/clusters/sms-1/reopen"), 501, "not_implemented", "reopen");
}

TEST_F(ApiRouterTest, PolicyRoutesNeedAnOperatorAndTheirMethods) {
  expect_error(post("/v1/clusters/sms-1/acknowledge", R"({"comment": "x"})", kViewer), 403, "forbidden", "operator");
  expect_error(post("/v1/clusters/sms-1/reopen", "", kViewer), 403, "forbidden", "operator");
  expect_error(call("PUT", "/v1/clusters/sms-1/maintenance", kViewer, R"({"until": "2026-11-24T22:00:00Z", "reason": "x"})"),
               403, "forbidden", "PUT needs an operator token");
  expect_error(call("DELETE", "/v1/clusters/sms-1/maintenance", kViewer), 403, "forbidden", "DELETE");
  expect_error(call("PUT", "/v1/clusters/sms-1/maintenance", std::nullopt), 401, "unauthorized");
  const auto response = call("POST", "/v1/clusters/sms-1/maintenance", kOperator);
  expect_error(response, 405, "method_not_allowed");
  EXPECT_EQ(header(response, "Allow"), "PUT, DELETE");
  EXPECT_TRUE(service_.policy_calls.empty());
  EXPECT_TRUE(service_.starts.empty());
}

// --- paths and methods ---

TEST_F(ApiRouterTest, UnknownPathsAre404) {
  for (const std::string path : {"/", "/v1", "/v2/clusters", "/v1/clusters/sms-1/nodes", "/v1/clusters/",
                                 "/v1/jobs/j-7/cancel/now", "/health"}) {
    SCOPED_TRACE(path);
    expect_error(call("GET", path), 404, "not_found");
  }
  expect_error(call("GET", "v1/health"), 400, "bad_request");
}

TEST_F(ApiRouterTest, WrongMethodsAre405WithAllow) {
  auto response = call("DELETE", "/v1/clusters/sms-1");
  expect_error(response, 405, "method_not_allowed", "DELETE");
  EXPECT_EQ(header(response, "Allow"), "GET");
  response = call("GET", "/v1/clusters/sms-1/pivot");
  expect_error(response, 405, "method_not_allowed");
  EXPECT_EQ(header(response, "Allow"), "POST");
  expect_error(call("POST", "/v1/health"), 405, "method_not_allowed");
  EXPECT_TRUE(service_.starts.empty());
}

// --- auth ---

TEST_F(ApiRouterTest, NoOrUnknownTokenIs401WithABearerChallenge) {
  for (const auto& auth : std::vector<std::optional<std::string>>{
           std::nullopt, std::string(""), std::string("Bearer"), std::string("Bearer "),
           std::string("Basic b3A6b3A="), bearer("wrong-token"), bearer("op-token-alice-012345678")}) {
    SCOPED_TRACE(auth.value_or("(none)"));
    for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/v1/clusters"}, {"GET", "/v1/jobs/j-7"}, {"POST", "/v1/clusters/sms-1/pivot"}}) {
      const auto response = call(method, path, auth);
      expect_error(response, 401, "unauthorized");
      EXPECT_THAT(header(response, "WWW-Authenticate"), HasSubstr("Bearer"));
    }
  }
  EXPECT_TRUE(service_.starts.empty());
}

TEST_F(ApiRouterTest, AViewerMayReadButNotPost) {
  EXPECT_EQ(call("GET", "/v1/clusters", kViewer).status, 200);
  EXPECT_EQ(call("GET", "/v1/agents", kViewer).status, 200);
  for (const std::string path : {"/v1/clusters/sms-1/pivot", "/v1/clusters/sms-1/pivot-status",
                                 "/v1/clusters/sms-1/failover", "/v1/jobs/j-7/cancel"}) {
    SCOPED_TRACE(path);
    expect_error(post(path, "", kViewer), 403, "forbidden", "operator");
  }
  EXPECT_TRUE(service_.starts.empty());
}

TEST_F(ApiRouterTest, AnOperatorMayReadAndTheSchemeIsCaseInsensitive) {
  EXPECT_EQ(call("GET", "/v1/clusters", kOperator).status, 200);
  EXPECT_EQ(call("GET", "/v1/clusters", std::string("bearer view-token-0123456789")).status, 200);
}

TEST(ApiRouterInsecure, NoTokenIsAskedAndJobsAreRequestedByInsecure) {
  FakeService service;
  const ApiRouter router(service, nullptr, "1.2.3");
  EXPECT_EQ(router.handle({"GET", "/v1/clusters", std::nullopt, std::nullopt, ""}).status, 200);
  EXPECT_EQ(router.handle({"POST", "/v1/clusters/sms-1/pivot", std::nullopt, std::nullopt, ""}).status, 202);
  ASSERT_EQ(service.starts.size(), 1u);
  EXPECT_EQ(service.starts[0].requested_by, "insecure");
}

// --- error slugs: one list, each with its status (api_errors.hpp) ---

TEST_F(ApiRouterTest, EveryErrorSlugAnswersWithItsStatus) {
  // Written out here, not read from the table: the test is what docs/api.md says.
  const std::vector<std::pair<const char*, int>> expected{
      {api_error::bad_request, 400},         {api_error::unauthorized, 401},
      {api_error::forbidden, 403},           {api_error::not_found, 404},
      {api_error::method_not_allowed, 405},  {api_error::conflict, 409},
      {api_error::precondition_failed, 412}, {api_error::too_large, 413},
      {api_error::idempotency_mismatch, 422}, {api_error::internal, 500},
      {api_error::not_implemented, 501}};
  ASSERT_EQ(api_error::kSlugs.size(), expected.size()) << "a slug was added: give it a status here and in docs/api.md";
  for (const auto& [slug, status] : expected) {
    SCOPED_TRACE(slug);
    EXPECT_TRUE(api_error::is_known(slug));
    EXPECT_EQ(api_error::status_of(slug), status);
    expect_error(error_response(slug, "why"), status, slug, "why");
    // A service error with that code keeps its slug and status through the router.
    service_.start_error = make_error(slug, std::string("because ") + slug);
    expect_error(post("/v1/clusters/sms-1/pivot"), status, slug, std::string("because ") + slug);
  }
  EXPECT_FALSE(api_error::is_known("journal_full"));
  EXPECT_EQ(api_error::status_of("journal_full"), 500);
}

TEST_F(ApiRouterTest, AnIdempotencyMismatchIs422) {
  service_.start_error = make_error(api_error::idempotency_mismatch, "Idempotency-Key 'k-1' was used for another request");
  const auto response = call("POST", "/v1/clusters/sms-1/pivot", kOperator, "{}", "k-1");
  expect_error(response, 422, "idempotency_mismatch", "k-1");
}

// --- nothing an agent or a hook writes can break a job listing ---

TEST_F(ApiRouterTest, InvalidUtf8InAJobNeverMakesTheJobsFail) {
  // A hook's output cut inside a character, a server message in latin1 relayed
  // by an agent: nlohmann::json throws on dumping either.
  const std::string cut = std::string(10, 'x') + "\xC3";  // the first byte of "é", alone
  const std::string latin1 = "Duplicate entry 'caf\xE9' for key 'PRIMARY'";
  service_.job_list[0].steps[0].detail["output"] = cut;
  service_.job_list[0].steps[0].detail["commands"] = Detail::array({{{"message", latin1}}});
  service_.job_list[1].result["message"] = latin1;
  service_.job_list[1].result[std::string("k\xFF")] = "a key too";
  for (const char* target : {"/v1/jobs", "/v1/jobs/j-7", "/v1/jobs/j-6", "/v1/jobs?cluster=sms-1"}) {
    SCOPED_TRACE(target);
    const auto response = call("GET", target);
    ASSERT_EQ(response.status, 200) << response.body;
    const auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(body.is_discarded()) << "not valid JSON (UTF-8): " << response.body;
    EXPECT_THAT(response.body, HasSubstr("\xEF\xBF\xBD")) << "the bad bytes show as U+FFFD";
  }
  const auto job = body_of(call("GET", "/v1/jobs/j-7"));
  EXPECT_EQ(job["steps"][0]["detail"]["output"], std::string(10, 'x') + "\xEF\xBF\xBD");
  EXPECT_EQ(job["steps"][0]["detail"]["commands"][0]["message"], "Duplicate entry 'caf\xEF\xBF\xBD' for key 'PRIMARY'");
}

TEST(Utf8Text, ValidTextIsKeptAsItIs) {
  const std::string text = "db1 read-only, caf\xC3\xA9, \xE2\x82\xAC 5, \xF0\x9F\x90\xAC";
  EXPECT_EQ(valid_utf8(text), text);
  EXPECT_EQ(valid_utf8(""), "");
}

TEST(Utf8Text, EveryIllFormedByteBecomesAReplacementCharacter) {
  const std::string r = "\xEF\xBF\xBD";
  struct Case {
    std::string in, out;
  };
  for (const auto& c : std::vector<Case>{
           {"a\x80z", "a" + r + "z"},                  // a stray continuation byte
           {"a\xC3", "a" + r},                         // a sequence cut short at the end
           {"\xC3z", r + "z"},                         // ... or in the middle
           {"\xC0\xAF", r + r},                        // an overlong '/'
           {"\xE0\x80\xAF", r + r + r},                // another overlong form
           {"\xED\xA0\x80", r + r + r},                // a surrogate (U+D800)
           {"\xF4\x90\x80\x80", r + r + r + r},        // past U+10FFFF
           {"\xF5\xFF\xFE", r + r + r},                // bytes never in UTF-8
           {"caf\xE9 ok", "caf" + r + " ok"},          // latin1
       }) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(valid_utf8(c.in), c.out);
  }
}

TEST(Utf8Text, TheCutFallsOnACharacterBoundary) {
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes
  EXPECT_EQ(valid_utf8("ab" + euro, 4), "ab");
  EXPECT_EQ(valid_utf8("ab" + euro, 5), "ab" + euro);
  EXPECT_EQ(valid_utf8("ab\xFF", 4), "ab") << "U+FFFD is 3 bytes: it does not fit either";
  EXPECT_EQ(valid_utf8(std::string(65535, 'x') + "\xC3\xA9", 65536), std::string(65535, 'x'));
  EXPECT_EQ(valid_utf8("abc", 0), "");
}

// --- views on their own ---

TEST(JsonViews, Rfc3339WithMilliseconds) {
  EXPECT_EQ(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_ms(kT0), "2026-11-24T20:15:03.123Z");
  EXPECT_EQ(rfc3339_ms(951868799999), "2000-02-29T23:59:59.999Z");
}

TEST(JsonViews, AnUnreachableNodeHasNullsNotFalses) {
  protocol::NodeState s;
  s.cluster = "sms-1";
  s.node = "db1";
  s.probe_error = "Can't connect to server (2002)";
  const auto j = to_json(s);
  EXPECT_TRUE(j["flavor"].is_null());
  EXPECT_TRUE(j["read_only"].is_null());
  EXPECT_TRUE(j["replica"].is_null());
  EXPECT_TRUE(j["uptime_s"].is_null());
  EXPECT_EQ(j["mysql_reachable"], false);
  EXPECT_EQ(j["probe_error"], "Can't connect to server (2002)");
  EXPECT_EQ(j.size(), 27u);  // every NodeState field, always present
}

}  // namespace
}  // namespace pivot::controller

namespace pivot::controller {
namespace {

// GET /v1/events with a hub: a stream for a viewer, the cluster filter
// checked, Last-Event-ID handed to the hub.
class EventsRouteTest : public ApiRouterTest {
 protected:
  EventsRouteTest() : events_router_(service_, &tokens_, "1.2.3", &hub_) {}
  ApiResponse events(const std::string& target, std::optional<std::string> auth = kViewer,
                     std::optional<std::string> last_event_id = std::nullopt) {
    ApiRequest request{"GET", target, std::move(auth), std::nullopt, "", std::move(last_event_id)};
    return events_router_.handle(request);
  }
  EventHub hub_{5};
  ApiRouter events_router_;
};

TEST_F(EventsRouteTest, AViewerGetsAnEventStream) {
  const auto response = events("/v1/events");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/event-stream; charset=utf-8");
  EXPECT_EQ(header(response, "Cache-Control"), "no-cache");
  ASSERT_TRUE(response.stream);
  EXPECT_THAT(response.stream->take(), HasSubstr("pivotd events, epoch 5"));
  EXPECT_EQ(hub_.stats().clients, 1u);
}

TEST_F(EventsRouteTest, TheClusterFilterMustNameALoadedCluster) {
  auto ok = events("/v1/events?cluster=sms-1");
  ASSERT_TRUE(ok.stream);
  hub_.publish("node", "sms-2", {{"name", "db1"}});
  hub_.publish("node", "sms-1", {{"name", "db2"}});
  ok.stream->take();
  EXPECT_EQ(ok.stream->take(), "");
  hub_.publish("node", "sms-1", {{"name", "db2"}});
  EXPECT_THAT(ok.stream->take(), HasSubstr("id: 5-3\nevent: node\n"));
  expect_error(events("/v1/events?cluster=sms-9"), 404, "not_found", "sms-9");
  expect_error(events("/v1/events?cluster=Sms%201"), 400, "bad_request", "cluster");
  expect_error(events("/v1/events?since=5-1"), 400, "bad_request", "since");
  EXPECT_FALSE(events("/v1/events?cluster=sms-9").stream);
}

TEST_F(EventsRouteTest, NeedsAToken) {
  const auto response = events("/v1/events", std::nullopt);
  EXPECT_EQ(response.status, 401);
  EXPECT_FALSE(response.stream);
  EXPECT_EQ(hub_.stats().clients, 0u);
}

TEST_F(EventsRouteTest, LastEventIdOfAnotherRunStartsWithAReset) {
  const auto response = events("/v1/events", kViewer, std::string("4-17"));
  ASSERT_TRUE(response.stream);
  EXPECT_THAT(response.stream->take(), HasSubstr("event: reset\ndata: {\"reason\":\"Last-Event-ID '4-17' is from another pivotd run"));
}

}  // namespace
}  // namespace pivot::controller

namespace pivot::controller {
namespace {

// --- rollouts (issue 20) ---

class RolloutRouteTest : public ::testing::Test {
 protected:
  RolloutRouteTest() : tokens_(Tokens::parse(kTokensFile, "tokens").value()), router_(service_, &tokens_, "1.2.3") {}
  ApiResponse post(const std::string& body, std::optional<std::string> auth = kOperator,
                   std::optional<std::string> key = std::nullopt) {
    return router_.handle(ApiRequest{"POST", "/v1/rollouts", std::move(auth), std::move(key), body});
  }
  static std::string slug(const ApiResponse& response) { return json::parse(response.body).value("error", ""); }

  FakeService service_;
  Tokens tokens_;
  ApiRouter router_;
};

TEST_F(RolloutRouteTest, StartsARolloutWithEveryField) {
  const auto response = post(
      R"({"selector": "environment=stage,service!=mail", "order_by": "shard", "concurrency": 2,
          "stop_on_failure": false, "dry_run": true})",
      kOperator, "roll-1");
  EXPECT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(json::parse(response.body), (json{{"job", "j-1"}}));
  ASSERT_EQ(service_.rollouts.size(), 1u);
  const auto& [request, by] = service_.rollouts[0];
  EXPECT_EQ(by, "alice");
  EXPECT_EQ(request.selector, "environment=stage,service!=mail");
  EXPECT_EQ(request.order_by, "shard");
  EXPECT_EQ(request.concurrency, 2);
  EXPECT_FALSE(request.stop_on_failure);
  EXPECT_TRUE(request.dry_run);
  EXPECT_EQ(request.idempotency_key, "roll-1");
}

TEST_F(RolloutRouteTest, DefaultsAreOneAtATimeStoppingOnFailure) {
  ASSERT_EQ(post(R"({"selector": "environment=stage"})").status, 202);
  ASSERT_EQ(service_.rollouts.size(), 1u);
  const auto& request = service_.rollouts[0].first;
  EXPECT_EQ(request.concurrency, 1);
  EXPECT_TRUE(request.stop_on_failure);
  EXPECT_FALSE(request.dry_run);
  EXPECT_FALSE(request.order_by);
}

TEST_F(RolloutRouteTest, RefusesAnEmptySelectorAnUnknownFieldAndWrongTypes) {
  for (const std::string body : {"", "{}", R"({"selector": ""})", R"({"selector": "  "})", R"({"selector": 3})",
                                 R"({"selector": "a=b", "concurency": 2})", R"({"selector": "a=b", "concurrency": 0})",
                                 R"({"selector": "a=b", "concurrency": "2"})", R"({"selector": "a=b", "dry_run": "yes"})",
                                 R"({"selector": "a=b", "order_by": 1})"}) {
    SCOPED_TRACE(body);
    const auto response = post(body);
    EXPECT_EQ(response.status, 400) << response.body;
    EXPECT_EQ(slug(response), "bad_request");
  }
  EXPECT_TRUE(service_.rollouts.empty());
  // The service's refusal (nothing selected) is a 400 too.
  service_.start_error = make_error("bad_request", "selector 'a=b' matches no loaded cluster");
  EXPECT_EQ(post(R"({"selector": "a=b"})").status, 400);
}

TEST_F(RolloutRouteTest, NeedsAnOperator) {
  EXPECT_EQ(post(R"({"selector": "a=b"})", kViewer).status, 403);
  EXPECT_EQ(post(R"({"selector": "a=b"})", std::nullopt).status, 401);
  EXPECT_TRUE(service_.rollouts.empty());
}

}  // namespace
}  // namespace pivot::controller
