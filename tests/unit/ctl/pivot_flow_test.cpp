// pivotctl pivot, pivot-status, failover, reopen, acknowledge and maintenance
// against a fake pivotd: dry run, confirmation, the pinned second POST, live
// step lines, the bodies sent and the exit codes.
#include <gtest/gtest.h>

#include "fakes.hpp"

namespace pivot::ctl {
namespace {

using nlohmann::json;
using testing::Harness;
using testing::job;
using testing::reply;
using testing::step;

const std::string kPivot = "/v1/clusters/sms-1/pivot";

json dry_run_job(bool eligible = true) {
  json result = eligible ? testing::dry_run_result() : testing::pivot_status_result(false);
  // A dry run that is not eligible ends failed with the checks in its result.
  return job("d-1", "pivot", eligible ? "succeeded" : "failed", json::array(), result);
}

// pivotd's side: the dry run d-1 (queued, then done), then the pivot p-1.
void serve_dry_run(Harness& h, const json& dry_job) {
  h.transport.on(Method::post, kPivot, {reply(202, {{"job", "d-1"}}), reply(202, {{"job", "p-1"}})});
  h.transport.on(Method::get, "/v1/jobs/d-1", {reply(200, job("d-1", "pivot", "queued")), reply(200, dry_job)});
}

json pivot_steps(std::size_t finished) {
  const json all = json::array(
      {step("check", "succeeded", "2026-11-24T20:15:03.200Z", "2026-11-24T20:15:03.203Z"),
       step("fence_read_only", "succeeded", "2026-11-24T20:15:03.203Z", "2026-11-24T20:15:03.211Z",
            {{"sessions_killed", 2}}),
       step("promote", "succeeded", "2026-11-24T20:15:03.211Z", "2026-11-24T20:15:03.215Z")});
  json steps = json::array();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i < finished) {
      steps.push_back(all[i]);
    } else {
      json running = all[i];
      running["state"] = "running";
      running["finished_at"] = nullptr;
      steps.push_back(running);
      break;
    }
  }
  return steps;
}

json pivot_result() {
  json result = testing::pivot_status_result(true);
  result["old_primary"] = "db1";
  result["new_primary"] = "db2";
  result["write_blocked_ms"] = 12;
  return result;
}

// The pivot p-1 seen over three polls: one, two, then all steps finished.
void serve_pivot(Harness& h, const std::string& final_state = "succeeded", json final_result = pivot_result()) {
  h.transport.on(Method::get, "/v1/jobs/p-1",
                 {reply(200, job("p-1", "pivot", "running", pivot_steps(1))),
                  reply(200, job("p-1", "pivot", "running", pivot_steps(2))),
                  reply(200, job("p-1", "pivot", final_state, pivot_steps(3), std::move(final_result)))});
}

TEST(PivotFlow, WithoutTerminalOrYesConfirmationIsRefusedWithExitTwo) {
  Harness h;
  serve_dry_run(h, dry_run_job());
  EXPECT_EQ(h.run({"pivot", "sms-1"}), 2);
  EXPECT_NE(h.err.str().find("--yes"), std::string::npos) << h.err.str();
  ASSERT_EQ(h.transport.posts().size(), 1u) << "only the dry run was asked for";
  EXPECT_EQ(json::parse(h.transport.posts()[0].body), (json{{"dry_run", true}}));
  EXPECT_NE(h.out.str().find("old primary: db1"), std::string::npos) << "the plan is shown first:\n" << h.out.str();
}

TEST(PivotFlow, YesPinsTheSecondPostToTheDryRunsCandidateAndPrimary) {
  Harness h;
  serve_dry_run(h, dry_run_job());
  serve_pivot(h);
  EXPECT_EQ(h.run({"pivot", "sms-1", "--yes"}), 0) << h.err.str();
  const auto posts = h.transport.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[1].target, kPivot);
  EXPECT_EQ(json::parse(posts[1].body), (json{{"candidate", "db2"}, {"expected_primary", "db1"}}));
  const std::string out = h.out.str();
  EXPECT_NE(out.find("Pivoted sms-1: db2 is the new primary (was db1); writes were blocked for 12 ms\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(h.clock.sleeps, 3) << "one sleep between polls, none real (dry run 1, pivot 2)";
}

// --wait: the dry run asks pivotd to wait (wait_s, seconds), and what it
// waits for is printed each time it changes; the pivot then starts at once.
TEST(PivotFlow, WaitAsksTheDryRunToWaitAndShowsItsProgress) {
  Harness h;
  json waiting = job("d-1", "pivot", "running");
  waiting["progress"] = {{"summary", "waiting for 1 failing check(s) (replica_lag: db4 is 90 s behind); db4 is 90 s behind"}};
  json nearer = waiting;
  nearer["progress"]["summary"] = "waiting for 1 failing check(s) (replica_lag: db4 is 9 s behind); db4 is 9 s behind";
  h.transport.on(Method::post, kPivot, {reply(202, {{"job", "d-1"}}), reply(202, {{"job", "p-1"}})});
  h.transport.on(Method::get, "/v1/jobs/d-1",
                 {reply(200, waiting), reply(200, waiting), reply(200, nearer), reply(200, dry_run_job())});
  serve_pivot(h);
  EXPECT_EQ(h.run({"pivot", "sms-1", "--candidate", "db4", "--wait", "2m", "--yes"}), 0) << h.err.str();
  const auto posts = h.transport.posts();
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(json::parse(posts[0].body), (json{{"dry_run", true}, {"candidate", "db4"}, {"wait_s", 120}}));
  EXPECT_FALSE(json::parse(posts[1].body).contains("wait_s")) << "eligible: the pivot goes on at once";
  const std::string out = h.out.str();
  EXPECT_NE(out.find("db4 is 90 s behind"), std::string::npos) << out;
  EXPECT_NE(out.find("db4 is 9 s behind"), std::string::npos) << out;
  const std::string first = "(replica_lag: db4 is 90 s behind)";
  EXPECT_EQ(out.find(first), out.rfind(first)) << "printed once per change:\n" << out;
}

TEST(PivotFlow, WaitMustBeADuration) {
  Harness h;
  EXPECT_EQ(h.run({"pivot-status", "sms-1", "--wait", "soon"}), 2);
  EXPECT_NE(h.err.str().find("--wait"), std::string::npos) << h.err.str();
}

TEST(PivotFlow, NamedCandidateGoesIntoTheDryRun) {
  Harness h;
  serve_dry_run(h, dry_run_job());
  serve_pivot(h);
  EXPECT_EQ(h.run({"pivot", "sms-1", "--candidate", "db2", "--yes"}), 0) << h.err.str();
  EXPECT_EQ(json::parse(h.transport.posts()[0].body), (json{{"dry_run", true}, {"candidate", "db2"}}));
}

TEST(PivotFlow, StepLinesArePrintedAsTheyFinish) {
  Harness h;
  serve_dry_run(h, dry_run_job());
  serve_pivot(h);
  std::vector<std::string> printed_before_poll;  // stdout as each poll of p-1 is made
  h.transport.before_reply = [&](const testing::FakeTransport::Call& call) {
    if (call.target == "/v1/jobs/p-1") printed_before_poll.push_back(h.out.str());
  };
  EXPECT_EQ(h.run({"pivot", "sms-1", "--yes"}), 0) << h.err.str();
  ASSERT_EQ(printed_before_poll.size(), 3u);
  EXPECT_EQ(printed_before_poll[0].find("  check "), std::string::npos);
  EXPECT_NE(printed_before_poll[1].find("  check "), std::string::npos) << "after the first poll";
  EXPECT_EQ(printed_before_poll[1].find("fence_read_only   "), std::string::npos);
  EXPECT_NE(printed_before_poll[2].find("fence_read_only   "), std::string::npos) << printed_before_poll[2];
  EXPECT_EQ(printed_before_poll[2].find("  promote "), std::string::npos);

  const std::string out = h.out.str();
  // Each step once, with its duration, names padded to the plan's widest step.
  EXPECT_NE(out.find("  check                   succeeded        3 ms\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  fence_read_only         succeeded        8 ms  sessions_killed=2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  promote                 succeeded        4 ms\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("  check "), out.rfind("  check ")) << "printed once";
}

TEST(PivotFlow, NotEligibleDryRunPrintsChecksAndExitsThree) {
  Harness h;
  serve_dry_run(h, dry_run_job(false));
  EXPECT_EQ(h.run({"pivot", "sms-1", "--yes"}), 3);
  EXPECT_EQ(h.transport.posts().size(), 1u) << "no pivot after a refused dry run";
  EXPECT_NE(h.out.str().find("az_spread      FAIL    1 AZ (a), 2 needed"), std::string::npos) << h.out.str();
  EXPECT_NE(h.err.str().find("not eligible"), std::string::npos) << h.err.str();
}

TEST(PivotFlow, RolledBackJobExitsFourWithWhy) {
  Harness h;
  serve_dry_run(h, dry_run_job());
  serve_pivot(h, "rolled_back",
              {{"error", "catch_up_timeout"}, {"message", "db2 did not catch up within 5000 ms; db1 is writable again"}});
  EXPECT_EQ(h.run({"pivot", "sms-1", "--yes"}), 4);
  EXPECT_NE(h.out.str().find("pivot of sms-1 rolled_back: catch_up_timeout: db2 did not catch up within 5000 ms; "
                             "db1 is writable again"),
            std::string::npos)
      << h.out.str();
}

TEST(PivotFlow, FailedAndCancelledJobsExitFour) {
  for (const char* state : {"failed", "cancelled"}) {
    Harness h;
    serve_dry_run(h, dry_run_job());
    serve_pivot(h, state, {{"error", "hook_failed"}, {"message", "post_pivot exited 1"}});
    EXPECT_EQ(h.run({"pivot", "sms-1", "--yes"}), 4) << state;
  }
}

TEST(PivotFlow, OnATerminalTheOperatorIsAsked) {
  struct Case {
    const char* answer;
    int exit;
  };
  for (const auto& c : {Case{"y\n", 0}, Case{"YES\n", 0}, Case{"n\n", 6}, Case{"\n", 6}, Case{"", 6}}) {
    Harness h;
    h.stdin_terminal = true;
    h.in.str(c.answer);
    serve_dry_run(h, dry_run_job());
    serve_pivot(h);
    EXPECT_EQ(h.run({"pivot", "sms-1"}), c.exit) << "answer '" << c.answer << "'";
    EXPECT_NE(h.out.str().find("Pivot sms-1 from db1 to db2? [y/N] "), std::string::npos) << h.out.str();
    EXPECT_EQ(h.transport.posts().size(), c.exit == 0 ? 2u : 1u) << "answer '" << c.answer << "'";
  }
}

TEST(PivotFlow, DryRunFlagShowsThePlanAndStops) {
  Harness h;
  serve_dry_run(h, dry_run_job());
  EXPECT_EQ(h.run({"pivot", "sms-1", "--dry-run"}), 0);
  EXPECT_EQ(h.transport.posts().size(), 1u);
  EXPECT_NE(h.out.str().find(testing::plan_line(testing::plan_size()) + "\n"), std::string::npos) << h.out.str();
}

TEST(PivotFlow, PrimaryChangedSinceTheDryRunIsRefusedWithExitFive) {
  Harness h;
  h.transport.on(Method::post, kPivot,
                 {reply(202, {{"job", "d-1"}}),
                  testing::error_reply(412, "precondition_failed", "expected primary db1, observed db3")});
  h.transport.on(Method::get, "/v1/jobs/d-1", reply(200, dry_run_job()));
  EXPECT_EQ(h.run({"pivot", "sms-1", "--yes"}), 5);
  EXPECT_NE(h.err.str().find("412 precondition_failed: expected primary db1, observed db3"), std::string::npos)
      << h.err.str();
}

TEST(PivotFlow, JsonModeKeepsStdoutForTheFinalJob) {
  Harness h;
  serve_dry_run(h, dry_run_job());
  serve_pivot(h);
  EXPECT_EQ(h.run({"--json", "pivot", "sms-1", "--yes"}), 0);
  const json printed = json::parse(h.out.str());
  EXPECT_EQ(printed["id"], "p-1");
  EXPECT_EQ(printed["result"]["write_blocked_ms"], 12);
  EXPECT_NE(h.err.str().find("fence_read_only"), std::string::npos) << "progress goes to stderr";
}

TEST(PivotStatus, EligibleExitsZeroAndNotEligibleThree) {
  for (bool eligible : {true, false}) {
    Harness h;
    h.transport.on(Method::post, "/v1/clusters/sms-1/pivot-status", reply(202, {{"job", "s-1"}}));
    h.transport.on(Method::get, "/v1/jobs/s-1",
                   {reply(200, job("s-1", "pivot_status", "queued")), reply(200, job("s-1", "pivot_status", "running")),
                    reply(200, job("s-1", "pivot_status", "succeeded", json::array(),
                                   testing::pivot_status_result(eligible)))});
    EXPECT_EQ(h.run({"pivot-status", "sms-1", "--candidate", "db2"}), eligible ? 0 : 3);
    EXPECT_EQ(json::parse(h.transport.posts()[0].body), (json{{"candidate", "db2"}}));
    EXPECT_NE(h.out.str().find("Rejected candidates:\n  NODE  REASON\n  db1   db1 is the current primary\n"),
              std::string::npos)
        << h.out.str();
    EXPECT_EQ(h.clock.sleeps, 2);
    EXPECT_EQ(h.clock.now, 1000u + 2 * 150) << "polls every 150 ms on the injected clock";
  }
}

TEST(PivotStatus, AJobThatNeverEndsIsGivenUpAtTheDeadline) {
  Harness h;
  h.transport.on(Method::post, "/v1/clusters/sms-1/pivot-status", reply(202, {{"job", "s-1"}}));
  h.transport.on(Method::get, "/v1/jobs/s-1", reply(200, job("s-1", "pivot_status", "running")));
  EXPECT_EQ(h.run({"pivot-status", "sms-1"}), 1);
  EXPECT_GE(h.clock.now, 1000u + 60000);
  EXPECT_LE(h.clock.now, 1000u + 60000 + 150);
  EXPECT_NE(h.err.str().find("pivotctl job s-1 --follow"), std::string::npos) << h.err.str();
}

TEST(PivotStatus, UnknownClusterIsRefused) {
  Harness h;
  h.transport.on(Method::post, "/v1/clusters/nope/pivot-status",
                 testing::error_reply(404, "not_found", "no cluster named nope"));
  EXPECT_EQ(h.run({"pivot-status", "nope"}), 5);
  EXPECT_NE(h.err.str().find("not_found: no cluster named nope"), std::string::npos) << h.err.str();
}

TEST(PivotStatus, HeldClusterIsRefusedWithConflict) {
  Harness h;
  h.transport.on(Method::post, kPivot, testing::error_reply(409, "conflict", "sms-1 is held by job p-0"));
  EXPECT_EQ(h.run({"pivot", "sms-1", "--yes"}), 5);
}

TEST(Cancel, ACancelledJobExitsZeroAndARefusalFive) {
  Harness h;
  h.transport.on(Method::post, "/v1/jobs/pv-3-1/cancel",
                 testing::reply(200, {{"id", "pv-3-1"}, {"state", "cancelled"}, {"steps", json::array()}}));
  EXPECT_EQ(h.run({"cancel", "pv-3-1"}), 0) << h.err.str();
  EXPECT_NE(h.out.str().find("Job pv-3-1 cancelled before the fence: nothing was changed"), std::string::npos)
      << h.out.str();

  Harness late;
  late.transport.on(Method::post, "/v1/jobs/pv-3-2/cancel",
                    testing::error_reply(409, "conflict", "job pv-3-2 has begun to fence sms-1's primary"));
  EXPECT_EQ(late.run({"cancel", "pv-3-2"}), 5);
  EXPECT_NE(late.err.str().find("begun to fence"), std::string::npos) << late.err.str();
}

TEST(Failover, AnOlderPivotdWithoutFailoverExitsFive) {
  Harness h;
  h.transport.on(Method::post, "/v1/clusters/sms-1/failover",
                 testing::error_reply(501, "not_implemented", "failover is not implemented"));
  EXPECT_EQ(h.run({"failover", "sms-1", "--yes"}), 5);
  EXPECT_NE(h.err.str().find("failover is not supported yet"), std::string::npos) << h.err.str();
}

TEST(Failover, WithoutTerminalOrYesNothingIsAsked) {
  for (const std::string command : {"failover", "reopen"}) {
    Harness h;
    EXPECT_EQ(h.run({command, "sms-1"}), 2) << command;
    EXPECT_NE(h.err.str().find("pass --yes to " + std::string(command == "failover" ? "fail over" : "reopen") +
                               " without asking"),
              std::string::npos)
        << h.err.str();
    EXPECT_TRUE(h.transport.posts().empty()) << command;
  }
}

TEST(Failover, APrimaryThatLivesIsRefusedWithPivotdsReason) {
  Harness h;
  h.transport.on(Method::post, "/v1/clusters/sms-1/failover",
                 testing::error_reply(409, "conflict", "db1 lives: use pivot to change the primary"));
  EXPECT_EQ(h.run({"failover", "sms-1", "--yes", "--candidate", "db3"}), 5);
  EXPECT_NE(h.err.str().find("use pivot"), std::string::npos) << h.err.str();
  ASSERT_EQ(h.transport.posts().size(), 1u);
  EXPECT_EQ(json::parse(h.transport.posts()[0].body), (json{{"candidate", "db3"}}));
}

TEST(Failover, TheJobIsFollowedToItsEnd) {
  Harness h;
  h.transport.on(Method::post, "/v1/clusters/sms-1/failover", {reply(202, {{"job", "fo-3-1"}})});
  json result{{"old_primary", "db1"}, {"new_primary", "db2"}, {"to_writable_ms", 812}};
  h.transport.on(Method::get, "/v1/jobs/fo-3-1",
                 {reply(200, job("fo-3-1", "failover", "running", json::array())),
                  reply(200, job("fo-3-1", "failover", "succeeded", json::array(), result))});
  EXPECT_EQ(h.run({"failover", "sms-1", "--yes"}), 0) << h.err.str();
  EXPECT_NE(h.out.str().find("Failover job fo-3-1"), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("Failed over sms-1"), std::string::npos) << h.out.str();
}

const std::string kReopen = "/v1/clusters/sms-1/reopen";

TEST(Reopen, OnATerminalTheOperatorIsAskedAndMayDecline) {
  Harness h;
  h.stdin_terminal = true;
  h.in.str("n\n");
  EXPECT_EQ(h.run({"reopen", "sms-1"}), 6);
  EXPECT_NE(h.out.str().find("Reopen sms-1: make its read-only primary writable"), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("Not reopened."), std::string::npos) << h.out.str();
  EXPECT_TRUE(h.transport.posts().empty());
}

TEST(Reopen, TheJobIsFollowedToItsEnd) {
  Harness h;
  h.stdin_terminal = true;
  h.in.str("yes\n");
  h.transport.on(Method::post, kReopen, reply(202, {{"job", "ro-3-1"}}));
  h.transport.on(Method::get, "/v1/jobs/ro-3-1",
                 {reply(200, job("ro-3-1", "reopen", "running", json::array())),
                  reply(200, job("ro-3-1", "reopen", "succeeded",
                                 json::array({step("make_writable", "succeeded", "2026-11-24T20:15:03.200Z",
                                                   "2026-11-24T20:15:03.215Z")}),
                                 {{"primary", "db1"}, {"verdict", "reopen"}}))});
  EXPECT_EQ(h.run({"reopen", "sms-1"}), 0) << h.err.str();
  ASSERT_EQ(h.transport.posts().size(), 1u);
  EXPECT_EQ(json::parse(h.transport.posts()[0].body), json::object());
  EXPECT_NE(h.out.str().find("Reopen job ro-3-1: sms-1"), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("make_writable"), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("Reopened sms-1: db1 is writable again"), std::string::npos) << h.out.str();
}

TEST(Reopen, RefusalsAndFailuresHaveTheirExitCodes) {
  Harness refused;
  refused.transport.on(Method::post, kReopen,
                       testing::error_reply(409, "conflict", "db3 holds transactions db1 lacks: not reopened"));
  EXPECT_EQ(refused.run({"reopen", "sms-1", "--yes"}), 5);
  EXPECT_NE(refused.err.str().find("db3 holds transactions db1 lacks"), std::string::npos) << refused.err.str();

  Harness older;
  older.transport.on(Method::post, kReopen, testing::error_reply(501, "not_implemented", "reopen is not implemented yet"));
  EXPECT_EQ(older.run({"reopen", "sms-1", "--yes"}), 5);
  EXPECT_NE(older.err.str().find("reopen is not supported yet by this pivotd"), std::string::npos) << older.err.str();

  Harness failed;
  failed.transport.on(Method::post, kReopen, reply(202, {{"job", "ro-3-2"}}));
  failed.transport.on(Method::get, "/v1/jobs/ro-3-2", reply(200, job("ro-3-2", "reopen", "failed")));
  EXPECT_EQ(failed.run({"reopen", "sms-1", "--yes"}), 4);
  EXPECT_NE(failed.out.str().find("reopen of sms-1 failed"), std::string::npos) << failed.out.str();
}

// The failover view pivotd answers acknowledge and maintenance with.
json view_reply(bool acknowledged, bool in_maintenance) {
  json failover = json::parse(R"({"auto_failover": true, "detection": "healthy", "reasons": [], "failing_over": false,
    "last_failover": {"job": "fo-4-2", "old_primary": "db1", "new_primary": "db2", "automatic": true,
                      "started_at": "2026-11-24T20:15:03.123Z", "acknowledged": false, "acknowledged_by": null,
                      "comment": null, "acknowledged_at": null},
    "cooldown_until": null, "maintenance": null})");
  if (acknowledged) {
    failover["last_failover"]["acknowledged"] = true;
    failover["last_failover"]["acknowledged_by"] = "alice";
    failover["last_failover"]["comment"] = "db1 rebuilt";
    failover["last_failover"]["acknowledged_at"] = "2026-11-24T20:16:03.123Z";
  }
  if (in_maintenance) {
    failover["maintenance"] = {{"until", "2026-11-24T22:15:03.123Z"}, {"reason", "kernel upgrade"}, {"set_by", "alice"},
                               {"set_at", "2026-11-24T20:15:03.123Z"}};
  }
  return {{"cluster", "sms-1"}, {"failover", failover}};
}

TEST(Acknowledge, SendsTheCommentAndRebuiltNodesAndShowsTheView) {
  Harness h;
  h.transport.on(Method::post, "/v1/clusters/sms-1/acknowledge", reply(200, view_reply(true, false)));
  EXPECT_EQ(h.run({"acknowledge", "sms-1", "--comment", "db1 rebuilt", "--rebuilt", "db1"}), 0) << h.err.str();
  ASSERT_EQ(h.transport.posts().size(), 1u);
  EXPECT_EQ(json::parse(h.transport.posts()[0].body), (json{{"comment", "db1 rebuilt"}, {"rebuilt", {"db1"}}}));
  EXPECT_NE(h.out.str().find("Acknowledged the last failover of sms-1"), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("db1's needs_rebuild mark is cleared"), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("acknowledged by alice"), std::string::npos) << h.out.str();

  Harness plain;
  plain.transport.on(Method::post, "/v1/clusters/sms-1/acknowledge", reply(200, view_reply(true, false)));
  EXPECT_EQ(plain.run({"acknowledge", "sms-1", "--comment", "seen", "--json"}), 0) << plain.err.str();
  EXPECT_EQ(json::parse(plain.transport.posts()[0].body), (json{{"comment", "seen"}}));
  EXPECT_EQ(plain.out.str(), view_reply(true, false).dump(2) + "\n") << "stdout carries only pivotd's JSON";
}

TEST(Acknowledge, NoFailoverToAcknowledgeIsSaid) {
  Harness h;
  json body = view_reply(false, false);
  body["failover"]["last_failover"] = nullptr;
  h.transport.on(Method::post, "/v1/clusters/sms-1/acknowledge", reply(200, body));
  EXPECT_EQ(h.run({"acknowledge", "sms-1", "--comment", "x"}), 0) << h.err.str();
  EXPECT_NE(h.out.str().find("sms-1 has had no failover to acknowledge"), std::string::npos) << h.out.str();
  EXPECT_EQ(h.out.str().find("Acknowledged"), std::string::npos) << h.out.str();
}

TEST(Acknowledge, ARefusalExitsWithItsCode) {
  Harness h;
  h.transport.on(Method::post, "/v1/clusters/sms-1/acknowledge",
                 testing::error_reply(400, "bad_request", "db3 is not marked needs_rebuild"));
  EXPECT_EQ(h.run({"acknowledge", "sms-1", "--comment", "x", "--rebuilt", "db3"}), 2);
  EXPECT_NE(h.err.str().find("db3 is not marked needs_rebuild"), std::string::npos) << h.err.str();
  Harness missing;
  missing.transport.on(Method::post, "/v1/clusters/sms-1/acknowledge",
                       testing::error_reply(501, "not_implemented", "acknowledge is not implemented yet"));
  EXPECT_EQ(missing.run({"acknowledge", "sms-1", "--comment", "x"}), 5);
}

TEST(Maintenance, ADurationCountsFromNowAndATimeIsSentAsWritten) {
  Harness h;  // the manual wall clock reads 2026-11-24T20:15:03.123Z
  h.transport.on(Method::put, "/v1/clusters/sms-1/maintenance", reply(200, view_reply(false, true)));
  EXPECT_EQ(h.run({"maintenance", "sms-1", "--until", "2h", "--reason", "kernel upgrade"}), 0) << h.err.str();
  ASSERT_EQ(h.transport.calls.size(), 1u);
  EXPECT_EQ(h.transport.calls[0].method, Method::put);
  EXPECT_EQ(json::parse(h.transport.calls[0].body),
            (json{{"until", "2026-11-24T22:15:03.123Z"}, {"reason", "kernel upgrade"}}));
  EXPECT_NE(h.out.str().find("Maintenance of sms-1 until 2026-11-24 22:15:03"), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("kernel upgrade (set by alice"), std::string::npos) << h.out.str();

  h.transport.calls.clear();
  EXPECT_EQ(h.run({"maintenance", "sms-1", "--until", "2026-11-25T01:00:00+02:00", "--reason", "x"}), 0);
  EXPECT_EQ(json::parse(h.transport.calls[0].body)["until"], "2026-11-25T01:00:00+02:00");
}

TEST(Maintenance, EndIsADeleteAndRefusalsExitFive) {
  Harness h;
  h.transport.on(Method::delete_, "/v1/clusters/sms-1/maintenance", reply(200, view_reply(false, false)));
  EXPECT_EQ(h.run({"maintenance", "sms-1", "--end"}), 0) << h.err.str();
  ASSERT_EQ(h.transport.calls.size(), 1u);
  EXPECT_EQ(h.transport.calls[0].method, Method::delete_);
  EXPECT_EQ(h.transport.calls[0].body, "");
  EXPECT_NE(h.out.str().find("Maintenance of sms-1 ended"), std::string::npos) << h.out.str();

  Harness unknown;
  unknown.transport.on(Method::delete_, "/v1/clusters/sms-1/maintenance",
                       testing::error_reply(404, "not_found", "no cluster named 'sms-1'"));
  EXPECT_EQ(unknown.run({"maintenance", "sms-1", "--end"}), 5);
  EXPECT_NE(unknown.err.str().find("no cluster named"), std::string::npos) << unknown.err.str();
}

}  // namespace
}  // namespace pivot::ctl
