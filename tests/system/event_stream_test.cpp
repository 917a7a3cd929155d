// GET /v1/events read by a real HTTP client (curl) from a real pivotd during
// a pivot: node changes and every step of the job in order, with ids that
// increase; resume with Last-Event-ID; an id from before a pivotd restart
// gets `reset`; a client that stops reading is dropped and closed while a
// reading one goes on. pivotd runs with a 300 ms keep-alive and a 64 KiB
// per-client queue (pivotd.yaml), so that both show in seconds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "pivot/ctl/sse_parser.hpp"
#include "pivot/test/process.hpp"
#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kPivotdYaml = "event_keepalive_ms: 300\nevent_client_buffer_kib: 64\n";

struct Id {
  std::uint64_t epoch = 0, seq = 0;
};
Id id_of(const std::string& text) {
  const auto dash = text.find('-');
  if (dash == std::string::npos) return {};
  return {std::stoull(text.substr(0, dash)), std::stoull(text.substr(dash + 1))};
}

// curl reading the stream into its stdout file, as a pipeline would.
class Reader {
 public:
  Reader(int port, const std::string& token, const std::string& target, const std::string& last_event_id = "") {
    std::vector<std::string> argv{"/usr/bin/curl", "-sSN", "-H", "Authorization: Bearer " + token};
    if (!last_event_id.empty()) argv.insert(argv.end(), {"-H", "Last-Event-ID: " + last_event_id});
    argv.push_back("http://127.0.0.1:" + std::to_string(port) + target);
    curl_ = std::make_unique<BackgroundProcess>(argv);
  }
  std::string text() const { return curl_->out(); }
  std::vector<ctl::SseEvent> events() const {
    ctl::SseParser parser;
    return parser.feed(text());
  }
  // The job events of `job`, their data parsed.
  std::vector<std::pair<std::string, json>> job_events(const std::string& job) const {
    std::vector<std::pair<std::string, json>> out;
    for (const auto& e : events()) {
      if (e.type != "job") continue;
      auto data = json::parse(e.data);
      if (data["id"] == job) out.emplace_back(e.id, std::move(data));
    }
    return out;
  }
  bool has_job_ended(const std::string& job) const {
    for (const auto& [id, data] : job_events(job)) {
      if (data["state"] != "running" && data["state"] != "queued") return true;
    }
    return false;
  }
  bool connected() const { return text().find(": pivotd events, epoch ") != std::string::npos; }
  std::string curl_err() const { return curl_->err(); }

 private:
  std::unique_ptr<BackgroundProcess> curl_;
};

// A client that sends its request and never reads a byte, with as small a
// receive buffer as the kernel allows.
class StalledClient {
 public:
  StalledClient(int port, const std::string& token) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect failed");
    const std::string request = "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                                "\r\nAccept: text/event-stream\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
      throw std::runtime_error("send failed");
    }
  }
  ~StalledClient() { ::close(fd_); }
  // Reads what waits until pivotd's close (end of file or a reset): true
  // when that comes within `timeout`.
  bool closed_by_pivotd(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[65536];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return true;
      received_ += static_cast<std::size_t>(n);
    }
    return false;
  }
  std::size_t received() const { return received_; }

 private:
  int fd_ = -1;
  std::size_t received_ = 0;
};

long rss_kib(const std::filesystem::path& pid_file) {
  std::string pid;
  std::ifstream(pid_file) >> pid;
  std::ifstream status("/proc/" + pid + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

class EventStream : public StackTest {
 protected:
  static void SetUpTestSuite() { start_stack("sysevents", "", false, kPivotdYaml); }
  std::unique_ptr<Reader> reader(const std::string& target = "/v1/events", const std::string& last_event_id = "") {
    auto r = std::make_unique<Reader>(stack().http_port(), stack().token("viewer"), target, last_event_id);
    EXPECT_TRUE(wait_until([&] { return r->connected(); }, 10s)) << r->text() << r->curl_err();
    return r;
  }
  std::string start(const std::string& route, const json& body = json::object()) {
    auto reply = stack().api("POST", cluster_path(route), body);
    EXPECT_EQ(reply.status, 202) << reply.body.dump();
    return reply.body.value("job", "");
  }
  void restart_pivotd() {
    stack().stop_pivotd();
    stack().start_pivotd();
    stack().wait_ready();
  }
};

TEST_F(EventStream, APivotShowsItsNodeChangesAndEveryStepInOrder) {
  auto stream = reader("/v1/events?cluster=" + stack().cluster_name());
  const std::string job = start("/pivot", {{"candidate", "db2"}, {"expected_primary", "db1"}});
  ASSERT_TRUE(wait_until([&] { return stream->has_job_ended(job); }, 30s)) << stream->text().substr(0, 3000);
  // The cluster's new primary and the old one as a replica follow within
  // the agents' next snapshots.
  ASSERT_TRUE(wait_until(
      [&] {
        bool primary = false, replica = false;
        for (const auto& e : stream->events()) {
          const auto data = json::parse(e.data);
          primary = primary || (e.type == "cluster" && data["primary"] == "db2");
          replica = replica || (e.type == "node" && data["name"] == "db1" && data["current"] == "replica");
        }
        return primary && replica;
      },
      10s))
      << stream->text().substr(stream->text().size() > 6000 ? stream->text().size() - 6000 : 0);
  const auto final_job = stack().api("GET", "/v1/jobs/" + job, nullptr, "viewer").body;
  ASSERT_EQ(final_job["state"], "succeeded") << final_job.dump(2);

  // Ids increase within the run; every event is of this cluster.
  const auto events = stream->events();
  Id previous{};
  for (const auto& e : events) {
    const Id id = id_of(e.id);
    EXPECT_GT(id.seq, previous.seq) << e.id;
    if (previous.epoch) {
      EXPECT_EQ(id.epoch, previous.epoch);
    }
    previous = id;
    const auto data = json::parse(e.data);
    EXPECT_EQ(e.type == "cluster" ? data["name"] : data["cluster"], stack().cluster_name()) << e.data;
  }

  // The job: created queued, taken by a worker (running), each step running
  // then its end, in the plan's order, then its end with the result: the
  // whole job every time.
  std::vector<std::string> seen;
  std::string promote_started;
  for (const auto& [id, data] : stream->job_events(job)) {
    if (data["state"] == "queued") {
      seen.push_back("job queued");
      continue;
    }
    if (data["state"] != "running") {
      seen.push_back("job " + data["state"].get<std::string>());
      EXPECT_EQ(data["result"]["new_primary"], "db2");
      continue;
    }
    if (data["steps"].empty()) {
      seen.push_back("job running");
      continue;
    }
    const auto& step = data["steps"].back();
    seen.push_back(step["name"].get<std::string>() + " " + step["state"].get<std::string>());
    if (step["name"] == "promote" && step["state"] == "running") promote_started = id;
  }
  std::vector<std::string> expected{"job queued", "job running"};
  for (const auto& step : final_job["steps"]) {
    expected.push_back(step["name"].get<std::string>() + " running");
    expected.push_back(step["name"].get<std::string>() + " " + step["state"].get<std::string>());
  }
  expected.push_back("job succeeded");
  EXPECT_EQ(seen, expected);
  ASSERT_FALSE(promote_started.empty());

  // The nodes, after the promotion started: db2 as primary, db1 as a replica
  // of it (one 100 ms read of the model may carry both, in spec order); the
  // objects of GET /v1/clusters/{name}.
  std::string db2_primary, db1_replica;
  for (const auto& e : events) {
    if (e.type != "node") continue;
    const auto node = json::parse(e.data);
    EXPECT_TRUE(node.contains("state") && node.contains("role") && node.contains("az")) << e.data;
    if (id_of(e.id).seq < id_of(promote_started).seq) continue;
    if (node["name"] == "db2" && node["current"] == "primary" && db2_primary.empty()) db2_primary = e.id;
    if (node["name"] == "db1" && node["current"] == "replica" && db1_replica.empty()) {
      db1_replica = e.id;
      EXPECT_EQ(node["state"]["replica"]["source_port"], cluster().port(2));
    }
  }
  EXPECT_FALSE(db2_primary.empty()) << "no node event shows db2 as primary after its promotion started";
  EXPECT_FALSE(db1_replica.empty()) << "no node event shows db1 replicating from db2";

  // Idle, the stream carries keep-alive comments (every 300 ms here).
  const auto before = stream->text().size();
  std::this_thread::sleep_for(800ms);
  EXPECT_NE(stream->text().find(": keep-alive\n\n", before > 20 ? before - 20 : 0), std::string::npos);
}

TEST_F(EventStream, LastEventIdResumesAndAnIdFromBeforeARestartGetsReset) {
  auto first = reader();
  const std::string j1 = start("/pivot-status");
  ASSERT_TRUE(wait_until([&] { return first->has_job_ended(j1); }, 15s)) << first->text();
  const std::string resume_from = first->job_events(j1).front().first;  // j1 created: its end comes after
  first.reset();  // curl killed: the client went away

  const std::string j2 = start("/pivot-status");  // while nobody listens
  auto resumed = reader("/v1/events", resume_from);
  ASSERT_TRUE(wait_until([&] { return resumed->has_job_ended(j2); }, 15s)) << resumed->text();
  const auto replayed = resumed->events();
  ASSERT_FALSE(replayed.empty());
  EXPECT_NE(replayed.front().type, "reset");
  for (const auto& e : replayed) EXPECT_GT(id_of(e.id).seq, id_of(resume_from).seq) << e.id;
  ASSERT_FALSE(resumed->job_events(j1).empty()) << "j1's end was not replayed";
  EXPECT_EQ(resumed->job_events(j1).back().second["state"], "succeeded");
  EXPECT_EQ(resumed->job_events(j2).front().second["state"], "queued") << "j2's first event: created";
  const std::string last_before_restart = replayed.back().id;
  resumed.reset();

  restart_pivotd();
  auto after = reader("/v1/events", last_before_restart);
  ASSERT_TRUE(wait_until([&] { return !after->events().empty(); }, 10s)) << after->text();
  const auto reset = after->events().front();
  EXPECT_EQ(reset.type, "reset");
  EXPECT_NE(json::parse(reset.data)["reason"].get<std::string>().find("from another pivotd run"), std::string::npos)
      << reset.data;
  EXPECT_GT(id_of(reset.id).epoch, id_of(last_before_restart).epoch);
  // And the stream goes on in the new run.
  const std::string j3 = start("/pivot-status");
  ASSERT_TRUE(wait_until([&] { return after->has_job_ended(j3); }, 15s)) << after->text();
  EXPECT_EQ(id_of(after->job_events(j3).back().first).epoch, id_of(reset.id).epoch);
}

TEST_F(EventStream, AClientThatStopsReadingIsDroppedWhileAReadingOneGoesOn) {
  const auto pid_file = stack().dir() / "run" / "pivotd.pid";
  const long rss_before = rss_kib(pid_file);
  auto reading = reader();
  StalledClient stalled(stack().http_port(), stack().token("viewer"));
  const auto dropped = [&] {
    return stack().pivotd_log().find("event stream client dropped") != std::string::npos;
  };
  ASSERT_FALSE(dropped());
  // Pivot-status jobs, two job events each (a few KiB), until pivotd drops
  // the stalled client: its 64 KiB queue, after the kernel's buffers.
  std::string last;
  int jobs = 0;
  for (; jobs < 400 && !dropped(); ++jobs) {
    last = start("/pivot-status");
    if (jobs % 20 == 19) std::this_thread::sleep_for(200ms);  // let the jobs end and their events go out
  }
  ASSERT_TRUE(wait_until(dropped, 10s)) << "not dropped after " << jobs << " jobs";
  EXPECT_TRUE(stalled.closed_by_pivotd(10s)) << "pivotd did not close the stalled connection";
  ASSERT_TRUE(wait_until([&] { return reading->has_job_ended(last); }, 15s)) << "the reading client stopped";
  const long rss_after = rss_kib(pid_file);
  std::cout << "stalled client dropped after " << jobs << " pivot-status jobs; the reading client got "
            << reading->text().size() / 1024 << " KiB of events, the stalled one " << stalled.received() / 1024
            << " KiB; pivotd RSS " << rss_before << " KiB before, " << rss_after << " KiB after\n";
  // One drop: the reading client was not.
  const auto log = stack().pivotd_log();
  EXPECT_EQ(log.find("event stream client dropped"), log.rfind("event stream client dropped"));
}

// pivotctl job --follow on the stream: every step, and no word of polling.
TEST_F(EventStream, PivotctlFollowsAJobOnTheStream) {
  stack().write_spec({.hooks = {{"pre_pivot", stack().write_hook("slow", "sleep 1")}}});
  const std::string job = start("/pivot", {{"candidate", "db2"}});
  auto follow = run_process({built_binary("pivotctl", PIVOT_DEFAULT_BIN_DIR).string(), "--controller",
                             "http://127.0.0.1:" + std::to_string(stack().http_port()), "job", job, "--follow"},
                            60s, {{"PIVOT_TOKEN", stack().token("viewer")}});
  EXPECT_EQ(follow.exit_code, 0) << follow.describe() << follow.out << follow.err;
  EXPECT_EQ(follow.err, "");  // the stream served it: no fallback to polling
  const auto final_job = stack().api("GET", "/v1/jobs/" + job, nullptr, "viewer").body;
  std::size_t at = 0;
  for (const auto& step : final_job["steps"]) {
    at = follow.out.find("  " + step["name"].get<std::string>() + " ", at);
    ASSERT_NE(at, std::string::npos) << step["name"] << " missing or out of order:\n" << follow.out;
  }
  EXPECT_NE(follow.out.find("db2 is the new primary"), std::string::npos) << follow.out;
}

TEST_F(EventStream, NeedsATokenAndALoadedCluster) {
  auto no_token = run_process({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                               "http://127.0.0.1:" + std::to_string(stack().http_port()) + "/v1/events"},
                              10s);
  EXPECT_EQ(no_token.out, "401");
  auto unknown = stack().api("GET", "/v1/events?cluster=no-such-cluster", nullptr, "viewer");
  EXPECT_EQ(unknown.status, 404) << unknown.body.dump();
}

}  // namespace
}  // namespace pivot::test
