// pivotctl's tables rendered from canned API JSON: columns line up, checks
// read ok/FAIL with their details, colour only on a terminal.
#include <gtest/gtest.h>

#include "fakes.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl {
namespace {

using nlohmann::json;
using testing::Harness;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The word of `line` that starts at the column where `header` starts in the
// header line: a row is aligned when each of its cells starts there.
std::string cell_at(const std::string& header_line, const std::string& line, const std::string& header) {
  const auto col = header_line.find(header);
  if (col == std::string::npos || col >= line.size()) return "<none>";
  if (col > 0 && line[col - 1] != ' ') return "<misaligned>";
  return line.substr(col, line.find(' ', col) - col);
}

json cluster_detail() {
  json db1_state{{"read_only", false}, {"gtid_current_pos", "0-1-100"}, {"replica", nullptr}, {"age_ms", 420}};
  json db2_state{{"read_only", true},
                 {"gtid_current_pos", "0-1-100"},
                 {"replica", {{"io_running", "yes"}, {"sql_running", true}, {"seconds_behind", 0}}},
                 {"age_ms", 310}};
  json db3_state{{"read_only", true},
                 {"gtid_executed", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5000,4f22ab58-82db-22f2-af44-d91bb0530673:1-9"},
                 {"replica", {{"io_running", "connecting"}, {"sql_running", true}, {"seconds_behind", nullptr}}},
                 {"age_ms", 12345}};
  return {{"name", "sms-1"},
          {"labels", {{"environment", "prod"}, {"service", "sms"}}},
          {"primary", "db1"},
          {"nodes", json::array({
                        {{"name", "db1"}, {"role", "primary"}, {"current", "primary"}, {"az", "a"}, {"state", db1_state}},
                        {{"name", "db2"}, {"role", "replica"}, {"current", "replica"}, {"az", "b"}, {"state", db2_state}},
                        {{"name", "db3"}, {"role", "replica"}, {"current", "replica"}, {"az", "c"}, {"state", db3_state}},
                        {{"name", "db4"}, {"role", "backup"}, {"current", "unknown"}, {"az", "b"}, {"state", nullptr}},
                    })}};
}

TEST(StatusView, ColumnsLineUp) {
  std::ostringstream out;
  print_cluster_status(out, cluster_detail(), false);
  auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 6u) << out.str();
  EXPECT_EQ(lines[0], "Cluster sms-1: primary db1 (environment=prod, service=sms)");
  const std::string& header = lines[1];
  EXPECT_EQ(header.rfind("NODE", 0), 0u) << header;
  const std::vector<std::vector<std::string>> expected = {
      // NODE ROLE CURRENT AZ READ_ONLY LAG THREADS HEARTBEAT
      {"db1", "primary", "primary", "a", "no", "-", "-", "0.4s"},
      {"db2", "replica", "replica", "b", "yes", "0s", "yes/yes", "0.3s"},
      {"db3", "replica", "replica", "c", "yes", "?", "connecting/yes", "12.3s"},
      {"db4", "backup", "unknown", "b", "-", "-", "-", "never"},
  };
  const std::vector<std::string> headers = {"NODE", "ROLE", "CURRENT", "AZ", "READ_ONLY", "LAG", "THREADS", "HEARTBEAT"};
  for (std::size_t r = 0; r < expected.size(); ++r) {
    for (std::size_t c = 0; c < headers.size(); ++c) {
      EXPECT_EQ(cell_at(header, lines[r + 2], headers[c]), expected[r][c]) << headers[c] << " of " << lines[r + 2];
    }
  }
  EXPECT_EQ(cell_at(header, lines[2], "GTID"), "0-1-100");
  EXPECT_EQ(cell_at(header, lines[4], "GTID"), "3e11fa47-71ca-11e1-9e33-c80aa9429562:...") << "long sets are shortened";
  for (const auto& line : lines) EXPECT_TRUE(line.empty() || line.back() != ' ') << "no trailing blanks: " << line;
}

// sms-1 after a failover from db1 to db2: db1 marked needs_rebuild, the
// cooldown running, a maintenance window; the health as pivotd said it.
json failed_over_detail() {
  json detail = cluster_detail();
  detail["health"] = {{"state", "needs_attention"},
                      {"reasons", json::array({"db1 needs rebuild: it holds 1 transaction the new primary lacks"})}};
  detail["failover"] = json::parse(R"({
    "auto_failover": true, "detection": "healthy", "reasons": [], "failing_over": false,
    "last_failover": {"job": "fo-4-2", "old_primary": "db1", "new_primary": "db2", "automatic": true,
                      "started_at": "2026-11-24T20:15:03.123Z", "acknowledged": false, "acknowledged_by": null,
                      "comment": null, "acknowledged_at": null},
    "cooldown_until": "2026-11-24T21:15:03.123Z",
    "maintenance": {"until": "2026-11-24T22:15:03.123Z", "reason": "kernel upgrade", "set_by": "bob",
                    "set_at": "2026-11-24T20:15:04.123Z"}})");
  detail["nodes"][0]["needs_rebuild"] = {{"extra_gtids", "0-1-101"}, {"count", 1}, {"job", "fo-4-2"},
                                         {"marked_at", "2026-11-24T20:15:05.123Z"}};
  detail["nodes"][1]["needs_rebuild"] = nullptr;
  return detail;
}

TEST(StatusView, ShowsHealthCooldownMaintenanceAndRebuildMarks) {
  std::ostringstream out;
  print_cluster_status(out, failed_over_detail(), false);
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 13u) << out.str();
  EXPECT_EQ(lines[1], "Health: needs_attention");
  EXPECT_EQ(lines[2], "  - db1 needs rebuild: it holds 1 transaction the new primary lacks");
  EXPECT_EQ(lines[3], "Automatic failover: on; detection: healthy");
  EXPECT_EQ(lines[4], "Cooldown until 2026-11-24 21:15:03: no automatic failover until then "
                      "(`pivotctl acknowledge sms-1 --comment TEXT` ends it)");
  EXPECT_EQ(lines[5], "Last failover: fo-4-2, db1 -> db2 (automatic), started 2026-11-24 20:15:03; not acknowledged");
  EXPECT_EQ(lines[6], "Maintenance until 2026-11-24 22:15:03: kernel upgrade (set by bob at 2026-11-24 20:15:04; "
                      "no automatic failover, no pivot)");
  EXPECT_EQ(lines[7].rfind("NODE", 0), 0u) << lines[7];
  EXPECT_EQ(lines[12], "db1 needs rebuild: 1 extra transaction (0-1-101) since failover fo-4-2; kept read-only. "
                       "Once rebuilt: `pivotctl acknowledge sms-1 --comment TEXT --rebuilt db1`");
}

TEST(StatusView, AnAcknowledgedFailoverSaysWhoAndWhyAndAQuietOneSaysLittle) {
  json detail = failed_over_detail();
  auto& last = detail["failover"]["last_failover"];
  last["acknowledged"] = true;
  last["acknowledged_by"] = "alice";
  last["acknowledged_at"] = "2026-11-24T20:16:03.123Z";
  last["comment"] = "db1 rebuilt";
  detail["failover"]["cooldown_until"] = nullptr;
  detail["failover"]["maintenance"] = nullptr;
  std::ostringstream out;
  print_failover_view(out, "sms-1", detail["failover"], false);
  EXPECT_EQ(out.str(), "Automatic failover: on; detection: healthy\n"
                       "Last failover: fo-4-2, db1 -> db2 (automatic), started 2026-11-24 20:15:03; acknowledged by "
                       "alice at 2026-11-24 20:16:03: db1 rebuilt\n");
  std::ostringstream quiet;
  print_failover_view(quiet, "sms-1",
                      json::parse(R"({"auto_failover": false, "detection": "healthy", "reasons": [], "failing_over": false,
                                      "last_failover": null, "cooldown_until": null, "maintenance": null})"),
                      false);
  EXPECT_EQ(quiet.str(), "Automatic failover: off; detection: healthy\n");
}

TEST(JobOutcome, ARolloutSaysPivotdsCount) {
  std::ostringstream out;
  print_job_outcome(out,
                    testing::job("rl-1", "rollout", "failed", json::array(),
                                 {{"message", "stop_on_failure starts no more (1 succeeded, 0 failed, 1 not eligible, "
                                              "1 not started)"}}),
                    false);
  EXPECT_EQ(out.str(), "Rollout failed: stop_on_failure starts no more (1 succeeded, 0 failed, 1 not eligible, 1 not started)\n");
}

TEST(JobOutcome, ReopenAndRejoinSayWhatBecameOfTheNode) {
  const auto outcome = [](const std::string& kind, const json& result) {
    std::ostringstream out;
    print_job_outcome(out, testing::job("j-1", kind, "succeeded", json::array(), result), false);
    return out.str();
  };
  EXPECT_EQ(outcome("reopen", {{"primary", "db1"}, {"verdict", "reopen"}}), "Reopened sms-1: db1 is writable again\n");
  EXPECT_EQ(outcome("rejoin", {{"old_primary", "db1"}, {"new_primary", "db2"}, {"verdict", "rejoin"}}),
            "Rejoined sms-1: db1 is a replica again\n");
  EXPECT_EQ(outcome("rejoin", {{"old_primary", "db1"}, {"new_primary", "db2"}, {"verdict", "needs_rebuild"},
                               {"extra_gtids", "0-1-101"}}),
            "sms-1: db1 kept read-only and marked needs_rebuild (it holds transactions the new primary lacks)\n");
}

TEST(StatusView, NoPrimaryIsSaid) {
  json detail = cluster_detail();
  detail["primary"] = nullptr;
  std::ostringstream out;
  print_cluster_status(out, detail, false);
  EXPECT_EQ(lines_of(out.str())[0], "Cluster sms-1: no primary observed (environment=prod, service=sms)");
}

TEST(PivotStatusView, AFailingWarningReadsWarnBesideAnEligibleCluster) {
  json result = testing::pivot_status_result(true);
  result["checks"].push_back({{"id", "slave_net_timeout"},
                              {"ok", false},
                              {"warning", true},
                              {"detail", "db3's slave_net_timeout (60 s) is at or above agent_dead_ms (3000 ms)"}});
  std::ostringstream out;
  print_pivot_status(out, "sms-1", result, false);
  EXPECT_NE(out.str().find("slave_net_timeout  WARN    db3's"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("FAIL"), std::string::npos) << out.str();
}

TEST(PivotStatusView, EachCheckOkOrFailWithItsDetail) {
  std::ostringstream out;
  print_pivot_status(out, "sms-1", testing::pivot_status_result(false), false);
  auto lines = lines_of(out.str());
  ASSERT_GE(lines.size(), 9u) << out.str();
  EXPECT_EQ(lines[0], "sms-1: NOT eligible; candidate db2 (least lag, priority 10)");
  EXPECT_EQ(lines[1], "  CHECK          RESULT  DETAIL");
  EXPECT_EQ(lines[2], "  agents_fresh   ok      every agent reported within 3000 ms");
  EXPECT_EQ(lines[3], "  candidate_lag  ok      db2 is 0 s behind (limit 5 s)");
  EXPECT_EQ(lines[4], "  az_spread      FAIL    1 AZ (a), 2 needed");
  EXPECT_EQ(lines[5], "Rejected candidates:");
  EXPECT_EQ(lines[6], "  NODE  REASON");
  EXPECT_EQ(lines[7], "  db1   db1 is the current primary");
  EXPECT_EQ(lines[8], "  db4   db4 is a backup node");
}

TEST(PivotStatusView, Eligible) {
  std::ostringstream out;
  print_pivot_status(out, "sms-1", testing::pivot_status_result(true), false);
  EXPECT_EQ(lines_of(out.str())[0], "sms-1: eligible; candidate db2 (least lag, priority 10)");
}

TEST(PlanView, OldNewAndStepsInOrder) {
  std::ostringstream out;
  print_plan(out, "sms-1", testing::dry_run_result(), false);
  auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 4 + testing::plan_size()) << out.str();
  EXPECT_EQ(lines[1], "  old primary: db1");
  EXPECT_EQ(lines[2], "  new primary: db2 (least lag, priority 10)");
  EXPECT_EQ(lines[3], "  steps:");
  EXPECT_EQ(lines[4], "     1. check");
  EXPECT_EQ(lines.back(), testing::plan_line(testing::plan_size()));
}

TEST(ClustersView, Table) {
  json clusters = json::array({{{"name", "sms-1"}, {"primary", "db1"}, {"healthy", true}, {"max_lag_s", 0.5},
                                {"last_job", "p-7"}},
                               {{"name", "billing"}, {"primary", nullptr}, {"healthy", false}, {"max_lag_s", nullptr},
                                {"last_job", nullptr}}});
  std::ostringstream out;
  print_clusters(out, clusters, false);
  EXPECT_EQ(out.str(),
            "CLUSTER  PRIMARY  HEALTHY  MAX LAG  LAST JOB\n"
            "sms-1    db1      yes      0.5s     p-7\n"
            "billing  -        no       -        -\n");
}

TEST(JobsView, Table) {
  json jobs = json::array({testing::job("p-8", "pivot", "rolled_back"), testing::job("s-7", "pivot_status", "succeeded")});
  std::ostringstream out;
  print_jobs(out, jobs, false);
  EXPECT_EQ(out.str(),
            "ID   KIND          CLUSTER  STATE        REQUESTED_BY  CREATED\n"
            "p-8  pivot         sms-1    rolled_back  alice         2026-11-24 20:15:03\n"
            "s-7  pivot-status  sms-1    succeeded    alice         2026-11-24 20:15:03\n");
}

TEST(JobsView, ADryRunSaysSo) {
  json dry = testing::job("p-9", "pivot", "succeeded");
  dry["dry_run"] = true;
  std::ostringstream out;
  print_jobs(out, json::array({dry, testing::job("p-8", "pivot", "succeeded")}), false);
  EXPECT_EQ(out.str(),
            "ID   KIND             CLUSTER  STATE      REQUESTED_BY  CREATED\n"
            "p-9  pivot (dry run)  sms-1    succeeded  alice         2026-11-24 20:15:03\n"
            "p-8  pivot            sms-1    succeeded  alice         2026-11-24 20:15:03\n");
}

TEST(JobView, StepsWithStateAndDuration) {
  json steps = json::array({testing::step("check", "succeeded", "2026-11-24T20:15:03.200Z", "2026-11-24T20:15:03.203Z"),
                            testing::step("fence_old_primary", "succeeded", "2026-11-24T20:15:03.203Z",
                                          "2026-11-24T20:15:03.215Z", {{"sessions_killed", 3}}),
                            testing::step("catch_up", "running", "2026-11-24T20:15:03.215Z", "")});
  std::ostringstream out;
  print_job(out, testing::job("p-8", "pivot", "running", steps), false);
  EXPECT_EQ(out.str(),
            "Job p-8: pivot of sms-1, running (requested by alice, created 2026-11-24 20:15:03)\n"
            "  STEP               STATE      DURATION  SUMMARY\n"
            "  check              succeeded  3 ms\n"
            "  fence_old_primary  succeeded  12 ms     sessions_killed=3\n"
            "  catch_up           running    -\n");
}

TEST(JobView, AStepDetailStaysOnOneLine) {
  json hook = testing::step("post_promote", "failed", "2026-11-24T20:15:03.200Z", "2026-11-24T20:15:03.300Z",
                            {{"exit_code", 1}, {"output", "switching proxy\nerror: no route\n"}});
  std::ostringstream out;
  print_step_line(out, hook, 12, false);
  EXPECT_EQ(out.str(), "  post_promote  failed         100 ms  exit_code=1 output=switching proxy error: no route \n");
}

// pivotd's sentence, not the raw detail: --json keeps the detail whole.
TEST(JobView, AStepReadsAsItsSummary) {
  json fence = testing::step("fence_read_only", "succeeded", "2026-11-24T20:15:03.200Z", "2026-11-24T20:15:03.204Z",
                             {{"commands", json::array({{{"action", "set_read_only"}, {"node", "db1"}}})}});
  fence["summary"] = "db1 read-only (was writable)";
  std::ostringstream line;
  print_step_line(line, fence, 15, false);
  EXPECT_EQ(line.str(), "  fence_read_only  succeeded        4 ms  db1 read-only (was writable)\n");

  std::ostringstream table;
  print_job(table, testing::job("p-8", "pivot", "running", json::array({fence})), false);
  EXPECT_NE(table.str().find("4 ms      db1 read-only (was writable)\n"), std::string::npos) << table.str();
  EXPECT_EQ(table.str().find("commands="), std::string::npos) << table.str();
}

TEST(JobView, FinishedPivotEndsWithItsOutcome) {
  json result = testing::pivot_status_result(true);
  result["old_primary"] = "db1";
  result["new_primary"] = "db2";
  result["write_blocked_ms"] = 12;
  std::ostringstream out;
  print_job(out, testing::job("p-8", "pivot", "succeeded", json::array(), result), false);
  EXPECT_NE(out.str().find("Pivoted sms-1: db2 is the new primary (was db1); writes were blocked for 12 ms\n"),
            std::string::npos)
      << out.str();
}

TEST(AgentsView, TableAndRejectedCounters) {
  json agents{{"agents", json::array({{{"cluster", "sms-1"}, {"node", "db1"}, {"boot_id", "b-1"},
                                       {"last_seen_age_ms", 420}, {"messages", 1200}, {"seq_gaps", 0}}})},
              {"rejected_keys", 1},
              {"rejected_messages", 0}};
  std::ostringstream out;
  print_agents(out, agents, false);
  EXPECT_EQ(out.str(),
            "CLUSTER  NODE  BOOT_ID  LAST SEEN  MESSAGES  SEQ GAPS\n"
            "sms-1    db1   b-1      0.4s ago   1200      0\n"
            "Rejected: 1 unknown keys, 0 messages\n");
}

// Colour is decided by the program from the terminal and NO_COLOR.
struct ColourCase {
  bool terminal;
  bool no_color;
  bool json;
  bool coloured;
};

TEST(Colour, OnlyOnATerminalWithoutNoColor) {
  for (const auto& c : {ColourCase{false, false, false, false}, ColourCase{true, false, false, true},
                        ColourCase{true, true, false, false}, ColourCase{true, false, true, false}}) {
    Harness h;
    h.stdout_terminal = c.terminal;
    if (c.no_color) h.env["NO_COLOR"] = "1";
    h.transport.on(Method::post, "/v1/clusters/sms-1/pivot-status", testing::reply(202, {{"job", "s-1"}}));
    h.transport.on(Method::get, "/v1/jobs/s-1",
                   testing::reply(200, testing::job("s-1", "pivot_status", "succeeded", json::array(),
                                                    testing::pivot_status_result(false))));
    std::vector<std::string> args{"pivot-status", "sms-1"};
    if (c.json) args.push_back("--json");
    EXPECT_EQ(h.run(args), 3);
    const bool has_escape = (h.out.str() + h.err.str()).find('\033') != std::string::npos;
    EXPECT_EQ(has_escape, c.coloured) << "terminal " << c.terminal << " NO_COLOR " << c.no_color << " json " << c.json;
  }
}

TEST(Colour, ColouredColumnsStillLineUp) {
  std::ostringstream plain, coloured;
  print_pivot_status(plain, "sms-1", testing::pivot_status_result(false), false);
  print_pivot_status(coloured, "sms-1", testing::pivot_status_result(false), true);
  std::string stripped = coloured.str();
  for (auto pos = stripped.find('\033'); pos != std::string::npos; pos = stripped.find('\033')) {
    stripped.erase(pos, stripped.find('m', pos) - pos + 1);
  }
  EXPECT_EQ(stripped, plain.str());
}

}  // namespace
}  // namespace pivot::ctl
