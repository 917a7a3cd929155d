#pragma once
// Where pivotctl tui's updates come from: a port, so that the event stream
// (GET /v1/events, issue 17) can replace polling without touching the model
// or the views. The feed works on a thread of its own and hands its updates
// over a queue; the UI loop drains it between keys and never waits on it.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "pivot/ctl/api_client.hpp"
#include "pivot/ctl/clock.hpp"
#include "pivot/ctl/tui_model.hpp"

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

// The first adapter: GET /v1/clusters, /v1/agents, /v1/jobs, the watched
// cluster and jobs, every interval; actions as POSTs, before each round.
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
  Clock& clock_;
  PollOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Action> actions_;
  Focus focus_;
  std::vector<Update> updates_;
  bool stopping_ = false;
  bool busy_ = false;  // the feed's thread only
  std::thread thread_;
};

}  // namespace pivot::ctl::tui
