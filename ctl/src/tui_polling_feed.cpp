// pivotctl tui's feed by polling pivotd's REST API on a thread of its own.
#include <chrono>

#include "pivot/ctl/job_follower.hpp"
#include "pivot/ctl/tui_feed.hpp"

namespace pivot::ctl::tui {

PollingFeed::PollingFeed(ApiClient& api, Clock& clock, PollOptions options)
    : api_(api), clock_(clock), options_(options), queue_(clock) {}

PollingFeed::~PollingFeed() { stop(); }

void PollingFeed::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void PollingFeed::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PollingFeed::request(const Action& action) {
  {
    std::lock_guard lock(mutex_);
    actions_.push_back(action);
  }
  wake_.notify_all();
}

void PollingFeed::watch(const Focus& focus) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = !(focus_ == focus);
    focus_ = focus;
  }
  if (changed) wake_.notify_all();  // a screen just opened: read it now
}

std::vector<Update> PollingFeed::drain() { return queue_.drain(); }

void PollingFeed::push(Update update) { queue_.push(std::move(update)); }

void PollingFeed::send(const Action& action) { push(send_action(api_, action, clock_.wall_ms())); }

void PollingFeed::read(const std::string& target, UpdateKind kind, const std::string& key) {
  deliver(target, kind, key, api_.get(target));
}

void PollingFeed::deliver(const std::string& target, UpdateKind kind, const std::string& key, ApiReply reply) {
  if (reply.ok() && kind == UpdateKind::job && !job_finished(reply.body)) busy_ = true;
  push(read_update(target, kind, key, std::move(reply)));
}

bool PollingFeed::poll_once() {
  std::deque<Action> actions;
  Focus focus;
  {
    std::lock_guard lock(mutex_);
    actions.swap(actions_);
    focus = focus_;
  }
  for (const auto& action : actions) send(action);

  // The first read says whether pivotd answers at all; an answer that is
  // an error (401, 500) is an answer.
  ApiReply clusters = api_.get("/v1/clusters");
  if (!clusters.ok() && clusters.error->status == 0) {
    push(saying(UpdateKind::unreachable, clusters.error->message));
    return false;
  }
  push(saying(UpdateKind::reachable, ""));
  deliver("/v1/clusters", UpdateKind::clusters, "", std::move(clusters));
  read("/v1/agents", UpdateKind::agents);
  read("/v1/jobs?limit=" + std::to_string(options_.jobs_limit), UpdateKind::jobs);
  if (!focus.cluster.empty()) read("/v1/clusters/" + url_encode(focus.cluster), UpdateKind::cluster, focus.cluster);
  busy_ = false;
  for (const auto& id : focus.jobs) read("/v1/jobs/" + url_encode(id), UpdateKind::job, id);
  return true;
}

void PollingFeed::run() {
  for (;;) {
    const bool reached = poll_once();
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    // An action or a newly opened screen wakes the next round early.
    const Focus seen = focus_;
    const std::uint64_t wait_ms =
        !reached ? options_.retry_ms : (busy_ ? options_.busy_interval_ms : options_.interval_ms);
    wake_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                   [&] { return stopping_ || !actions_.empty() || !(focus_ == seen); });
    if (stopping_) return;
  }
}

}  // namespace pivot::ctl::tui
