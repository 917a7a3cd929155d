// EventHub (what GET /v1/events serves) and ClusterWatcher (node and cluster
// events from the observed model), without sockets: a subscription is read
// with take() as the HTTP server reads it.
#include "pivot/controller/event_hub.hpp"

#include <gtest/gtest.h>

#include "fake_ports.hpp"
#include "pivot/controller/cluster_watcher.hpp"
#include "pivot/controller/json_views.hpp"
#include "pivot/controller/pivot_service.hpp"
#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using nlohmann::json;

struct Parsed {
  std::string id, type;
  json data;
  std::string text;  // data as sent
};

// The events of an SSE text (comments and retry skipped).
std::vector<Parsed> events_of(const std::string& text) {
  std::vector<Parsed> out;
  Parsed current;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) {
      if (!current.type.empty()) out.push_back(current);
      current = {};
    } else if (line.rfind("id: ", 0) == 0) {
      current.id = line.substr(4);
    } else if (line.rfind("event: ", 0) == 0) {
      current.type = line.substr(7);
    } else if (line.rfind("data: ", 0) == 0) {
      current.text = line.substr(6);
      current.data = json::parse(current.text);
    }
  }
  return out;
}

std::vector<std::string> types(const std::vector<Parsed>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type + (e.data.contains("name") ? " " + e.data["name"].get<std::string>() : ""));
  return out;
}

Job job(const std::string& id, const std::string& cluster, JobState state) {
  Job j;
  j.id = id;
  j.kind = JobKind::pivot;
  j.cluster = cluster;
  j.state = state;
  return j;
}

TEST(EventHubTest, ANewClientGetsAnOpeningThenLiveEventsOnly) {
  EventHub hub(7);
  hub.job_state(job("pv-7-1", "sms-1", JobState::running));  // before: not for this client
  auto stream = hub.subscribe(std::nullopt, std::nullopt);
  const std::string opening = stream->take();
  EXPECT_EQ(opening, "retry: 1000\n: pivotd events, epoch 7\n\n");
  hub.job_state(job("pv-7-1", "sms-1", JobState::succeeded));
  const auto events = events_of(stream->take());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "7-2");
  EXPECT_EQ(events[0].type, "job");
  EXPECT_EQ(events[0].data["id"], "pv-7-1");
  EXPECT_EQ(events[0].data["state"], "succeeded");
  EXPECT_TRUE(events[0].data.contains("steps"));  // the whole job, as GET /v1/jobs/{id}
}

TEST(EventHubTest, LastEventIdResumesAndAnotherRunsIdGetsAReset) {
  EventHub hub(7);
  hub.publish("node", "sms-1", {{"name", "db1"}});
  hub.publish("node", "sms-2", {{"name", "db1"}});
  hub.publish("node", "sms-1", {{"name", "db2"}});
  auto resumed = hub.subscribe(std::string("sms-1"), std::string("7-1"));
  auto events = events_of(resumed->take());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "7-3");

  auto old = hub.subscribe(std::nullopt, std::string("6-40"));
  events = events_of(old->take());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "reset");
  EXPECT_EQ(events[0].id, "7-4");  // an id of its own: resuming from it misses nothing
  EXPECT_NE(events[0].data["reason"].get<std::string>().find("epoch 6"), std::string::npos);
  hub.publish("node", "sms-1", {{"name", "db3"}});
  auto after_reset = hub.subscribe(std::nullopt, std::string("7-4"));
  events = events_of(after_reset->take());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, "7-5");
}

TEST(EventHubTest, TheClusterFilterKeepsOtherClustersOut) {
  EventHub hub(1);
  auto sms1 = hub.subscribe(std::string("sms-1"), std::nullopt);
  sms1->take();
  hub.job_state(job("pv-1-1", "sms-2", JobState::running));
  hub.job_state(job("pv-1-2", "sms-1", JobState::running));
  const auto events = events_of(sms1->take());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data["cluster"], "sms-1");
}

// A job event reuses the text of the steps that ended (issue 22): byte for
// byte what the whole job's JSON dumps to, as a pivot's steps start and end,
// a rollback's are appended, the job waits (progress) and ends.
TEST(EventHubTest, AJobEventIsTheWholeJobByteForByteWhileItsEndedStepsAreReused) {
  EventHub hub(2);
  auto stream = hub.subscribe(std::nullopt, std::nullopt);
  stream->take();
  Job j = job("pv-1-1", "sms-1", JobState::running);
  std::vector<std::string> expected;
  auto send = [&] {
    hub.job_state(j);
    expected.push_back(to_json(j).dump(-1, ' ', false, json::error_handler_t::replace));
  };
  send();  // no step yet
  j.progress = Detail{{"waiting_for", "eligible"}};
  send();
  j.progress = Detail();
  std::uint64_t at = 1'795'000'000'000;
  for (const char* name : {"check", "fence_read_only", "catch_up", "promote", "check"}) {
    JobStep s;
    s.name = name;
    s.state = StepState::running;
    s.started_at_ms = ++at;
    j.steps.push_back(s);
    send();
    auto& last = j.steps.back();
    last.state = std::string(name) == "promote" ? StepState::failed : StepState::succeeded;
    last.finished_at_ms = ++at;
    last.summary = std::string(name) + " \xff done";  // a byte that is not UTF-8: replaced
    last.detail = Detail{{"commands", Detail::array({Detail{{"node", "db1"}, {"ok", true}}})}};
    send();
  }
  j.state = JobState::rolled_back;
  j.result = Detail{{"error", "fence_lost"}};
  send();
  const auto events = events_of(stream->take());
  ASSERT_EQ(events.size(), expected.size());
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].text, expected[i]) << "event " << i;
  // The same job id again (a later job never reuses one; the hub must not care).
  Job again = job("pv-1-1", "sms-1", JobState::running);
  JobStep other;
  other.name = "verify";
  other.state = StepState::succeeded;
  other.started_at_ms = other.finished_at_ms = ++at;
  again.steps.push_back(other);
  hub.job_state(again);
  const auto later = events_of(stream->take());
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].text, to_json(again).dump(-1, ' ', false, json::error_handler_t::replace));
}

TEST(EventHubTest, WakesOncePerBatchAndAgainAfterATake) {
  EventHub hub(1);
  auto stream = hub.subscribe(std::nullopt, std::nullopt);
  int wakes = 0;
  stream->start([&] { ++wakes; });
  stream->take();
  hub.publish("node", "sms-1", json::object());
  hub.publish("node", "sms-1", json::object());
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(events_of(stream->take()).size(), 2u);
  hub.publish("node", "sms-1", json::object());
  EXPECT_EQ(wakes, 2);
}

TEST(EventHubTest, AClientThatStopsReadingIsDroppedAndItsQueueFreed) {
  EventHub hub(1, {.client_buffer_bytes = 4096});
  auto stalled = hub.subscribe(std::nullopt, std::nullopt);
  auto reading = hub.subscribe(std::nullopt, std::nullopt);
  int wakes = 0;
  stalled->start([&] { ++wakes; });
  stalled->take();  // the opening, as the server takes it; then nothing more
  const json data{{"detail", std::string(500, 'x')}};
  for (int i = 0; i < 20; ++i) {
    hub.publish("job", "sms-1", data);
    reading->take();
  }
  EXPECT_TRUE(stalled->ended());
  EXPECT_FALSE(reading->ended());
  EXPECT_EQ(stalled->take(), "");  // forgotten at once
  EXPECT_EQ(wakes, 2);             // the first event, then the drop
  EXPECT_EQ(hub.stats().dropped, 1u);
  EXPECT_EQ(hub.stats().clients, 2u);
  stalled.reset();
  EXPECT_EQ(hub.stats().clients, 1u);  // the server let go: unsubscribed
}

TEST(EventHubTest, KeepAliveIsAComment) {
  EventHub hub(1, {.keepalive = std::chrono::milliseconds(250)});
  auto stream = hub.subscribe(std::nullopt, std::nullopt);
  EXPECT_EQ(stream->keepalive(), std::chrono::milliseconds(250));
  EXPECT_EQ(stream->idle_bytes(), ": keep-alive\n\n");
}

// --- ClusterWatcher: node and cluster events from the service's model ---

class ClusterWatcherTest : public ::testing::Test {
 protected:
  ClusterWatcherTest()
      : agents_(clock_),
        hooks_(clock_),
        service_(agents_, hooks_, clock_, 3),
        watcher_(
            service_, [this](const std::string& cluster, ClusterStamps& out) { return service_.stamps(cluster, out); },
            clock_, hub_, {.position_interval_ms = 2000}) {
    service_.set_specs({{topology_.spec.name, topology_.spec}});
    stream_ = hub_.subscribe(std::nullopt, std::nullopt);
    stream_->take();
  }
  void feed() {
    for (const auto& m : test::state_messages(topology_)) service_.on_message(m, clock_.steady_ms());
    watcher_.mark(topology_.spec.name);
  }
  std::vector<Parsed> refresh(bool all = false) {
    watcher_.refresh(all);
    return events_of(stream_->take());
  }

  test::ManualClock clock_;
  test::FakeAgents agents_;
  test::FakeHooks hooks_;
  PivotService service_;
  EventHub hub_{3};
  ClusterWatcher watcher_;
  test::Topology topology_ = test::Topology::healthy();
  std::shared_ptr<ResponseStream> stream_;
};

TEST_F(ClusterWatcherTest, FirstSightSendsEveryNodeThenTheCluster) {
  feed();
  const auto events = refresh();
  EXPECT_EQ(types(events),
            (std::vector<std::string>{"node db1", "node db2", "node db3", "node db4", "node db5", "cluster sms-1"}));
  EXPECT_EQ(events[0].data["cluster"], "sms-1");
  EXPECT_EQ(events[0].data["current"], "primary");
  EXPECT_EQ(events[0].data["state"]["gtid_binlog_pos"], "0-1-100");
  EXPECT_EQ(events[5].data, (json{{"name", "sms-1"}, {"primary", "db1"}, {"health", {{"state", "ok"}, {"reasons", json::array()}}}}));
}

TEST_F(ClusterWatcherTest, AHeartbeatWithNothingNewSendsNothing) {
  feed();
  refresh();
  clock_.advance(300);  // ages change, and the probe's own timing
  topology_.state("db2").probe_latency_ms = 9.5;
  topology_.state("db2").uptime_s = 3700;
  feed();
  EXPECT_TRUE(refresh().empty());
  EXPECT_TRUE(refresh(true).empty());
}

TEST_F(ClusterWatcherTest, AChangedNodeAndANewPrimaryAreSent) {
  feed();
  refresh();
  topology_.primary("db2", "0-1-101").replica("db1", "db2", "0-1-101", 0);
  feed();
  const auto events = refresh();
  EXPECT_EQ(types(events), (std::vector<std::string>{"node db1", "node db2", "cluster sms-1"}));
  EXPECT_EQ(events[1].data["current"], "primary");
  EXPECT_EQ(events.back().data["primary"], "db2");
}

TEST_F(ClusterWatcherTest, ASilentNodeIsSentAsUnknownOnTheFullRefresh) {
  feed();
  refresh();
  clock_.advance(static_cast<std::uint64_t>(topology_.spec.policy.agent_fresh_ms) + 1);
  for (const auto& m : test::state_messages(topology_)) {
    if (m.envelope.node != "db3") service_.on_message(m, clock_.steady_ms());
  }
  EXPECT_TRUE(refresh().empty());  // nobody marked it
  const auto events = refresh(true);
  ASSERT_EQ(types(events), (std::vector<std::string>{"node db3", "cluster sms-1"}));
  EXPECT_EQ(events[0].data["current"], "unknown");
  EXPECT_EQ(events[1].data["health"]["state"], "degraded");
  EXPECT_EQ(events[1].data["health"]["reasons"], (json{"db3: no fresh state, or read-only without a source"}));
}

// At scale the agents of a busy cluster report a new GTID at every probe: a
// node whose only change is its positions is sent at most once per interval,
// with the newest positions; anything else goes at once.
TEST_F(ClusterWatcherTest, PositionsAloneAreSentAtMostOncePerInterval) {
  feed();
  refresh();
  clock_.advance(1000);
  topology_.replica("db2", "db1", "0-1-101", 1);
  feed();
  EXPECT_TRUE(refresh().empty());  // 1 s after db2's last event
  clock_.advance(500);
  topology_.replica("db2", "db1", "0-1-102", 0);
  feed();
  EXPECT_TRUE(refresh().empty());
  EXPECT_TRUE(refresh(true).empty());  // the full refresh keeps the rate too
  clock_.advance(500);  // 2 s since db2's event: the next heartbeat sends what it holds now
  feed();
  auto events = refresh();
  ASSERT_EQ(types(events), (std::vector<std::string>{"node db2"}));
  EXPECT_EQ(events[0].data["state"]["gtid_current_pos"], "0-1-102");
  EXPECT_TRUE(refresh(true).empty());  // sent: nothing pending
}

TEST_F(ClusterWatcherTest, APendingPositionIsSentByTheFullRefreshWhenNoAgentSpeaksAgain) {
  feed();
  refresh();
  clock_.advance(100);
  topology_.replica("db3", "db1", "0-1-101", 0);
  feed();
  EXPECT_TRUE(refresh().empty());
  clock_.advance(2000);  // nobody marks the cluster any more
  EXPECT_TRUE(refresh().empty());
  const auto events = refresh(true);
  ASSERT_EQ(types(events), (std::vector<std::string>{"node db3"}));
  EXPECT_EQ(events[0].data["state"]["gtid_slave_pos"], "0-1-101");
}

TEST_F(ClusterWatcherTest, ThreadsReadOnlyAndLagAboveTheLimitAreSentAtOnce) {
  feed();
  refresh();
  clock_.advance(100);
  topology_.replica_of("db3").sql_running = false;  // and a GTID step beside it
  topology_.state("db3").gtid_slave_pos = "0-1-101";
  feed();
  auto events = refresh();
  ASSERT_EQ(types(events), (std::vector<std::string>{"node db3", "cluster sms-1"}));
  EXPECT_EQ(events[0].data["state"]["replica"]["sql_running"], false);
  EXPECT_EQ(events[1].data["health"]["state"], "degraded");

  clock_.advance(100);
  topology_.replica("db2", "db1", "0-1-90", 6);  // max_lag_seconds 5: crossed
  topology_.replica("db4", "db1", "0-1-99", 4);  // within it: a position
  feed();
  events = refresh();
  ASSERT_EQ(types(events), (std::vector<std::string>{"node db2"}));  // db4's lag is a position
  EXPECT_EQ(events[0].data["state"]["replica"]["seconds_behind"], 6);

  clock_.advance(100);
  topology_.primary("db1", "0-1-101");
  topology_.state("db1").read_only = true;  // fenced: no primary any more
  feed();
  events = refresh();
  ASSERT_EQ(types(events), (std::vector<std::string>{"node db1", "cluster sms-1"}));
  EXPECT_EQ(events[0].data["current"], "unknown");
  EXPECT_EQ(events[1].data["primary"], nullptr);
}

TEST_F(ClusterWatcherTest, AReloadedSpecSendsTheNodesItChanged) {
  feed();
  refresh();
  auto spec = topology_.spec;
  spec.nodes[2].az = "d";  // db3 moved
  spec.nodes.pop_back();   // db5 left the cluster
  service_.set_specs({{spec.name, spec}});
  watcher_.mark(spec.name);
  auto events = refresh();
  ASSERT_EQ(types(events), (std::vector<std::string>{"node db3"}));
  EXPECT_EQ(events[0].data["az"], "d");
  EXPECT_TRUE(refresh(true).empty());
  service_.set_specs({});  // unloaded: nothing, and no error
  EXPECT_TRUE(refresh(true).empty());
}

}  // namespace
}  // namespace pivot::controller
