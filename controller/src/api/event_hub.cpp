#include "pivot/controller/event_hub.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

#include "pivot/controller/event_log.hpp"
#include "pivot/controller/json_views.hpp"

namespace pivot::controller {
namespace {

struct Subscriber {
  explicit Subscriber(std::optional<std::string> filter, std::size_t max_bytes)
      : cluster(std::move(filter)), queue(max_bytes) {}
  const std::optional<std::string> cluster;
  ClientQueue queue;
  std::function<void()> wake;  // empty until the server starts reading
};

std::string dump(const nlohmann::json& data) {
  // Job details carry relayed text; one bad byte must not stop the stream.
  return data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

struct EventHub::State {
  State(std::uint64_t epoch, EventHubOptions opts)
      : options(opts), log(epoch, opts.history_bytes, opts.history_events) {}
  const EventHubOptions options;
  mutable std::mutex mu;  // guards what follows
  EventLog log;
  std::vector<std::shared_ptr<Subscriber>> subscribers;
  std::uint64_t published = 0;
  std::uint64_t dropped = 0;
};

namespace {

class Subscription : public ResponseStream {
 public:
  Subscription(std::shared_ptr<EventHub::State> hub, std::shared_ptr<Subscriber> subscriber)
      : hub_(std::move(hub)), me_(std::move(subscriber)) {}
  ~Subscription() override {
    std::lock_guard lock(hub_->mu);
    std::erase(hub_->subscribers, me_);
  }
  void start(std::function<void()> wake) override {
    std::lock_guard lock(hub_->mu);
    me_->wake = std::move(wake);
  }
  std::string take() override {
    std::lock_guard lock(hub_->mu);
    return me_->queue.take();
  }
  bool ended() const override {
    std::lock_guard lock(hub_->mu);
    return me_->queue.dropped();
  }
  std::chrono::milliseconds keepalive() const override { return hub_->options.keepalive; }
  std::string idle_bytes() const override { return sse_comment("keep-alive"); }

 private:
  std::shared_ptr<EventHub::State> hub_;
  std::shared_ptr<Subscriber> me_;
};

}  // namespace

EventHub::EventHub(std::uint64_t epoch, EventHubOptions options)
    : state_(std::make_shared<State>(epoch, options)),
      steps_([](const JobStep& step) { return dump(to_json(step)); }) {}

EventHub::~EventHub() = default;

void EventHub::job_state(const Job& job) { publish_text("job", job.cluster, job_text(job)); }

// dump(to_json(job)), byte for byte (event_hub_test): "steps" is the last
// of a job's keys in their order, so the text without it ends in '}' where
// the steps go; their text reuses the steps that ended (StepTexts).
std::string EventHub::job_text(const Job& job) {
  std::string text = dump(job_json_without_steps(job));
  text.pop_back();  // '}'
  text += R"(,"steps":)";
  text += steps_.array(job);
  text += '}';
  return text;
}

void EventHub::publish(std::string_view type, const std::string& cluster, const nlohmann::json& data) {
  publish_text(type, cluster, dump(data));
}

void EventHub::publish_text(std::string_view type, const std::string& cluster, const std::string& text) {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(state_->mu);
    const Event& event = state_->log.append(type, cluster, text);
    ++state_->published;
    for (const auto& s : state_->subscribers) {
      if (s->queue.dropped() || !event_matches(event, s->cluster)) continue;
      const bool was_empty = s->queue.empty();
      if (!s->queue.push(event.frame)) ++state_->dropped;
      // Once per batch: the server takes everything waiting when it wakes.
      if ((was_empty || s->queue.dropped()) && s->wake) wakes.push_back(s->wake);
    }
  }
  for (const auto& wake : wakes) wake();  // posts to the connection's strand; never blocks
}

std::shared_ptr<ResponseStream> EventHub::subscribe(const std::optional<std::string>& cluster,
                                                    const std::optional<std::string>& last_event_id) {
  auto subscriber = std::make_shared<Subscriber>(cluster, state_->options.client_buffer_bytes);
  std::lock_guard lock(state_->mu);
  // "retry" tells EventSource clients how soon to reconnect. The opening and
  // the replay go in as one piece: they are bounded by the history, not by
  // the client's queue, which bounds what piles up after.
  std::string opening = "retry: 1000\n" + sse_comment("pivotd events, epoch " + std::to_string(state_->log.epoch()));
  const auto resume = state_->log.resume_after(last_event_id, cluster);
  if (resume.reset) {
    const nlohmann::json data{{"reason", *resume.reset}};
    opening += sse_frame("reset", to_string(state_->log.take_id()), dump(data));
  }
  for (const Event* event : resume.replay) opening += event->frame;
  subscriber->queue.push(opening);
  state_->subscribers.push_back(subscriber);
  return std::make_shared<Subscription>(state_, std::move(subscriber));
}

EventHubStats EventHub::stats() const {
  std::lock_guard lock(state_->mu);
  return {state_->subscribers.size(), state_->published, state_->dropped, state_->log.size(), state_->log.bytes()};
}

}  // namespace pivot::controller
