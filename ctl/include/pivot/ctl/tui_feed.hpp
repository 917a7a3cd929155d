#pragma once
// Where pivotctl tui's updates come from: a port with two adapters, the
// event stream (GET /v1/events, the default) and polling (its fallback for a
// pivotd without one). A feed works on a thread of its own and hands its
// updates over a queue; the UI loop drains it between keys and never waits
// on it.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "pivot/ctl/api_client.hpp"
#include "pivot/ctl/clock.hpp"
#include "pivot/ctl/event_stream.hpp"
#include "pivot/ctl/tui_model.hpp"
#include "pivot/ctl/tui_requests.hpp"

namespace pivot::ctl::tui {

class Feed {
 public:
  virtual ~Feed() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  // Sent in the background; answered by a `started` or `failed` update.
  virtual void request(const Action& action) = 0;
  // What to keep fresh besides the lists.
  virtual void watch(const Focus& focus) = 0;
  // Every update since the last call, oldest first. Never blocks on the network.
  virtual std::vector<Update> drain() = 0;
};

struct PollOptions {
  std::uint64_t interval_ms = 1000;  // between rounds while pivotd answers
  std::uint64_t busy_interval_ms = 250;  // while a watched job runs: its steps fill in as they finish
  std::uint64_t retry_ms = 1000;     // between attempts while it does not
  unsigned jobs_limit = 50;
};

// GET /v1/clusters, /v1/agents, /v1/jobs, the watched cluster and jobs,
// every interval; actions as POSTs, before each round.
class PollingFeed : public Feed {
 public:
  PollingFeed(ApiClient& api, Clock& clock, PollOptions options = {});
  ~PollingFeed() override;
  void start() override;
  void stop() override;
  void request(const Action& action) override;
  void watch(const Focus& focus) override;
  std::vector<Update> drain() override;

  // One round on the caller's thread: the queued actions, then the reads.
  // False when pivotd was not reached. The thread runs this; tests call it.
  bool poll_once();
  // The last round read a watched job that has not finished.
  bool busy() const { return busy_; }

 private:
  void run();
  void send(const Action& action);
  // GET target, pushed as an update of `kind` (or why it failed).
  void read(const std::string& target, UpdateKind kind, const std::string& key = "");
  void deliver(const std::string& target, UpdateKind kind, const std::string& key, ApiReply reply);
  void push(Update update);

  ApiClient& api_;
  Clock& clock_;  // the wall clock's now for a maintenance window given as a duration
  PollOptions options_;
  UpdateQueue queue_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Action> actions_;
  Focus focus_;
  bool stopping_ = false;
  bool busy_ = false;  // the feed's thread only
  std::thread thread_;
};

struct EventOptions {
  std::uint64_t retry_ms = 1000;    // between connections (pivotd's `retry: 1000`)
  // What the stream does not carry (heartbeat ages, the fleet's lag and
  // health, the agents' counters) is read again this often while it is live.
  std::uint64_t refresh_ms = 2000;
  unsigned jobs_limit = 50;
  PollOptions polling = {};         // the fallback's
};

// GET /v1/events on a thread of its own. When a connection opens, the lists
// (clusters, agents, jobs) and what is watched are read, then the events
// (job, node, cluster) keep the model current; a `reset` reads everything
// again. A connection that ends or fails is opened again after retry_ms with
// the last event id (Last-Event-ID), so nothing between is lost: pivotd
// replays it, or sends `reset` when it cannot (a restart). The stream is
// read in ticks (Transport::stream), between which actions are sent, new
// screens read and the feed told to stop. A pivotd that answers the stream
// 404 (older than the stream) or a transport that cannot stream: the feed
// says so and hands over to a PollingFeed.
class EventFeed : public Feed {
 public:
  EventFeed(ApiClient& api, Clock& clock, EventOptions options = {});
  ~EventFeed() override;
  void start() override;
  void stop() override;
  void request(const Action& action) override;
  void watch(const Focus& focus) override;
  std::vector<Update> drain() override;

  // One connection on the caller's thread, until it ends, fails or stop()
  // is called. False once the feed has fallen back to polling (or stops).
  // The thread runs this with a wait between; tests call it.
  bool connect_once();
  bool polling() const { return polling_; }

 private:
  void run();
  bool opened(bool resumed);
  bool event(const std::string& type, nlohmann::json data);
  bool tick();
  void read(const std::string& target, UpdateKind kind, const std::string& key = "");
  void read_all();
  void read_watched(const Focus& focus, bool all);
  void send_actions();
  void fall_back(const ApiError& why);
  Focus focus();

  ApiClient& api_;
  Clock& clock_;
  EventOptions options_;
  EventStream stream_;
  UpdateQueue queue_;
  PollingFeed fallback_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Action> actions_;
  Focus focus_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> polling_{false};
  // The feed's thread only.
  Focus read_focus_;           // what is watched and has been read
  bool whole_ = false;         // the last read_all reached pivotd for every read
  std::uint64_t refreshed_at_ms_ = 0;
  std::thread thread_;
};

}  // namespace pivot::ctl::tui
