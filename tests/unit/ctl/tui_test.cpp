// pivotctl tui without a terminal: keys to intents, intents and feed updates
// to the model, the model to a screen's lines, and the polling feed against a
// fake pivotd.
#include <gtest/gtest.h>

#include <algorithm>

#include "fakes.hpp"
#include "pivot/ctl/tui_feed.hpp"
#include "pivot/ctl/tui_model.hpp"
#include "pivot/ctl/tui_view.hpp"

namespace pivot::ctl::tui {
namespace {

using nlohmann::json;
using testing::FakeTransport;
using testing::ManualClock;
using C = Key::Code;

Key ch(char c) { return {C::character, c}; }

// Presses the keys; returns every action the model asked for.
std::vector<Action> press(Model& model, const std::vector<Key>& keys) {
  std::vector<Action> actions;
  for (const auto& key : keys) {
    auto more = apply(model, intent_for(model, key));
    actions.insert(actions.end(), more.begin(), more.end());
  }
  return actions;
}

std::vector<Key> typed(const std::string& text) {
  std::vector<Key> keys;
  for (char c : text) keys.push_back(ch(c));
  return keys;
}

// An action's outcome for `cluster`: started (key: the job), failed (message).
Update outcome(UpdateKind kind, ActionKind action, const std::string& cluster, const std::string& key,
               const std::string& message = "") {
  Update update;
  update.kind = kind;
  update.action = action;
  update.cluster = cluster;
  update.key = key;
  update.message = message;
  return update;
}

Update reading(UpdateKind kind, json body, std::string key = "", std::uint64_t at = 1000) {
  Update update;
  update.kind = kind;
  update.body = std::move(body);
  update.key = std::move(key);
  update.at_ms = at;
  return update;
}

Update started(ActionKind action, const std::string& cluster, const std::string& id) {
  Update update;
  update.kind = UpdateKind::started;
  update.action = action;
  update.cluster = cluster;
  update.key = id;
  return update;
}

json clusters() {
  return json::array({{{"name", "sms-1"},
                       {"labels", {{"environment", "prod"}, {"service", "sms"}}},
                       {"primary", "db1"},
                       {"healthy", true},
                       {"max_lag_s", 0.0},
                       {"last_job", "pv-1"}},
                      {{"name", "billing"},
                       {"labels", {{"environment", "staging"}}},
                       {"primary", nullptr},
                       {"healthy", false},
                       {"max_lag_s", nullptr},
                       {"last_job", nullptr}}});
}

json cluster_detail() {
  json replica{{"io_running", "yes"}, {"sql_running", true}, {"seconds_behind", 0}};
  return {{"name", "sms-1"},
          {"labels", {{"environment", "prod"}}},
          {"primary", "db1"},
          {"nodes", json::array({{{"name", "db1"}, {"az", "a"}, {"role", "primary"}, {"current", "primary"},
                                  {"state", {{"read_only", false}, {"gtid_current_pos", "0-1-100"}, {"replica", nullptr},
                                             {"age_ms", 420}}}},
                                 {{"name", "db2"}, {"az", "b"}, {"role", "replica"}, {"current", "replica"},
                                  {"state", {{"read_only", true}, {"gtid_current_pos", "0-1-100"}, {"replica", replica},
                                             {"age_ms", 310}}}},
                                 {{"name", "db4"}, {"az", "b"}, {"role", "backup"}, {"current", "unknown"},
                                  {"state", nullptr}}})}};
}

json finished(json job) {
  for (auto& s : job["steps"]) s["summary"] = s["name"].get<std::string>() + " done";
  return job;
}

// The lines' text, one string, for find().
std::string screen(const Model& model, std::size_t width = 120, std::size_t height = 30, std::uint64_t now = 2000) {
  std::string out;
  for (const auto& line : render(model, ViewContext{width, height, now, "http://127.0.0.1:7780"})) {
    out += line.text() + "\n";
  }
  return out;
}

std::string selected_line(const Model& model) {
  for (const auto& line : render(model, ViewContext{120, 30, 2000, "http://x"})) {
    if (line.selected) return line.text();
  }
  return "<none>";
}

// A model that has heard pivotd: two clusters, sms-1's detail.
Model heard() {
  Model model;
  apply(model, reading(UpdateKind::reachable, nullptr));
  apply(model, reading(UpdateKind::clusters, clusters()));
  apply(model, reading(UpdateKind::cluster, cluster_detail(), "sms-1"));
  return model;
}

// sms-1 opened, p pressed, the dry run started and finished with a plan.
Model at_confirmation(std::vector<Action>& actions) {
  Model model = heard();
  actions = press(model, {{C::enter}, ch('p')});
  apply(model, started(ActionKind::dry_run, "sms-1", "dr-1"));
  apply(model, reading(UpdateKind::job,
                       testing::job("dr-1", "pivot", "succeeded", json::array(), testing::dry_run_result()), "dr-1"));
  return model;
}

TEST(TuiKeys, NavigationKeysAreIntents) {
  Model model;
  EXPECT_EQ(intent_for(model, ch('j')).kind, IntentKind::down);
  EXPECT_EQ(intent_for(model, {C::down}).kind, IntentKind::down);
  EXPECT_EQ(intent_for(model, ch('k')).kind, IntentKind::up);
  EXPECT_EQ(intent_for(model, {C::up}).kind, IntentKind::up);
  EXPECT_EQ(intent_for(model, {C::enter}).kind, IntentKind::open);
  EXPECT_EQ(intent_for(model, ch('q')).kind, IntentKind::quit_or_back);
  EXPECT_EQ(intent_for(model, {C::escape}).kind, IntentKind::back);
  EXPECT_EQ(intent_for(model, ch('?')).kind, IntentKind::help);
  EXPECT_EQ(intent_for(model, ch('/')).kind, IntentKind::filter);
  EXPECT_EQ(intent_for(model, ch('s')).kind, IntentKind::pivot_status);
  EXPECT_EQ(intent_for(model, ch('p')).kind, IntentKind::pivot);
  EXPECT_EQ(intent_for(model, ch('x')).kind, IntentKind::none);
}

TEST(TuiKeys, WhileTypingKeysAreText) {
  Model model = heard();
  press(model, {ch('/')});
  ASSERT_TRUE(typing(model));
  EXPECT_EQ(intent_for(model, ch('q')).kind, IntentKind::text);  // q types, it does not quit
  EXPECT_EQ(intent_for(model, ch('j')).kind, IntentKind::text);
  EXPECT_EQ(intent_for(model, {C::backspace}).kind, IntentKind::erase);
  EXPECT_EQ(intent_for(model, {C::enter}).kind, IntentKind::submit);
  EXPECT_EQ(intent_for(model, {C::escape}).kind, IntentKind::cancel);
}

TEST(TuiModel, QuitOnlyFromTheFleetAndBackElsewhere) {
  Model model = heard();
  press(model, {{C::enter}});
  EXPECT_EQ(current(model), Screen::cluster);
  EXPECT_EQ(model.cluster, "sms-1");
  press(model, {ch('q')});
  EXPECT_EQ(current(model), Screen::fleet);
  EXPECT_FALSE(model.quit);
  press(model, {{C::escape}});
  EXPECT_FALSE(model.quit);
  press(model, {ch('q')});
  EXPECT_TRUE(model.quit);
}

TEST(TuiModel, SelectionMovesWithinTheRows) {
  Model model = heard();
  press(model, {ch('k')});
  EXPECT_EQ(model.selected[Screen::fleet], 0u);
  press(model, {ch('j'), ch('j'), ch('j')});
  EXPECT_EQ(model.selected[Screen::fleet], 1u);  // two clusters
  press(model, {{C::enter}});
  EXPECT_EQ(model.cluster, "billing");
}

TEST(TuiModel, FilterByNameOrLabel) {
  Model model = heard();
  press(model, {ch('/')});
  press(model, typed("staging"));
  press(model, {{C::enter}});
  EXPECT_FALSE(typing(model));
  auto visible = visible_clusters(model);
  ASSERT_EQ(visible.size(), 1u);
  EXPECT_EQ((*visible[0])["name"], "billing");
  // By name; backspace edits.
  press(model, {ch('/')});
  for (int i = 0; i < 7; ++i) press(model, {{C::backspace}});
  press(model, typed("sms"));
  visible = visible_clusters(model);
  ASSERT_EQ(visible.size(), 1u);
  EXPECT_EQ((*visible[0])["name"], "sms-1");
  // Esc while typing clears it.
  press(model, {{C::escape}});
  EXPECT_EQ(visible_clusters(model).size(), 2u);
}

TEST(TuiModel, PivotStatusAsksForTheSelectedCluster) {
  Model model = heard();
  auto actions = press(model, {ch('s')});
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0], (Action{ActionKind::pivot_status, "sms-1", "", "", ""}));
  EXPECT_EQ(current(model), Screen::pivot_status);
  apply(model, started(ActionKind::pivot_status, "sms-1", "ps-1"));
  EXPECT_EQ(focus_of(model), (Focus{"sms-1", {"ps-1"}}));
}

TEST(TuiModel, PivotRunsTheDryRunThenNeedsTheNameTyped) {
  std::vector<Action> actions;
  Model model = at_confirmation(actions);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0], (Action{ActionKind::dry_run, "sms-1", "", "", ""}));
  EXPECT_EQ(model.pivot.stage, PivotFlow::Stage::confirm);
  EXPECT_TRUE(typing(model));
  actions = press(model, typed("sms-1"));
  EXPECT_TRUE(actions.empty());  // typing alone starts nothing
  actions = press(model, {{C::enter}});
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0], (Action{ActionKind::pivot, "sms-1", "db2", "db1", ""}));
  apply(model, started(ActionKind::pivot, "sms-1", "pv-2"));
  EXPECT_EQ(current(model), Screen::job);
  EXPECT_EQ(model.job, "pv-2");
  EXPECT_NE(model.notice.find("Pivot job pv-2 started"), std::string::npos);
}

TEST(TuiModel, AMismatchedNameDeclinesAndChangesNothing) {
  std::vector<Action> actions;
  Model model = at_confirmation(actions);
  actions = press(model, typed("sms-2"));
  actions = press(model, {{C::enter}});
  EXPECT_TRUE(actions.empty());
  EXPECT_EQ(model.pivot.stage, PivotFlow::Stage::declined);
  EXPECT_NE(screen(model).find("Not pivoted: you typed 'sms-2', not 'sms-1'; nothing was changed."),
            std::string::npos)
      << screen(model);
  // ... and on the status line, said now (not 15 s ago).
  const auto lines = render(model, ViewContext{120, 30, 1000 + kNoticeMs - 1, "http://x"});
  EXPECT_EQ(lines.back().text().rfind("Not pivoted: you typed 'sms-2', not 'sms-1'; nothing was changed", 0), 0u)
      << lines.back().text();
  // q after a refusal goes back and still sends nothing.
  EXPECT_TRUE(press(model, {ch('q')}).empty());
  EXPECT_EQ(current(model), Screen::cluster);
}

TEST(TuiModel, EscAtTheConfirmationDeclines) {
  std::vector<Action> actions;
  Model model = at_confirmation(actions);
  actions = press(model, {ch('s'), {C::escape}, {C::enter}});
  EXPECT_TRUE(actions.empty());  // 's' was typed, not a pivot status
  EXPECT_EQ(model.pivot.stage, PivotFlow::Stage::declined);
}

TEST(TuiModel, ANotEligibleDryRunIsRefused) {
  Model model = heard();
  press(model, {{C::enter}, ch('p')});
  apply(model, started(ActionKind::dry_run, "sms-1", "dr-1"));
  apply(model, reading(UpdateKind::job,
                       testing::job("dr-1", "pivot", "succeeded", json::array(), testing::pivot_status_result(false)),
                       "dr-1"));
  EXPECT_EQ(model.pivot.stage, PivotFlow::Stage::refused);
  EXPECT_FALSE(typing(model));
  const std::string text = screen(model);
  EXPECT_NE(text.find("az_spread"), std::string::npos) << text;
  EXPECT_NE(text.find("sms-1 is not eligible for a pivot; nothing was changed."), std::string::npos) << text;
}

TEST(TuiModel, AFailedActionReachesTheStatusLine) {
  Model model = heard();
  press(model, {{C::enter}, ch('p')});
  apply(model, outcome(UpdateKind::failed, ActionKind::dry_run, "sms-1", "",
                       "pivotd answered HTTP 409 conflict: a job is running on sms-1"));
  EXPECT_EQ(model.pivot.stage, PivotFlow::Stage::failed);
  const auto lines = render(model, ViewContext{120, 30, 2000, "http://x"});
  EXPECT_EQ(lines.back().text().rfind("pivotd answered HTTP 409 conflict: a job is running on sms-1", 0), 0u)
      << lines.back().text();
}

TEST(TuiModel, AJobReadAfterTheListUpdatesTheList) {
  Model model = heard();
  apply(model, reading(UpdateKind::jobs, json::array({testing::job("pv-1", "pivot", "running")})));
  apply(model, reading(UpdateKind::job, testing::job("pv-1", "pivot", "succeeded"), "pv-1"));
  EXPECT_EQ(model.jobs[0]["state"], "succeeded");
  EXPECT_NE(screen(model).find("pv-1 pivot succeeded"), std::string::npos) << screen(model);
}

TEST(TuiModel, ARefusedReadIsSaidWhereItsDataWouldBe) {
  FakeTransport transport;
  ManualClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "");
  transport.on(Method::get, "/v1/clusters",
               testing::error_reply(401, "unauthorized", "a bearer token is required"));
  PollingFeed feed(api, clock);
  ASSERT_TRUE(feed.poll_once());  // an error is an answer: pivotd is reachable
  Model model;
  for (const auto& update : feed.drain()) apply(model, update);
  EXPECT_TRUE(model.reachable);
  std::string text = screen(model, 160);
  EXPECT_NE(text.find("Cannot read the clusters: /v1/clusters: pivotd answered HTTP 401 unauthorized: a bearer token "
                      "is required"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("No clusters"), std::string::npos) << text;  // not "no spec loaded": it was not read
  // Once the read succeeds, the error goes.
  transport.on(Method::get, "/v1/clusters", testing::reply(200, clusters()));
  ASSERT_TRUE(feed.poll_once());
  for (const auto& update : feed.drain()) apply(model, update);
  text = screen(model, 160, 30, clock.now + 20000);
  EXPECT_EQ(text.find("Cannot read"), std::string::npos) << text;
  EXPECT_NE(text.find("sms-1"), std::string::npos) << text;
}

TEST(TuiModel, UnreachableThenBack) {
  Model model = heard();
  Update down;
  down.kind = UpdateKind::unreachable;
  down.message = "cannot reach pivotd at http://x: Connection refused";
  down.at_ms = 5000;
  apply(model, down);
  down.at_ms = 9000;
  apply(model, down);
  std::string text = screen(model, 120, 30, 12000);
  EXPECT_NE(text.find("pivotd unreachable for 7.0s, retrying: cannot reach pivotd at http://x"), std::string::npos)
      << text;
  EXPECT_NE(text.find("sms-1"), std::string::npos);  // the last reading stays on screen
  apply(model, reading(UpdateKind::reachable, nullptr, "", 13000));
  EXPECT_TRUE(model.reachable);
  text = screen(model, 120, 30, 13000);
  EXPECT_NE(text.find("pivotd answers again (it was unreachable for 8.0s)"), std::string::npos) << text;
  // News goes after kNoticeMs; the line then names pivotd.
  text = screen(model, 120, 30, 13000 + kNoticeMs);
  EXPECT_EQ(text.find("pivotd answers again"), std::string::npos) << text;
  EXPECT_NE(text.find("pivotd at http://127.0.0.1:7780"), std::string::npos) << text;
}

TEST(TuiView, FleetShowsLabelsPrimaryHealthAndLastJob) {
  Model model = heard();
  apply(model, reading(UpdateKind::jobs, json::array({testing::job("pv-1", "pivot", "succeeded")})));
  const std::string text = screen(model);
  EXPECT_NE(text.find(" pivot | fleet"), std::string::npos) << text;
  EXPECT_NE(text.find("CLUSTER  LABELS"), std::string::npos) << text;
  EXPECT_NE(text.find("sms-1    environment=prod, service=sms  db1      yes      0s       pv-1 pivot succeeded"),
            std::string::npos)
      << text;
  EXPECT_EQ(selected_line(model).rfind("sms-1", 0), 0u);
  press(model, {ch('j')});
  EXPECT_EQ(selected_line(model).rfind("billing", 0), 0u);
}

TEST(TuiView, ClusterShowsEveryNode) {
  Model model = heard();
  press(model, {{C::enter}, ch('j')});
  const std::string text = screen(model);
  EXPECT_NE(text.find("Cluster sms-1: primary db1"), std::string::npos) << text;
  EXPECT_NE(text.find("NODE  ROLE     CURRENT  AZ  READ_ONLY  GTID     LAG  THREADS  HEARTBEAT"), std::string::npos)
      << text;
  EXPECT_NE(text.find("db4   backup   unknown  b   -"), std::string::npos) << text;
  EXPECT_EQ(selected_line(model).rfind("db2", 0), 0u) << selected_line(model);
}

TEST(TuiView, ClusterShowsHealthAndFailoverAboveTheNodesAndTheSelectionStaysOnANode) {
  Model model = heard();
  json detail = cluster_detail();
  detail["health"] = {{"state", "maintenance"},
                      {"reasons", json::array({"in maintenance until 2026-11-24T22:00:00.000Z: kernel upgrade (set by alice)",
                                               "db4: never heard from"})}};
  detail["failover"] = {{"auto_failover", true}, {"detection", "healthy"}, {"reasons", json::array()},
                        {"failing_over", false}, {"last_failover", nullptr},
                        {"cooldown_until", "2026-11-24T21:15:03.123Z"},
                        {"maintenance", {{"until", "2026-11-24T22:00:00.000Z"}, {"reason", "kernel upgrade"},
                                         {"set_by", "alice"}, {"set_at", "2026-11-24T20:00:00.000Z"}}}};
  apply(model, reading(UpdateKind::cluster, detail, "sms-1"));
  press(model, {{C::enter}, ch('j')});
  const std::string text = screen(model);
  EXPECT_NE(text.find("Health: maintenance"), std::string::npos) << text;
  EXPECT_NE(text.find("  - in maintenance until 2026-11-24T22:00:00.000Z: kernel upgrade"), std::string::npos) << text;
  EXPECT_NE(text.find("Cooldown until 2026-11-24 21:15:03"), std::string::npos) << text;
  EXPECT_NE(text.find("Maintenance until 2026-11-24 22:00:00: kernel upgrade"), std::string::npos) << text;
  EXPECT_EQ(selected_line(model).rfind("db2", 0), 0u) << selected_line(model);
}

TEST(TuiView, TheFleetShowsAHealthStateTheEventStreamSent) {
  Model model = heard();
  apply(model, reading(UpdateKind::cluster_state,
                       {{"name", "sms-1"}, {"primary", "db1"},
                        {"health", {{"state", "needs_attention"}, {"reasons", json::array({"db3 needs rebuild"})}}}},
                       "sms-1"));
  const std::string text = screen(model);
  EXPECT_NE(text.find("db1      needs_attention"), std::string::npos) << text;
}

TEST(TuiView, PivotStatusShowsEveryCheckAndTheRejected) {
  Model model = heard();
  press(model, {ch('s')});
  EXPECT_NE(screen(model).find("Checking sms-1 (waiting for pivotd to start the job)"), std::string::npos);
  apply(model, started(ActionKind::pivot_status, "sms-1", "ps-1"));
  apply(model, reading(UpdateKind::job,
                       testing::job("ps-1", "pivot_status", "succeeded", json::array(),
                                    testing::pivot_status_result(true)),
                       "ps-1"));
  const std::string text = screen(model);
  for (const char* expected : {"eligible; candidate db2 (least lag, priority 10)", "agents_fresh", "candidate_lag",
                               "az_spread", "Rejected candidates:", "db4 is a backup node"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
}

TEST(TuiView, ConfirmationShowsThePlanAndWhatIsTyped) {
  std::vector<Action> actions;
  Model model = at_confirmation(actions);
  press(model, typed("sms"));
  const std::string text = screen(model, 120, 40);
  EXPECT_NE(text.find("Plan for sms-1 (dry run: nothing changed yet)"), std::string::npos) << text;
  EXPECT_NE(text.find(testing::plan_line(testing::plan_size())), std::string::npos) << text;
  EXPECT_NE(text.find("Pivot sms-1 from db1 to db2? Type the cluster's name"), std::string::npos) << text;
  EXPECT_NE(text.find("> sms_"), std::string::npos) << text;
}

TEST(TuiView, JobStepsFillInWithTheirSummaries) {
  Model model = heard();
  model.job = "pv-2";
  model.stack.push_back(Screen::job);
  json running = testing::job("pv-2", "pivot", "running",
                              json::array({testing::step("check", "succeeded", "2026-11-24T20:15:03.123Z",
                                                         "2026-11-24T20:15:03.128Z"),
                                           testing::step("fence_read_only", "running", "2026-11-24T20:15:03.128Z", "")}));
  apply(model, reading(UpdateKind::job, finished(running), "pv-2"));
  std::string text = screen(model);
  EXPECT_NE(text.find("Job pv-2: pivot of sms-1, running"), std::string::npos) << text;
  EXPECT_NE(text.find("check done"), std::string::npos) << text;
  EXPECT_NE(text.find("Steps fill in as pivotd runs them."), std::string::npos) << text;
  json done = running;
  done["state"] = "succeeded";
  done["steps"][1]["state"] = "succeeded";
  done["steps"][1]["finished_at"] = "2026-11-24T20:15:03.140Z";
  done["steps"].push_back(testing::step("verify", "succeeded", "2026-11-24T20:15:03.140Z", "2026-11-24T20:15:03.150Z"));
  done["result"] = {{"old_primary", "db1"}, {"new_primary", "db2"}, {"write_blocked_ms", 17}};
  apply(model, reading(UpdateKind::job, finished(done), "pv-2"));
  text = screen(model);
  EXPECT_NE(text.find("verify done"), std::string::npos) << text;
  EXPECT_NE(text.find("Pivoted sms-1: db2 is the new primary (was db1); writes were blocked for 17 ms"),
            std::string::npos)
      << text;
}

TEST(TuiView, APivotStartedHereListsThePlansStepsNotRunYet) {
  std::vector<Action> actions;
  Model model = at_confirmation(actions);
  press(model, typed("sms-1"));
  press(model, {{C::enter}});
  apply(model, started(ActionKind::pivot, "sms-1", "pv-2"));
  json running = testing::job("pv-2", "pivot", "running",
                              json::array({testing::step("check", "succeeded", "2026-11-24T20:15:03.123Z",
                                                         "2026-11-24T20:15:03.128Z"),
                                           testing::step("pre_pivot", "running", "2026-11-24T20:15:03.128Z", "")}));
  apply(model, reading(UpdateKind::job, running, "pv-2"));
  std::string text = screen(model, 120, 40);
  EXPECT_NE(text.find("pre_pivot               running"), std::string::npos) << text;
  EXPECT_NE(text.find("fence_read_only         pending"), std::string::npos) << text;
  EXPECT_NE(text.find("verify                  pending"), std::string::npos) << text;
  // A failed step: the rest of the plan will not run.
  running["steps"][1]["state"] = "failed";
  apply(model, reading(UpdateKind::job, running, "pv-2"));
  text = screen(model, 120, 40);
  EXPECT_EQ(text.find("pending"), std::string::npos) << text;
}

TEST(TuiView, EveryLineFitsAndTheFrameFillsTheTerminal) {
  Model model = heard();
  for (std::size_t width : {60u, 80u, 200u}) {
    for (std::size_t height : {10u, 24u}) {
      const auto lines = render(model, ViewContext{width, height, 2000, "http://127.0.0.1:7780"});
      ASSERT_EQ(lines.size(), height);
      for (const auto& line : lines) EXPECT_LE(display_width(line.text()), width) << line.text();
    }
  }
}

TEST(TuiView, ATooSmallTerminalSaysSo) {
  const std::string text = screen(heard(), 40, 8);
  EXPECT_NE(text.find("Terminal too small"), std::string::npos) << text;
  EXPECT_NE(text.find("40x8, needs 60x10"), std::string::npos) << text;
}

TEST(TuiView, SelectionScrollsIntoView) {
  Model model;
  json many = json::array();
  for (int i = 0; i < 40; ++i) many.push_back({{"name", "c" + std::to_string(i)}, {"labels", json::object()}});
  apply(model, reading(UpdateKind::reachable, nullptr));
  apply(model, reading(UpdateKind::clusters, many));
  press(model, std::vector<Key>(30, ch('j')));
  EXPECT_EQ(selected_line(model).rfind("c30", 0), 0u) << selected_line(model);
}

TEST(TuiView, AScrolledScreenMovesBackAtOnceAfterTheBottom) {
  Model model = heard();
  press(model, {ch('?')});  // help: 21 lines, no rows to select
  const ViewContext small{80, 10, 2000, "http://x"};  // 8 rows of text
  ASSERT_EQ(scroll_limit(model, small), 13u);
  press(model, {ch('G')});
  clamp_scroll(model, scroll_limit(model, small));
  EXPECT_EQ(model.selected[Screen::help], 13u);
  press(model, {ch('k')});
  clamp_scroll(model, scroll_limit(model, small));
  EXPECT_EQ(model.selected[Screen::help], 12u);
  EXPECT_EQ(render(model, small)[1].text().rfind("  A            acknowledge", 0), 0u) << render(model, small)[1].text();
  // A screen with rows keeps its selection.
  press(model, {ch('q'), ch('j')});
  clamp_scroll(model, scroll_limit(model, small));
  EXPECT_EQ(model.selected[Screen::fleet], 1u);
}

// A job pv-2 of sms-1 open on the job screen, running its pre_pivot hook.
Model on_running_job() {
  Model model = heard();
  model.job = "pv-2";
  model.stack.push_back(Screen::job);
  apply(model, reading(UpdateKind::job,
                       testing::job("pv-2", "pivot", "running",
                                    json::array({testing::step("check", "succeeded", "2026-11-24T20:15:03.123Z",
                                                               "2026-11-24T20:15:03.128Z"),
                                                 testing::step("pre_pivot", "running", "2026-11-24T20:15:03.128Z", "")})),
                       "pv-2"));
  return model;
}

TEST(TuiCancel, CAsksFirstAndOnlyYSendsIt) {
  Model model = on_running_job();
  EXPECT_TRUE(press(model, {ch('c')}).empty());
  EXPECT_EQ(model.cancel_confirm, "pv-2");
  auto lines = render(model, ViewContext{120, 30, 2000, "http://x"});
  EXPECT_EQ(lines.back().text().rfind("Cancel job pv-2? y cancels it, any other key lets it run [y/N]", 0), 0u)
      << lines.back().text();
  // Any other key declines, q included (it does not go back either).
  EXPECT_TRUE(press(model, {ch('q')}).empty());
  EXPECT_EQ(current(model), Screen::job);
  EXPECT_TRUE(model.cancel_confirm.empty());
  EXPECT_NE(screen(model).find("Not cancelled: job pv-2 goes on"), std::string::npos) << screen(model);
  press(model, {ch('c')});
  EXPECT_TRUE(press(model, {{C::enter}}).empty());  // Enter is not yes
  press(model, {ch('c')});
  const auto actions = press(model, {ch('y')});
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0], (Action{ActionKind::cancel, "sms-1", "", "", "pv-2"}));
  EXPECT_NE(screen(model).find("Cancelling job pv-2 ..."), std::string::npos) << screen(model);
}

TEST(TuiCancel, AnEndedJobOrAnotherScreenAsksNothing) {
  Model model = heard();
  press(model, {ch('c')});
  EXPECT_TRUE(model.cancel_confirm.empty());
  EXPECT_NE(screen(model).find("c cancels the job on screen"), std::string::npos) << screen(model);
  model = on_running_job();
  apply(model, reading(UpdateKind::job, testing::job("pv-2", "pivot", "succeeded"), "pv-2"));
  press(model, {ch('c')});
  EXPECT_TRUE(model.cancel_confirm.empty());
  EXPECT_NE(screen(model).find("Job pv-2 already ended succeeded: nothing to cancel"), std::string::npos)
      << screen(model);
}

TEST(TuiCancel, PivotdsAnswerReachesTheStatusLine) {
  FakeTransport transport;
  ManualClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "tok");
  json cancelled = testing::job("pv-2", "pivot", "cancelled");
  cancelled["result"] = testing::pivot_status_result(true);  // its check step passed
  cancelled["result"]["error"] = "cancelled";
  cancelled["result"]["message"] = "cancelled by alice before the fence: nothing was changed";
  transport.on(Method::post, "/v1/jobs/pv-2/cancel",
               {testing::reply(200, cancelled),
                testing::error_reply(409, "conflict", "job pv-2 has begun to fence the old primary: it cannot be "
                                                      "cancelled")});
  const Action cancel{ActionKind::cancel, "sms-1", "", "", "pv-2"};
  Model model = on_running_job();
  Update answer = send_action(api, cancel, 0);
  EXPECT_EQ(answer.kind, UpdateKind::done);
  ASSERT_EQ(transport.posts().size(), 1u);
  EXPECT_EQ(transport.posts()[0].target, "/v1/jobs/pv-2/cancel");
  EXPECT_EQ(json::parse(transport.posts()[0].body), json::object());
  apply(model, answer);
  std::string text = screen(model);
  EXPECT_NE(text.find("Job pv-2 cancelled by alice before the fence: nothing was changed"), std::string::npos) << text;
  EXPECT_NE(text.find("Job pv-2: pivot of sms-1, cancelled"), std::string::npos) << text;
  EXPECT_NE(text.find("pivot of sms-1 cancelled: cancelled: cancelled by alice"), std::string::npos) << text;
  EXPECT_EQ(text.find("agents_fresh"), std::string::npos) << "checks that passed are not why it ended\n" << text;

  model = on_running_job();
  answer = send_action(api, cancel, 0);
  EXPECT_EQ(answer.kind, UpdateKind::failed);
  apply(model, answer);
  text = screen(model, 160);
  EXPECT_NE(text.find("pivotd answered HTTP 409 conflict: job pv-2 has begun to fence the old primary"),
            std::string::npos)
      << text;
  EXPECT_EQ(model.job_details["pv-2"]["state"], "running");
}

TEST(TuiModel, AJobNeverGoesBackToAnEarlierReading) {
  Model model = on_running_job();
  json later = model.job_details["pv-2"];
  later["steps"][1]["state"] = "succeeded";
  apply(model, reading(UpdateKind::job, later, "pv-2"));
  // A replayed event, or a read that crossed an event: behind, so dropped.
  apply(model, reading(UpdateKind::job,
                       testing::job("pv-2", "pivot", "running",
                                    json::array({testing::step("check", "succeeded", "2026-11-24T20:15:03.123Z",
                                                               "2026-11-24T20:15:03.128Z")})),
                       "pv-2"));
  EXPECT_EQ(model.job_details["pv-2"]["steps"].size(), 2u);
  EXPECT_EQ(model.job_details["pv-2"]["steps"][1]["state"], "succeeded");
  EXPECT_TRUE(job_behind(testing::job("x", "pivot", "running"), testing::job("x", "pivot", "succeeded")));
  EXPECT_FALSE(job_behind(later, later));
}

TEST(TuiModel, StreamEventsChangeTheFleetTheClusterAndTheJobs) {
  Model model = heard();
  apply(model, reading(UpdateKind::jobs, json::array({testing::job("pv-1", "pivot", "succeeded")})));
  // A new job: first in the list and its cluster's last job.
  apply(model, reading(UpdateKind::job, testing::job("pv-3", "pivot", "running"), "pv-3"));
  ASSERT_EQ(model.jobs.size(), 2u);
  EXPECT_EQ(model.jobs[0]["id"], "pv-3");
  EXPECT_EQ(model.clusters[0]["last_job"], "pv-3");
  // A node event replaces its row in the cluster held.
  json db2 = cluster_detail()["nodes"][1];
  db2["cluster"] = "sms-1";
  db2["current"] = "primary";
  db2["state"]["read_only"] = false;
  apply(model, reading(UpdateKind::node, db2, "sms-1"));
  const json& nodes = model.cluster_details["sms-1"]["nodes"];
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[1]["current"], "primary");
  EXPECT_FALSE(nodes[1].contains("cluster"));
  // A cluster event: the primary on the fleet and the cluster.
  apply(model, reading(UpdateKind::cluster_state,
                       {{"name", "sms-1"}, {"primary", "db2"}, {"health", {{"state", "ok"}, {"reasons", json::array()}}}},
                       "sms-1"));
  EXPECT_EQ(model.clusters[0]["primary"], "db2");
  EXPECT_EQ(model.cluster_details["sms-1"]["primary"], "db2");
  press(model, {{C::enter}});
  EXPECT_NE(screen(model).find("Cluster sms-1: primary db2"), std::string::npos) << screen(model);
  // A cluster not held: nothing to change (it is read when opened).
  apply(model, reading(UpdateKind::node, {{"name", "x1"}, {"cluster", "billing"}}, "billing"));
  EXPECT_EQ(model.cluster_details.count("billing"), 0u);
}

TEST(TuiModel, TheStatusLineSaysLiveThenReconnectingThenLiveAgain) {
  Model model;
  std::string text = screen(model, 120, 30, 1000);
  EXPECT_NE(text.find("connecting to pivotd at http://127.0.0.1:7780 ..."), std::string::npos) << text;
  apply(model, reading(UpdateKind::live, nullptr, "", 1000));
  apply(model, reading(UpdateKind::clusters, clusters(), "", 1000));
  auto last = render(model, ViewContext{120, 30, 2000, "http://127.0.0.1:7780"}).back().text();
  EXPECT_EQ(last.rfind("pivotd at http://127.0.0.1:7780 ", 0), 0u) << last;
  EXPECT_EQ(last.substr(last.size() - 5), " live") << last;

  Update ended = reading(UpdateKind::reconnecting, nullptr, "", 3000);
  ended.message = "the event stream ended";
  apply(model, ended);
  last = render(model, ViewContext{120, 30, 3500, "http://127.0.0.1:7780"}).back().text();
  EXPECT_EQ(last.rfind("reconnecting to pivotd ... (the event stream ended)", 0), 0u) << last;
  EXPECT_NE(last.find("updated 2.5s ago"), std::string::npos) << last;
  Update down = reading(UpdateKind::unreachable, nullptr, "", 4000);
  down.message = "cannot read /v1/events from http://127.0.0.1:7780: Connection refused";
  apply(model, down);
  apply(model, ended);
  last = render(model, ViewContext{120, 30, 6000, "http://127.0.0.1:7780"}).back().text();
  EXPECT_EQ(last.rfind("reconnecting to pivotd ... unreachable for 2.0s: cannot read /v1/events", 0), 0u) << last;
  EXPECT_NE(screen(model, 120, 30, 6000).find("sms-1"), std::string::npos);  // the last reading stays

  apply(model, reading(UpdateKind::live, nullptr, "", 7000));
  last = render(model, ViewContext{120, 30, 7000, "http://127.0.0.1:7780"}).back().text();
  EXPECT_EQ(last.rfind("live again: pivotd answers again after 4.0s", 0), 0u) << last;
  EXPECT_EQ(last.substr(last.size() - 5), " live") << last;
  EXPECT_TRUE(model.reachable);
}

TEST(TuiView, PaintedTextBecomesTonedSpans) {
  const Line line = line_from_painted("a " + paint("ok", Tone::good, true) + " " + paint("FAIL", Tone::bad, true));
  EXPECT_EQ(line.text(), "a ok FAIL");
  ASSERT_EQ(line.spans.size(), 4u);
  EXPECT_EQ(line.spans[1].tone, Tone::good);
  EXPECT_EQ(line.spans[3].tone, Tone::bad);
}

TEST(TuiPollingFeed, OneRoundReadsTheListsAndWhatIsWatched) {
  FakeTransport transport;
  ManualClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "tok");
  transport.on(Method::get, "/v1/clusters", testing::reply(200, clusters()));
  transport.on(Method::get, "/v1/agents", testing::reply(200, json{{"agents", json::array()}}));
  transport.on(Method::get, "/v1/jobs?limit=50", testing::reply(200, json::array()));
  transport.on(Method::get, "/v1/clusters/sms-1", testing::reply(200, cluster_detail()));
  transport.on(Method::get, "/v1/jobs/ps-1", testing::reply(200, testing::job("ps-1", "pivot_status", "running")));
  transport.on(Method::post, "/v1/clusters/sms-1/pivot", testing::reply(202, json{{"job", "pv-9"}}));
  PollingFeed feed(api, clock);
  feed.watch(Focus{"sms-1", {"ps-1"}});
  feed.request(Action{ActionKind::pivot, "sms-1", "db2", "db1", ""});
  ASSERT_TRUE(feed.poll_once());
  ASSERT_EQ(transport.posts().size(), 1u);
  EXPECT_EQ(json::parse(transport.posts()[0].body), (json{{"candidate", "db2"}, {"expected_primary", "db1"}}));
  EXPECT_EQ(transport.posts()[0].token, "tok");

  Model model;
  std::vector<UpdateKind> kinds;
  for (const auto& update : feed.drain()) {
    kinds.push_back(update.kind);
    apply(model, update);
  }
  EXPECT_EQ(kinds, (std::vector<UpdateKind>{UpdateKind::started, UpdateKind::reachable, UpdateKind::clusters,
                                            UpdateKind::agents, UpdateKind::jobs, UpdateKind::cluster,
                                            UpdateKind::job}));
  EXPECT_TRUE(feed.drain().empty());
  EXPECT_TRUE(feed.busy());  // ps-1 runs: the next round comes sooner
  transport.on(Method::get, "/v1/jobs/ps-1", testing::reply(200, testing::job("ps-1", "pivot_status", "succeeded")));
  ASSERT_TRUE(feed.poll_once());
  EXPECT_FALSE(feed.busy());
  EXPECT_TRUE(model.heard);
  EXPECT_EQ(model.cluster_details.count("sms-1"), 1u);
  EXPECT_EQ(model.job_details.count("ps-1"), 1u);
}

TEST(TuiPollingFeed, UnreachableIsAnUpdateNotAnError) {
  FakeTransport transport;
  ManualClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "");
  transport.unreachable("Connection refused");
  PollingFeed feed(api, clock);
  feed.request(Action{ActionKind::dry_run, "sms-1", "", "", ""});
  EXPECT_FALSE(feed.poll_once());
  const auto updates = feed.drain();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[0].kind, UpdateKind::failed);  // the action says why it did not start
  EXPECT_EQ(updates[0].action, ActionKind::dry_run);
  EXPECT_EQ(updates[1].kind, UpdateKind::unreachable);
  EXPECT_NE(updates[1].message.find("cannot reach pivotd at http://127.0.0.1:7780"), std::string::npos);
}

TEST(TuiPollingFeed, TheThreadDeliversWithoutBeingWaitedOn) {
  FakeTransport transport;
  SteadyClock clock;
  ApiClient api(transport, "http://x", "");
  transport.on(Method::get, "/v1/clusters", testing::reply(200, clusters()));
  PollingFeed feed(api, clock, PollOptions{20, 20, 20, 50});
  feed.start();
  bool got_clusters = false;
  for (int i = 0; i < 200 && !got_clusters; ++i) {
    for (const auto& u : feed.drain()) got_clusters = got_clusters || u.kind == UpdateKind::clusters;
    clock.sleep_ms(10);
  }
  feed.stop();
  EXPECT_TRUE(got_clusters);
}

}  // namespace
}  // namespace pivot::ctl::tui

namespace pivot::ctl::tui {
namespace {

// sms-1 open on the cluster screen, its detail with a failover view.
Model on_cluster(json failover, bool primary_lost = false) {
  Model model;
  apply(model, reading(UpdateKind::reachable, nullptr));
  json detail{{"name", "sms-1"}, {"primary", primary_lost ? json() : json("db1")}, {"nodes", json::array()},
              {"failover", std::move(failover)}};
  apply(model, reading(UpdateKind::cluster, detail, "sms-1"));
  model.cluster = "sms-1";
  model.stack = {Screen::fleet, Screen::cluster};
  return model;
}

json quiet_view() {
  return {{"auto_failover", true}, {"detection", "dead"},           {"reasons", json::array()},
          {"failing_over", false}, {"last_failover", nullptr},      {"cooldown_until", nullptr},
          {"maintenance", nullptr}};
}

json after_failover() {
  json view = quiet_view();
  view["detection"] = "healthy";
  view["last_failover"] = {{"job", "fo-4-2"}, {"old_primary", "db1"}, {"new_primary", "db2"}, {"automatic", true},
                           {"started_at", "2026-11-24T20:15:03.123Z"}, {"acknowledged", false},
                           {"acknowledged_by", nullptr}, {"comment", nullptr}, {"acknowledged_at", nullptr}};
  view["cooldown_until"] = "2026-11-24T21:15:03.123Z";
  return view;
}

std::string text_of(const Model& model) {
  std::string out;
  for (const auto& line : render(model, ViewContext{160, 40, 2000, "http://x"})) out += line.text() + "\n";
  return out;
}

std::vector<Action> type(Model& model, const std::string& text, bool enter = true) {
  std::vector<Action> actions;
  for (const auto& key : typed(text)) {
    auto more = apply(model, intent_for(model, key));
    actions.insert(actions.end(), more.begin(), more.end());
  }
  if (enter) {
    auto more = apply(model, intent_for(model, Key{C::enter}));
    actions.insert(actions.end(), more.begin(), more.end());
  }
  return actions;
}

TEST(TuiPolicyKeys, FailoverIsAskedByNameOnlyWhereThePrimaryIsLost) {
  Model alive = on_cluster(quiet_view());
  EXPECT_TRUE(type(alive, "F", false).empty());
  EXPECT_EQ(alive.prompt.kind, Prompt::Kind::none);
  EXPECT_NE(text_of(alive).find("F: sms-1's primary db1 is writable: a failover would be refused (p pivots)"),
            std::string::npos)
      << text_of(alive);

  Model lost = on_cluster(quiet_view(), true);
  EXPECT_TRUE(type(lost, "F", false).empty());
  ASSERT_EQ(lost.prompt.kind, Prompt::Kind::failover);
  EXPECT_NE(text_of(lost).find("Fail over sms-1: replace its primary"), std::string::npos) << text_of(lost);
  EXPECT_TRUE(type(lost, "sms-").empty()) << "a wrong name declines";
  EXPECT_EQ(lost.prompt.kind, Prompt::Kind::none);
  EXPECT_NE(text_of(lost).find("Not failed over: you typed 'sms-', not 'sms-1'"), std::string::npos);

  type(lost, "F", false);
  const auto actions = type(lost, "sms-1");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, ActionKind::failover);
  EXPECT_EQ(actions[0].cluster, "sms-1");

  // pivotd named the job: the job screen follows it.
  apply(lost, outcome(UpdateKind::started, ActionKind::failover, "sms-1", "fo-4-3"));
  EXPECT_EQ(current(lost), Screen::job);
  EXPECT_EQ(lost.job, "fo-4-3");
}

TEST(TuiPolicyKeys, AcknowledgeNeedsAFailoverWaitingAndAComment) {
  Model quiet = on_cluster(quiet_view());
  type(quiet, "A", false);
  EXPECT_EQ(quiet.prompt.kind, Prompt::Kind::none);
  EXPECT_NE(text_of(quiet).find("sms-1 has no failover waiting for an acknowledge"), std::string::npos);

  Model model = on_cluster(after_failover());
  type(model, "A", false);
  ASSERT_EQ(model.prompt.kind, Prompt::Kind::acknowledge);
  EXPECT_TRUE(type(model, "  ").empty());
  EXPECT_NE(text_of(model).find("a comment is needed"), std::string::npos) << text_of(model);
  apply(model, intent_for(model, Key{C::backspace}));
  apply(model, intent_for(model, Key{C::backspace}));
  const auto actions = type(model, "db1 looked at; q and F are text here");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, ActionKind::acknowledge);
  EXPECT_EQ(actions[0].text, "db1 looked at; q and F are text here");
  EXPECT_EQ(current(model), Screen::cluster) << "q typed into the prompt did not go back";
}

TEST(TuiPolicyKeys, MaintenanceAsksUntilThenWhyOrOffersToEndAWindow) {
  Model model = on_cluster(quiet_view());
  type(model, "M", false);
  ASSERT_EQ(model.prompt.kind, Prompt::Kind::maintenance_until);
  EXPECT_TRUE(type(model, "tomorrow").empty());
  EXPECT_NE(text_of(model).find("'tomorrow' is neither a duration"), std::string::npos) << text_of(model);
  EXPECT_TRUE(type(model, "2h").empty());
  ASSERT_EQ(model.prompt.kind, Prompt::Kind::maintenance_reason);
  EXPECT_NE(text_of(model).find("Maintenance of sms-1 until 2h: why?"), std::string::npos) << text_of(model);
  const auto actions = type(model, "kernel upgrade");
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].kind, ActionKind::set_maintenance);
  EXPECT_EQ(actions[0].until, "2h");
  EXPECT_EQ(actions[0].text, "kernel upgrade");

  json in_window = quiet_view();
  in_window["maintenance"] = {{"until", "2026-11-24T22:15:03.123Z"}, {"reason", "kernel upgrade"}, {"set_by", "alice"},
                              {"set_at", "2026-11-24T20:15:03.123Z"}};
  Model ending = on_cluster(in_window);
  type(ending, "M", false);
  ASSERT_EQ(ending.prompt.kind, Prompt::Kind::end_maintenance);
  apply(ending, intent_for(ending, Key{C::escape}));
  EXPECT_EQ(ending.prompt.kind, Prompt::Kind::none);
  EXPECT_EQ(current(ending), Screen::cluster) << "Esc leaves the prompt, not the screen";
  EXPECT_NE(text_of(ending).find("Nothing was changed on sms-1"), std::string::npos);
  type(ending, "M", false);
  const auto end = type(ending, "sms-1");
  ASSERT_EQ(end.size(), 1u);
  EXPECT_EQ(end[0].kind, ActionKind::end_maintenance);
}

TEST(TuiPolicyKeys, TheActionsReachPivotdAndItsAnswerTheScreen) {
  FakeTransport transport;
  ManualClock clock;  // wall clock 2026-11-24T20:15:03.123Z
  ApiClient api(transport, "http://127.0.0.1:7780", "tok");
  json in_window = quiet_view();
  in_window["maintenance"] = {{"until", "2026-11-24T22:15:03.123Z"}, {"reason", "kernel upgrade"}, {"set_by", "alice"},
                              {"set_at", "2026-11-24T20:15:03.123Z"}};
  transport.on(Method::put, "/v1/clusters/sms-1/maintenance",
               testing::reply(200, {{"cluster", "sms-1"}, {"failover", in_window}}));
  transport.on(Method::delete_, "/v1/clusters/sms-1/maintenance",
               testing::reply(200, {{"cluster", "sms-1"}, {"failover", quiet_view()}}));
  transport.on(Method::post, "/v1/clusters/sms-1/acknowledge",
               testing::error_reply(501, "not_implemented", "acknowledge is not implemented yet"));

  Model model = on_cluster(quiet_view());
  Action set{ActionKind::set_maintenance, "sms-1", "", "", ""};
  set.until = "2h";
  set.text = "kernel upgrade";
  Update answer = send_action(api, set, clock.wall_ms());
  ASSERT_EQ(transport.calls.size(), 1u);
  EXPECT_EQ(transport.calls[0].method, Method::put);
  EXPECT_EQ(json::parse(transport.calls[0].body), (json{{"until", "2026-11-24T22:15:03.123Z"}, {"reason", "kernel upgrade"}}));
  EXPECT_EQ(answer.kind, UpdateKind::done);
  apply(model, answer);
  EXPECT_NE(text_of(model).find("Maintenance of sms-1 until 2026-11-24 22:15:03: no automatic failover, no pivot"),
            std::string::npos)
      << text_of(model);
  EXPECT_NE(text_of(model).find("Maintenance until 2026-11-24 22:15:03: kernel upgrade"), std::string::npos)
      << "the cluster's view is pivotd's answer\n" << text_of(model);

  answer = send_action(api, Action{ActionKind::end_maintenance, "sms-1", "", "", ""}, clock.wall_ms());
  EXPECT_EQ(transport.calls.back().method, Method::delete_);
  apply(model, answer);
  EXPECT_EQ(text_of(model).find("Maintenance until"), std::string::npos) << text_of(model);

  Action ack{ActionKind::acknowledge, "sms-1", "", "", ""};
  ack.text = "seen";
  answer = send_action(api, ack, clock.wall_ms());
  EXPECT_EQ(json::parse(transport.calls.back().body), (json{{"comment", "seen"}}));
  EXPECT_EQ(answer.kind, UpdateKind::failed);
  apply(model, answer);
  EXPECT_NE(text_of(model).find("acknowledge is not implemented yet"), std::string::npos) << text_of(model);
}

}  // namespace
}  // namespace pivot::ctl::tui
