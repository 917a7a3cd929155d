// pivotctl tui's event feed: against a fake pivotd that streams canned SSE
// text (events to updates, a resume with Last-Event-ID, a reset read again,
// the fallback to polling on a 404), and against a real socket whose stream
// stays silent (stop() returns within a tick, a reconnect sends the id).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "fakes.hpp"
#include "pivot/ctl/beast_transport.hpp"
#include "pivot/ctl/tui_feed.hpp"
#include "pivot/ctl/tui_view.hpp"

namespace pivot::ctl::tui {
namespace {

using nlohmann::json;
using testing::FakeTransport;
using testing::ManualClock;
using Connection = FakeTransport::StreamConnection;

const std::string kOpening = "retry: 1000\n: pivotd events, epoch 3\n\n";

std::string frame(const std::string& id, const std::string& type, const json& data) {
  return "id: " + id + "\nevent: " + type + "\ndata: " + data.dump() + "\n\n";
}

json fleet() {
  return json::array({{{"name", "sms-1"}, {"labels", json::object()}, {"primary", "db1"}, {"healthy", true},
                       {"max_lag_s", 0.0}, {"last_job", nullptr}}});
}

json sms1() {
  return {{"name", "sms-1"},
          {"labels", json::object()},
          {"primary", "db1"},
          {"nodes", json::array({{{"name", "db1"}, {"az", "a"}, {"role", "primary"}, {"current", "primary"},
                                  {"state", {{"read_only", false}}}},
                                 {{"name", "db2"}, {"az", "b"}, {"role", "replica"}, {"current", "replica"},
                                  {"state", {{"read_only", true}}}}})}};
}

// pivotd's lists and sms-1, as read when a connection opens.
void serve_lists(FakeTransport& transport) {
  transport.on(Method::get, "/v1/clusters", testing::reply(200, fleet()));
  transport.on(Method::get, "/v1/agents", testing::reply(200, json{{"agents", json::array()}}));
  transport.on(Method::get, "/v1/jobs?limit=50", testing::reply(200, json::array()));
  transport.on(Method::get, "/v1/clusters/sms-1", testing::reply(200, sms1()));
}

std::size_t gets(const FakeTransport& transport, const std::string& target) {
  return static_cast<std::size_t>(std::count_if(transport.calls.begin(), transport.calls.end(), [&](const auto& c) {
    return c.method == Method::get && c.target == target;
  }));
}

std::vector<UpdateKind> kinds(const std::vector<Update>& updates) {
  std::vector<UpdateKind> out;
  for (const auto& u : updates) out.push_back(u.kind);
  return out;
}

EventOptions quiet() {
  EventOptions options;
  options.refresh_ms = 3600000;  // no refresh unless a test asks
  options.retry_ms = 10;
  return options;
}

TEST(TuiEventFeed, EventsBecomeTheModelsUpdates) {
  FakeTransport transport;
  ManualClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "tok");
  serve_lists(transport);
  json running = testing::job("pv-3-1", "pivot", "running");
  json stepped = testing::job("pv-3-1", "pivot", "running",
                              json::array({testing::step("check", "running", "2026-11-24T20:15:03.123Z", "")}));
  json db2 = sms1()["nodes"][1];
  db2["cluster"] = "sms-1";
  db2["current"] = "primary";
  transport.on_stream("/v1/events",
                      {kOpening, frame("3-1", "job", running),
                       // one piece holding two events and a keep-alive, then one split in two
                       frame("3-2", "job", stepped) + ": keep-alive\n\n" + frame("3-3", "node", db2),
                       frame("3-4", "cluster", {{"name", "sms-1"}, {"primary", "db2"}, {"health", {{"state", "ok"}}}})
                           .substr(0, 30),
                       frame("3-4", "cluster", {{"name", "sms-1"}, {"primary", "db2"}, {"health", {{"state", "ok"}}}})
                           .substr(30)});
  EventFeed feed(api, clock, quiet());
  feed.watch(Focus{"sms-1", {}, false});
  EXPECT_TRUE(feed.connect_once());  // pivotd closed it: the feed will connect again
  const auto updates = feed.drain();
  EXPECT_EQ(kinds(updates),
            (std::vector<UpdateKind>{UpdateKind::live, UpdateKind::clusters, UpdateKind::agents, UpdateKind::jobs,
                                     UpdateKind::cluster, UpdateKind::job, UpdateKind::job, UpdateKind::node,
                                     UpdateKind::cluster_state, UpdateKind::reconnecting}));
  EXPECT_EQ(transport.calls[0].target, "/v1/events");  // subscribed before anything is read
  EXPECT_EQ(transport.calls[0].token, "tok");
  EXPECT_EQ(updates.back().message, "the event stream ended");

  Model model;
  for (const auto& update : updates) apply(model, update);
  EXPECT_EQ(model.jobs.size(), 1u);
  EXPECT_EQ(model.job_details["pv-3-1"]["steps"].size(), 1u);
  EXPECT_EQ(model.clusters[0]["last_job"], "pv-3-1");
  EXPECT_EQ(model.clusters[0]["primary"], "db2");
  EXPECT_EQ(model.cluster_details["sms-1"]["nodes"][1]["current"], "primary");
  EXPECT_EQ(model.link, Link::reconnecting);
}

TEST(TuiEventFeed, ReconnectsWithTheLastEventIdAndReadsAgainAfterAReset) {
  FakeTransport transport;
  ManualClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "");
  serve_lists(transport);
  const json job = testing::job("pv-3-1", "pivot", "running");
  transport.on_stream("/v1/events",
                      std::vector<Connection>{
                          {{kOpening, frame("3-1", "job", job), frame("3-2", "job", job)}, false, 200},
                          // resumed: pivotd replays what was missed; nothing is read again
                          {{kOpening, frame("3-3", "job", job)}, false, 200},
                          // pivotd restarted (epoch 4): it cannot resume 3-3, so everything is read again
                          {{"retry: 1000\n: pivotd events, epoch 4\n\n" +
                                frame("4-1", "reset", {{"reason", "3-3 is from another pivotd run (epoch 3)"}})},
                           false, 200}});
  EventFeed feed(api, clock, quiet());
  ASSERT_TRUE(feed.connect_once());
  EXPECT_EQ(gets(transport, "/v1/clusters"), 1u);
  ASSERT_TRUE(feed.connect_once());
  EXPECT_EQ(gets(transport, "/v1/clusters"), 1u);
  ASSERT_TRUE(feed.connect_once());
  EXPECT_EQ(gets(transport, "/v1/clusters"), 2u);
  EXPECT_EQ(gets(transport, "/v1/jobs?limit=50"), 2u);
  EXPECT_EQ(transport.last_event_ids, (std::vector<std::string>{"", "3-2", "3-3"}));
  const auto seen = kinds(feed.drain());
  EXPECT_EQ(std::count(seen.begin(), seen.end(), UpdateKind::live), 3);
}

TEST(TuiEventFeed, PivotdNotReachedIsSaidAndTriedAgain) {
  FakeTransport transport;
  ManualClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "");
  transport.unreachable("Connection refused");
  EventFeed feed(api, clock, quiet());
  EXPECT_TRUE(feed.connect_once());
  const auto updates = feed.drain();
  ASSERT_EQ(kinds(updates), (std::vector<UpdateKind>{UpdateKind::unreachable, UpdateKind::reconnecting}));
  EXPECT_EQ(updates[0].message, "cannot read /v1/events from http://127.0.0.1:7780: Connection refused");
  Model model;
  for (const auto& update : updates) apply(model, update);
  const std::string last = render(model, ViewContext{120, 30, 1000, "http://127.0.0.1:7780"}).back().text();
  EXPECT_EQ(last.rfind("reconnecting to pivotd ... unreachable for 0.0s: cannot read /v1/events", 0), 0u) << last;
}

TEST(TuiEventFeed, A404FallsBackToPolling) {
  FakeTransport transport;
  SteadyClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "");
  serve_lists(transport);
  transport.refuse_stream("/v1/events", testing::error_reply(404, "not_found", "no route GET /v1/events"));
  transport.on(Method::post, "/v1/clusters/sms-1/pivot-status", testing::reply(202, json{{"job", "ps-1"}}));
  EventOptions options = quiet();
  options.polling = PollOptions{20, 20, 20, 50};
  EventFeed feed(api, clock, options);
  feed.request(Action{ActionKind::pivot_status, "sms-1", "", "", ""});  // waiting: the fallback sends it
  EXPECT_FALSE(feed.connect_once());
  EXPECT_TRUE(feed.polling());
  Model model;
  bool polled = false;
  for (int i = 0; i < 300 && !polled; ++i) {
    for (const auto& update : feed.drain()) {
      polled = polled || update.kind == UpdateKind::clusters;
      apply(model, update);
    }
    clock.sleep_ms(10);
  }
  feed.stop();
  ASSERT_TRUE(polled);
  EXPECT_EQ(model.link, Link::polling);
  EXPECT_EQ(model.clusters.size(), 1u);
  const std::string text = render(model, ViewContext{200, 30, clock.now_ms(), "http://127.0.0.1:7780"}).back().text();
  EXPECT_NE(text.find("pivotd has no event stream (pivotd answered HTTP 404 not_found: no route GET /v1/events): "
                      "polling it every 0.0s"),
            std::string::npos)
      << text;
  const std::string later =
      render(model, ViewContext{200, 30, clock.now_ms() + kNoticeMs, "http://127.0.0.1:7780"}).back().text();
  EXPECT_EQ(later.rfind("pivotd at http://127.0.0.1:7780 (polling: it has no event stream)", 0), 0u) << later;
  ASSERT_GE(transport.posts().size(), 1u);
  EXPECT_EQ(transport.posts()[0].target, "/v1/clusters/sms-1/pivot-status");
}

TEST(TuiEventFeed, ActionsScreensAndRefreshesGoBetweenTicks) {
  FakeTransport transport;
  ManualClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "");
  serve_lists(transport);
  transport.on(Method::post, "/v1/clusters/sms-1/pivot", testing::reply(202, json{{"job", "pv-3-9"}}));
  transport.on(Method::get, "/v1/jobs/pv-3-9", testing::reply(200, testing::job("pv-3-9", "pivot", "running")));
  EventFeed feed(api, clock, quiet());
  // An event, then three silent ticks.
  transport.on_stream("/v1/events", {kOpening + frame("3-1", "cluster", {{"name", "sms-1"}}), "", "", ""});
  feed.request(Action{ActionKind::dry_run, "sms-1", "", "", ""});
  feed.watch(Focus{"", {"pv-3-9"}, true});
  ASSERT_TRUE(feed.connect_once());
  const auto seen = kinds(feed.drain());
  EXPECT_NE(std::find(seen.begin(), seen.end(), UpdateKind::started), seen.end());
  ASSERT_EQ(transport.posts().size(), 1u);
  EXPECT_EQ(gets(transport, "/v1/jobs/pv-3-9"), 1u);  // read with the lists, not again at every tick
  EXPECT_EQ(gets(transport, "/v1/agents"), 1u);
  EXPECT_EQ(gets(transport, "/v1/clusters/sms-1"), 0u);
  // Resumed (nothing read as it opens); a cluster opened, and refresh_ms
  // passed: the fleet, the open cluster and the agents are read again.
  clock.now += 3600000;
  feed.watch(Focus{"sms-1", {}, true});
  transport.on_stream("/v1/events", std::vector<std::string>{": resumed\n\n", ""});
  ASSERT_TRUE(feed.connect_once());
  EXPECT_EQ(transport.last_event_ids.back(), "3-1");
  EXPECT_EQ(gets(transport, "/v1/clusters"), 2u);
  EXPECT_EQ(gets(transport, "/v1/clusters/sms-1"), 2u);  // as the screen opened, and refreshed
  EXPECT_EQ(gets(transport, "/v1/agents"), 2u);
}

TEST(TuiEventFeed, StopReturnsPromptlyWhileTheStreamIsIdle) {
  FakeTransport transport;
  SteadyClock clock;
  ApiClient api(transport, "http://127.0.0.1:7780", "");
  serve_lists(transport);
  transport.on_stream("/v1/events", std::vector<Connection>{{{kOpening}, true, 200}});
  EventFeed feed(api, clock, quiet());
  feed.start();
  bool live = false;
  for (int i = 0; i < 500 && !live; ++i) {
    for (const auto& update : feed.drain()) live = live || update.kind == UpdateKind::live;
    clock.sleep_ms(10);
  }
  ASSERT_TRUE(live);
  clock.sleep_ms(100);  // idle
  const auto before = std::chrono::steady_clock::now();
  feed.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(500));
  EXPECT_EQ(transport.last_event_ids.size(), 1u);  // one connection, never closed by pivotd
}

// A pivotd of a few lines on a loopback socket: every GET but the stream
// answers `[]`; the first stream sends one event and closes, every later one
// sends its opening and then nothing, held open until the server goes.
class SilentStreamServer {
 public:
  SilentStreamServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~SilentStreamServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
    for (int fd : held_) ::close(fd);
  }
  std::uint16_t port() const { return port_; }
  std::vector<std::string> stream_requests() {
    std::lock_guard lock(mutex_);
    return streams_;
  }

 private:
  void serve() {
    for (;;) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      if (request.rfind("GET /v1/events", 0) != 0) {
        send(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]");
        ::close(fd);
        continue;
      }
      std::size_t count = 0;
      {
        std::lock_guard lock(mutex_);
        streams_.push_back(request);
        count = streams_.size();
      }
      send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + kOpening);
      if (count == 1) {
        send(fd, frame("7-1", "cluster", {{"name", "sms-1"}, {"primary", "db1"}}));
        ::close(fd);
      } else {
        held_.push_back(fd);
      }
    }
  }
  static void send(int fd, const std::string& text) { (void)!::send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> streams_;
  std::vector<int> held_;  // the server's thread only
};

TEST(TuiEventFeed, OverASocketItResumesAndStopsWithinATick) {
  SilentStreamServer server;
  auto url = parse_controller_url("http://127.0.0.1:" + std::to_string(server.port()));
  ASSERT_TRUE(url);
  BeastTransport transport(*url);
  SteadyClock clock;
  ApiClient api(transport, url->text, "tok");
  EventFeed feed(api, clock, quiet());
  feed.start();
  int live = 0;
  for (int i = 0; i < 500 && live < 2; ++i) {  // the first connection, then the resumed one
    for (const auto& update : feed.drain()) live += update.kind == UpdateKind::live ? 1 : 0;
    clock.sleep_ms(10);
  }
  ASSERT_EQ(live, 2);
  clock.sleep_ms(300);  // the stream is silent: no byte, no keep-alive
  const auto before = std::chrono::steady_clock::now();
  feed.stop();
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_LT(took, std::chrono::milliseconds(kStreamTickMs * 5))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  const auto requests = server.stream_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].find("Last-Event-ID"), std::string::npos) << requests[0];
  EXPECT_NE(requests[1].find("Last-Event-ID: 7-1\r\n"), std::string::npos) << requests[1];
  EXPECT_NE(requests[1].find("Authorization: Bearer tok\r\n"), std::string::npos) << requests[1];
  EXPECT_NE(requests[1].find("Accept: text/event-stream\r\n"), std::string::npos) << requests[1];
}

}  // namespace
}  // namespace pivot::ctl::tui
