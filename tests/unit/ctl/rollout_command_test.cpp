// pivotctl rollout against a fake pivotd: the fleet's pivot status first,
// the confirmation with the count, the second POST, the live table (or its
// lines in a log) and the exit codes 0, 2, 3 and 4.
#include <gtest/gtest.h>

#include "fakes.hpp"

namespace pivot::ctl {
namespace {

using nlohmann::json;
using testing::Harness;
using testing::job;
using testing::reply;

json check(const std::string& id, bool ok) { return {{"id", id}, {"ok", ok}, {"detail", ""}}; }

json dry_cluster(const std::string& name, bool eligible) {
  return {{"cluster", name},
          {"group", 0},
          {"eligible", eligible},
          {"primary", "db1"},
          {"candidate", "db2"},
          {"checks", json::array({check("primary_writable", true), check("candidate_lag", eligible)})}};
}

json dry_job(std::vector<bool> eligible) {
  json clusters = json::array();
  for (std::size_t i = 0; i < eligible.size(); ++i) clusters.push_back(dry_cluster("sms-" + std::to_string(i + 1), eligible[i]));
  return job("rl-d", "rollout", "succeeded", json::array(), {{"dry_run", true}, {"clusters", clusters}});
}

// One cluster's row of a running rollout's result.
json row(const std::string& name, const std::string& state, const std::string& job_id = "",
         const std::string& outcome = "", const std::string& error = "") {
  json r{{"cluster", name}, {"expected_primary", "db1"}, {"state", state}, {"job", nullptr}, {"outcome", nullptr}};
  if (!job_id.empty()) r["job"] = job_id;
  if (!outcome.empty()) r["outcome"] = outcome;
  if (!error.empty()) r["error"] = error;
  return r;
}

json rollout(const std::string& state, json rows, const std::string& message = "") {
  return job("rl-1", "rollout", state, json::array(), {{"clusters", std::move(rows)}, {"message", message}});
}

void serve(Harness& h, const json& dry, std::vector<json> polls) {
  h.transport.on(Method::post, "/v1/rollouts", {reply(202, {{"job", "rl-d"}}), reply(202, {{"job", "rl-1"}})});
  h.transport.on(Method::get, "/v1/jobs/rl-d", reply(200, dry));
  std::vector<HttpReply> replies;
  for (auto& p : polls) replies.push_back(reply(200, p));
  if (!replies.empty()) h.transport.on(Method::get, "/v1/jobs/rl-1", replies);
}

TEST(RolloutCommand, WithoutTerminalOrYesItAsksNothingAndExitsTwo) {
  Harness h;
  serve(h, dry_job({true, true}), {});
  EXPECT_EQ(h.run({"rollout", "--selector", "service=sms"}), 2);
  ASSERT_EQ(h.transport.posts().size(), 1u) << "only the dry run";
  EXPECT_EQ(json::parse(h.transport.posts()[0].body),
            (json{{"selector", "service=sms"}, {"concurrency", 1}, {"stop_on_failure", true}, {"dry_run", true}}));
  EXPECT_NE(h.out.str().find("sms-2"), std::string::npos) << h.out.str();
  EXPECT_NE(h.err.str().find("--yes"), std::string::npos) << h.err.str();
}

TEST(RolloutCommand, TheOperatorSeesTheCountAndMayDecline) {
  Harness h;
  h.stdin_terminal = true;
  h.in.str("n\n");
  serve(h, dry_job({true, true, true}), {});
  EXPECT_EQ(h.run({"rollout", "--selector", "service=sms"}), 6);
  EXPECT_NE(h.out.str().find("Pivot 3 cluster(s), 1 at a time? [y/N]"), std::string::npos) << h.out.str();
  EXPECT_EQ(h.transport.posts().size(), 1u);
}

TEST(RolloutCommand, YesRollsOutAndPrintsEachChangeThenExitsZero) {
  Harness h;
  serve(h, dry_job({true, true}),
        {rollout("running", {row("sms-1", "running", "pv-1"), row("sms-2", "pending")}),
         rollout("running", {row("sms-1", "succeeded", "pv-1", "succeeded"), row("sms-2", "running", "pv-2")}),
         rollout("succeeded",
                 {row("sms-1", "succeeded", "pv-1", "succeeded"), row("sms-2", "succeeded", "pv-2", "succeeded")},
                 "every selected cluster pivoted")});
  EXPECT_EQ(h.run({"rollout", "--selector", "service=sms", "--order-by", "shard", "--concurrency", "2", "--yes"}), 0)
      << h.err.str();
  ASSERT_EQ(h.transport.posts().size(), 2u);
  EXPECT_EQ(json::parse(h.transport.posts()[1].body), (json{{"selector", "service=sms"},
                                                             {"order_by", "shard"},
                                                             {"concurrency", 2},
                                                             {"stop_on_failure", true},
                                                             {"dry_run", false}}));
  const std::string out = h.out.str();
  EXPECT_NE(out.find("sms-1: running  job pv-1"), std::string::npos) << out;
  EXPECT_NE(out.find("sms-2: succeeded  job pv-2"), std::string::npos) << out;
  EXPECT_NE(out.find("every selected cluster pivoted"), std::string::npos) << out;
  EXPECT_EQ(out.find("\x1b["), std::string::npos) << "no terminal: no redraw";
}

TEST(RolloutCommand, ANotEligibleClusterExitsThreeAFailedOneFour) {
  {
    Harness h;
    serve(h, dry_job({true, false}),
          {rollout("failed", {row("sms-1", "succeeded", "pv-1", "succeeded"),
                              row("sms-2", "failed", "pv-2", "not_eligible", "not_eligible")})});
    EXPECT_EQ(h.run({"rollout", "--selector", "service=sms", "--yes"}), 3);
    EXPECT_NE(h.err.str().find("1 of 2 cluster(s) are not eligible"), std::string::npos) << h.err.str();
  }
  {
    Harness h;
    serve(h, dry_job({true, true}),
          {rollout("failed", {row("sms-1", "rolled_back", "pv-1", "failed", "verify_failed"),
                              row("sms-2", "not_started")})});
    EXPECT_EQ(h.run({"rollout", "--selector", "service=sms", "--yes", "--keep-going"}), 4);
    EXPECT_EQ(json::parse(h.transport.posts()[1].body).at("stop_on_failure"), false);
  }
  {
    Harness h;
    serve(h, dry_job({true, true}),
          {rollout("cancelled", {row("sms-1", "succeeded", "pv-1", "succeeded"), row("sms-2", "not_started")})});
    EXPECT_EQ(h.run({"rollout", "--selector", "service=sms", "--yes"}), 4);
  }
}

TEST(RolloutCommand, DryRunShowsTheFleetAndStartsNothing) {
  Harness h;
  serve(h, dry_job({true, false}), {});
  EXPECT_EQ(h.run({"rollout", "--selector", "service=sms", "--dry-run"}), 3);
  EXPECT_EQ(h.transport.posts().size(), 1u);
  EXPECT_NE(h.out.str().find("candidate_lag"), std::string::npos) << h.out.str();
  Harness all;
  serve(all, dry_job({true, true}), {});
  EXPECT_EQ(all.run({"rollout", "--selector", "service=sms", "--dry-run"}), 0);
}

TEST(RolloutCommand, OnATerminalTheTableIsRedrawnInPlace) {
  Harness h;
  h.stdout_terminal = true;
  h.env["NO_COLOR"] = "1";
  serve(h, dry_job({true}),
        {rollout("running", {row("sms-1", "running", "pv-1")}),
         rollout("succeeded", {row("sms-1", "succeeded", "pv-1", "succeeded")}, "every selected cluster pivoted")});
  EXPECT_EQ(h.run({"rollout", "--selector", "service=sms", "--yes"}), 0);
  const std::string out = h.out.str();
  EXPECT_NE(out.find("\x1b[2F\x1b[J"), std::string::npos) << "header and one row drawn again";
  EXPECT_NE(out.find("OUTCOME"), std::string::npos);
}

TEST(RolloutCommand, AnEmptySelectorIsAUsageError) {
  Harness h;
  EXPECT_EQ(h.run({"rollout"}), 2);
  EXPECT_TRUE(h.transport.posts().empty());
}

}  // namespace
}  // namespace pivot::ctl
