// The read-only commands end to end against a fake pivotd: what they ask,
// --json verbatim, jobs on a pivotd that does not list them, job --follow.
#include <gtest/gtest.h>

#include "fakes.hpp"

namespace pivot::ctl {
namespace {

using nlohmann::json;
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

}  // namespace
}  // namespace pivot::ctl
