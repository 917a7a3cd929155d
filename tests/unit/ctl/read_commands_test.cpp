// The read-only commands end to end against a fake pivotd: what they ask,
// --json verbatim, jobs on a pivotd that does not list them, job --follow.
#include <gtest/gtest.h>

#include "fakes.hpp"

namespace pivot::ctl {
namespace {

using nlohmann::json;
using testing::error_reply;
using testing::Harness;
using testing::job;
using testing::reply;
using testing::step;

TEST(ReadCommands, JsonPrintsTheServersBodyPretty) {
  Harness h;
  const json body = json::array({{{"name", "sms-1"}, {"primary", "db1"}, {"healthy", true}, {"max_lag_s", 0},
                                  {"last_job", nullptr}, {"labels", json::object()}}});
  h.transport.on(Method::get, "/v1/clusters", reply(200, body));
  EXPECT_EQ(h.run({"clusters", "--json"}), 0);
  EXPECT_EQ(h.out.str(), body.dump(2) + "\n");
}

TEST(ReadCommands, StatusAndAgentsAskTheirPaths) {
  Harness h;
  h.transport.on(Method::get, "/v1/clusters/sms-1", reply(200, {{"name", "sms-1"}, {"nodes", json::array()}}));
  h.transport.on(Method::get, "/v1/agents", reply(200, {{"agents", json::array()}}));
  EXPECT_EQ(h.run({"status", "sms-1"}), 0) << h.err.str();
  EXPECT_EQ(h.run({"agents"}), 0) << h.err.str();
  ASSERT_EQ(h.transport.calls.size(), 2u);
  EXPECT_EQ(h.transport.calls[0].target, "/v1/clusters/sms-1");
  EXPECT_EQ(h.transport.calls[1].target, "/v1/agents");
}

TEST(ReadCommands, JobsAsksWithClusterAndLimit) {
  Harness h;
  h.transport.on(Method::get, "/v1/jobs?limit=5&cluster=sms-1",
                 reply(200, json::array({job("p-8", "pivot", "succeeded")})));
  EXPECT_EQ(h.run({"jobs", "--cluster", "sms-1", "--limit", "5"}), 0) << h.err.str();
  EXPECT_NE(h.out.str().find("p-8  pivot"), std::string::npos) << h.out.str();
}

TEST(ReadCommands, JobsOnAPivotdThatDoesNotListThemYet) {
  for (int status : {404, 501}) {
    Harness h;
    h.transport.on(Method::get, "/v1/jobs?limit=20", testing::error_reply(status, "not_found", "no such route"));
    EXPECT_EQ(h.run({"jobs"}), 5) << status;
    EXPECT_NE(h.err.str().find("this pivotd does not list jobs yet"), std::string::npos) << h.err.str();
  }
}

TEST(ReadCommands, JobExitCodeFollowsItsState) {
  struct Case {
    const char* state;
    int exit;
  };
  for (const auto& c : {Case{"succeeded", 0}, Case{"running", 0}, Case{"failed", 4}, Case{"rolled_back", 4},
                        Case{"cancelled", 4}}) {
    Harness h;
    h.transport.on(Method::get, "/v1/jobs/p-8", reply(200, job("p-8", "pivot", c.state)));
    EXPECT_EQ(h.run({"job", "p-8"}), c.exit) << c.state;
  }
}

TEST(ReadCommands, JobFollowPrintsStepsAsTheyFinishThenTheOutcome) {
  Harness h;
  const json check = step("check", "succeeded", "2026-11-24T20:15:03.200Z", "2026-11-24T20:15:03.203Z");
  const json fence = step("fence_old_primary", "succeeded", "2026-11-24T20:15:03.203Z", "2026-11-24T20:15:03.215Z");
  json result{{"old_primary", "db1"}, {"new_primary", "db2"}, {"write_blocked_ms", 9}};
  h.transport.on(Method::get, "/v1/jobs/p-8",
                 {reply(200, job("p-8", "pivot", "running", json::array({check}))),
                  reply(200, job("p-8", "pivot", "succeeded", json::array({check, fence}), result))});
  EXPECT_EQ(h.run({"job", "p-8", "--follow"}), 0) << h.err.str();
  // This transport cannot stream: the follower says so and polls.
  EXPECT_EQ(h.err.str(),
            "pivotctl: the event stream is unavailable (cannot read /v1/events?cluster=sms-1 from http://127.0.0.1:7780: "
            "this transport cannot read an event stream); polling every 150 ms\n");
  const std::string out = h.out.str();
  const auto check_at = out.find("  check ");
  const auto fence_at = out.find("  fence_old_primary ");
  const auto outcome_at = out.find("Pivoted sms-1: db2 is the new primary (was db1); writes were blocked for 9 ms");
  ASSERT_NE(check_at, std::string::npos) << out;
  ASSERT_NE(fence_at, std::string::npos) << out;
  ASSERT_NE(outcome_at, std::string::npos) << out;
  EXPECT_LT(check_at, fence_at);
  EXPECT_LT(fence_at, outcome_at);
  EXPECT_EQ(out.find("  check "), out.rfind("  check ")) << "each step once";
}

// The event stream's job events as pivotd frames them.
std::string job_event(const std::string& id, const json& job_body) {
  return "id: " + id + "\nevent: job\ndata: " + job_body.dump() + "\n\n";
}

TEST(ReadCommands, JobFollowReadsTheEventStreamAndNeverPolls) {
  Harness h;
  const json check = step("check", "succeeded", "2026-11-24T20:15:03.200Z", "2026-11-24T20:15:03.203Z");
  const json fence = step("fence_old_primary", "succeeded", "2026-11-24T20:15:03.203Z", "2026-11-24T20:15:03.215Z");
  const json running_fence = step("fence_old_primary", "running", "2026-11-24T20:15:03.203Z", "");
  json result{{"old_primary", "db1"}, {"new_primary", "db2"}, {"write_blocked_ms", 9}};
  // The first GET, then the one once subscribed: nothing finished yet.
  h.transport.on(Method::get, "/v1/jobs/p-8", reply(200, job("p-8", "pivot", "running")));
  json other = job("p-9", "pivot", "running", json::array({check}));
  h.transport.on_stream("/v1/events?cluster=sms-1",
                        {"retry: 1000\n: pivotd events, epoch 3\n\n",
                         job_event("3-1", other),  // another job of the cluster: not this one's steps
                         job_event("3-2", job("p-8", "pivot", "running", json::array({check}))) +
                             "id: 3-3\nevent: node\ndata: {\"name\":\"db2\"}\n\n: keep-alive\n\n",
                         job_event("3-4", job("p-8", "pivot", "running", json::array({check, running_fence}))),
                         // split mid-event: the parser joins the pieces
                         job_event("3-5", job("p-8", "pivot", "succeeded", json::array({check, fence}), result)).substr(0, 40),
                         job_event("3-5", job("p-8", "pivot", "succeeded", json::array({check, fence}), result)).substr(40),
                         job_event("3-6", other)});
  EXPECT_EQ(h.run({"job", "p-8", "--follow"}), 0) << h.err.str();
  EXPECT_EQ(h.err.str(), "");
  EXPECT_EQ(h.clock.sleeps, 0);
  const std::string out = h.out.str();
  const auto check_at = out.find("  check ");
  const auto fence_at = out.find("  fence_old_primary ");
  ASSERT_NE(check_at, std::string::npos) << out;
  ASSERT_NE(fence_at, std::string::npos) << out;
  EXPECT_LT(check_at, fence_at);
  EXPECT_EQ(out.find("  check "), out.rfind("  check ")) << "each step once";
  EXPECT_NE(out.find("Pivoted sms-1: db2 is the new primary"), std::string::npos) << out;
  // GET, subscribe, GET once subscribed; the stream is left once the job ended.
  ASSERT_EQ(h.transport.calls.size(), 3u);
  EXPECT_EQ(h.transport.calls[1].target, "/v1/events?cluster=sms-1");
}

// GET p-8: running (the first look), running (once subscribed), then done
// with `step` (a poll).
void job_running_twice_then_done(Harness& h, const json& step) {
  h.transport.on(Method::get, "/v1/jobs/p-8",
                 {reply(200, job("p-8", "pivot", "running")), reply(200, job("p-8", "pivot", "running")),
                  reply(200, job("p-8", "pivot", "succeeded", json::array({step}), json::object()))});
}

TEST(ReadCommands, JobFollowPollsWhenPivotdRefusesTheStreamOrItEndsFirst) {
  Harness h;
  const json check = step("check", "succeeded", "2026-11-24T20:15:03.200Z", "2026-11-24T20:15:03.203Z");
  job_running_twice_then_done(h, check);
  h.transport.refuse_stream("/v1/events?cluster=sms-1",
                            error_reply(501, "not_implemented", "the event stream is not enabled"));
  EXPECT_EQ(h.run({"job", "p-8", "--follow"}), 0) << h.err.str();
  EXPECT_EQ(h.err.str(), "pivotctl: the event stream is unavailable (pivotd answered HTTP 501 not_implemented: the event "
                         "stream is not enabled); polling every 150 ms\n");
  EXPECT_NE(h.out.str().find("  check "), std::string::npos);

  Harness ended;  // pivotd closed the stream (a restart) before the job ended
  job_running_twice_then_done(ended, check);
  ended.transport.on_stream("/v1/events?cluster=sms-1", {": pivotd events, epoch 3\n\n"});
  EXPECT_EQ(ended.run({"job", "p-8", "--follow"}), 0) << ended.err.str();
  EXPECT_EQ(ended.err.str(), "pivotctl: the event stream ended before the job; polling every 150 ms\n");
  EXPECT_NE(ended.out.str().find("  check "), std::string::npos);
}

TEST(ReadCommands, JobFollowRefetchesTheJobAfterAReset) {
  Harness h;
  const json check = step("check", "succeeded", "2026-11-24T20:15:03.200Z", "2026-11-24T20:15:03.203Z");
  job_running_twice_then_done(h, check);
  h.transport.on_stream("/v1/events?cluster=sms-1",
                        {": pivotd events, epoch 3\n\n", "id: 3-9\nevent: reset\ndata: {\"reason\":\"...\"}\n\n",
                         ": keep-alive\n\n"});
  EXPECT_EQ(h.run({"job", "p-8", "--follow"}), 0) << h.err.str();
  EXPECT_EQ(h.err.str(), "");
  EXPECT_NE(h.out.str().find("  check "), std::string::npos);
}

}  // namespace
}  // namespace pivot::ctl
