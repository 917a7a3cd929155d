// pivotctl tui's feed from pivotd's event stream (GET /v1/events), with the
// polling feed as its fallback for a pivotd that has no stream.
#include <algorithm>
#include <chrono>
#include <iterator>

#include "pivot/ctl/format.hpp"
#include "pivot/ctl/tui_feed.hpp"

namespace pivot::ctl::tui {

namespace {

using nlohmann::json;

Update event_update(UpdateKind kind, std::string key, json body) {
  Update update;
  update.kind = kind;
  update.key = std::move(key);
  update.body = std::move(body);
  return update;
}

// A pivotd older than the stream has no such route (404; with ?cluster= a
// 404 would mean the cluster, but the TUI reads every cluster's events), or
// the transport cannot stream at all.
bool no_stream(const ApiError& error) {
  return error.status == 404 || error.status == 405 || error.status == 501 ||
         (error.status == 0 && error.slug == "unsupported");
}

}  // namespace

EventFeed::EventFeed(ApiClient& api, Clock& clock, EventOptions options)
    : api_(api), clock_(clock), options_(options), stream_(api, "/v1/events"), queue_(clock),
      fallback_(api, clock, options.polling) {}

EventFeed::~EventFeed() { stop(); }

void EventFeed::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void EventFeed::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();  // the stream gives way within a tick
  fallback_.stop();
}

void EventFeed::request(const Action& action) {
  {
    std::lock_guard lock(mutex_);
    if (!polling_) {
      actions_.push_back(action);
      wake_.notify_all();
      return;
    }
  }
  fallback_.request(action);
}

void EventFeed::watch(const Focus& focus) {
  {
    std::lock_guard lock(mutex_);
    focus_ = focus;
    if (!polling_) return;
  }
  fallback_.watch(focus);
}

std::vector<Update> EventFeed::drain() {
  std::vector<Update> out = queue_.drain();
  if (polling_) {
    auto more = fallback_.drain();
    out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  return out;
}

Focus EventFeed::focus() {
  std::lock_guard lock(mutex_);
  return focus_;
}

void EventFeed::read(const std::string& target, UpdateKind kind, const std::string& key) {
  Update update = read_update(target, kind, key, api_.get(target));
  if (update.kind == UpdateKind::unreachable) {
    // The stream is open, so pivotd is there: this read failed, say which.
    whole_ = false;
    update.kind = UpdateKind::failed;
    update.failed_read = kind;
    update.key = key;
    update.message = target + ": " + update.message;
  }
  queue_.push(std::move(update));
}

void EventFeed::read_watched(const Focus& focus, bool all) {
  if (!focus.cluster.empty() && (all || focus.cluster != read_focus_.cluster)) {
    read("/v1/clusters/" + url_encode(focus.cluster), UpdateKind::cluster, focus.cluster);
  }
  for (const auto& id : focus.jobs) {
    const auto& seen = read_focus_.jobs;
    if (all || std::find(seen.begin(), seen.end(), id) == seen.end()) {
      read("/v1/jobs/" + url_encode(id), UpdateKind::job, id);
    }
  }
  if (focus.agents && !all && !read_focus_.agents) read("/v1/agents", UpdateKind::agents);
  read_focus_ = focus;
}

void EventFeed::read_all() {
  whole_ = true;
  read("/v1/clusters", UpdateKind::clusters);
  read("/v1/agents", UpdateKind::agents);
  read("/v1/jobs?limit=" + std::to_string(options_.jobs_limit), UpdateKind::jobs);
  read_watched(focus(), true);
  refreshed_at_ms_ = clock_.now_ms();
}

void EventFeed::send_actions() {
  std::deque<Action> actions;
  {
    std::lock_guard lock(mutex_);
    actions.swap(actions_);
  }
  for (const auto& action : actions) queue_.push(send_action(api_, action, clock_.wall_ms()));
}

// The subscription is in place: what is read now misses no event. A resumed
// connection gets what it missed replayed (or a reset), so it reads nothing
// unless the last read_all did not reach pivotd.
bool EventFeed::opened(bool resumed) {
  queue_.push(saying(UpdateKind::live, ""));
  if (!resumed || !whole_) read_all();
  return !stopping_;
}

bool EventFeed::event(const std::string& type, json data) {
  if (type == "reset") {  // a gap pivotd cannot replay: read everything again
    read_all();
  } else if (type == "job") {
    std::string id = string_of(data, "id");
    queue_.push(event_update(UpdateKind::job, std::move(id), std::move(data)));
  } else if (type == "node") {
    std::string cluster = string_of(data, "cluster");
    queue_.push(event_update(UpdateKind::node, std::move(cluster), std::move(data)));
  } else if (type == "cluster") {
    std::string name = string_of(data, "name");
    queue_.push(event_update(UpdateKind::cluster_state, std::move(name), std::move(data)));
  }
  return !stopping_;
}

// Between pieces and on every silent tick: the actions, a screen just
// opened, and every refresh_ms what the stream does not carry.
bool EventFeed::tick() {
  if (stopping_) return false;
  send_actions();
  const Focus now = focus();
  if (!(now == read_focus_)) read_watched(now, false);
  if (clock_.now_ms() - refreshed_at_ms_ >= options_.refresh_ms) {
    read("/v1/clusters", UpdateKind::clusters);
    if (!now.cluster.empty()) read("/v1/clusters/" + url_encode(now.cluster), UpdateKind::cluster, now.cluster);
    if (now.agents) read("/v1/agents", UpdateKind::agents);
    refreshed_at_ms_ = clock_.now_ms();
  }
  return !stopping_;
}

void EventFeed::fall_back(const ApiError& why) {
  queue_.push(saying(UpdateKind::polling, "pivotd has no event stream (" + describe(why) + "): polling it every " +
                                              format_age_ms(options_.polling.interval_ms)));
  {
    std::lock_guard lock(mutex_);
    polling_ = true;
    for (const auto& action : actions_) fallback_.request(action);
    actions_.clear();
    fallback_.watch(focus_);
  }
  fallback_.start();
}

bool EventFeed::connect_once() {
  if (stopping_ || polling_) return false;
  StreamHandlers handlers;
  handlers.on_open = [this](bool resumed) { return opened(resumed); };
  handlers.on_event = [this](const std::string& type, json data) { return event(type, std::move(data)); };
  handlers.on_tick = [this] { return tick(); };
  const auto failed = stream_.read(handlers);
  if (stopping_) return false;
  if (failed && no_stream(*failed)) {
    fall_back(*failed);
    return false;
  }
  if (failed && failed->status == 0) {
    queue_.push(saying(UpdateKind::unreachable, failed->message));
  } else if (failed) {  // 401, 500 ...: said, and tried again
    Update refused = saying(UpdateKind::failed, stream_.target() + ": " + describe(*failed));
    queue_.push(std::move(refused));
  }
  queue_.push(saying(UpdateKind::reconnecting, failed ? describe(*failed) : "the event stream ended"));
  return true;
}

void EventFeed::run() {
  while (connect_once()) {
    // Until the next connection: the actions still go (and fail, saying why).
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.retry_ms);
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        if (!wake_.wait_until(lock, until, [&] { return stopping_ || !actions_.empty(); })) break;
        if (stopping_) return;
      }
      send_actions();
    }
  }
}

}  // namespace pivot::ctl::tui
