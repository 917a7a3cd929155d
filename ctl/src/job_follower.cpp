#include "pivot/ctl/job_follower.hpp"

#include <set>

#include "pivot/ctl/format.hpp"
#include "pivot/ctl/event_stream.hpp"

namespace pivot::ctl {

bool job_finished(const nlohmann::json& job) {
  const std::string state = string_of(job, "state");
  return !state.empty() && state != "queued" && state != "running";
}

bool step_finished(const nlohmann::json& step) {
  const std::string state = string_of(step, "state");
  return !state.empty() && state != "running";
}

namespace {

// One follow: the job as last seen, and the steps already reported, whichever
// way (stream or poll) the job arrived.
class Follow {
 public:
  Follow(ApiClient& api, Clock& clock, std::string job_id, const FollowOptions& options, const StepCallback& on_step)
      : api_(api), clock_(clock), job_id_(std::move(job_id)), options_(options), on_step_(on_step),
        deadline_(clock.now_ms() + options.deadline_ms) {}

  // GET the job; false when that failed (outcome.error says why).
  bool fetch() {
    auto reply = api_.get("/v1/jobs/" + url_encode(job_id_));
    if (!reply.ok()) {
      outcome.error = reply.error;
      return false;
    }
    take(std::move(reply.body));
    return true;
  }

  void take(nlohmann::json job) {
    outcome.job = std::move(job);
    if (!on_step_) return;
    // A job waiting for eligibility (wait_s): its progress, as a running
    // `wait` line each time what it says changes.
    const std::string waiting = string_of(member(outcome.job, "progress"), "summary");
    if (!waiting.empty() && waiting != last_progress_) {
      last_progress_ = waiting;
      on_step_(nlohmann::json{{"name", "wait"}, {"state", "running"}, {"summary", waiting}});
    }
    if (!outcome.job.contains("steps") || !outcome.job["steps"].is_array()) return;
    const auto& steps = outcome.job["steps"];
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (!reported_.count(i) && step_finished(steps[i])) {
        reported_.insert(i);
        on_step_(steps[i]);
      }
    }
  }

  bool done() const { return outcome.error || job_finished(outcome.job) || outcome.timed_out; }
  bool past_deadline() {
    if (clock_.now_ms() >= deadline_) outcome.timed_out = true;
    return outcome.timed_out;
  }

  // The job's cluster's events until the job ends. The job is fetched once
  // more when the subscription is in place (the first bytes), so that a step
  // that ended between the first GET and the stream is not missed, and again
  // after a `reset`. Nullopt when the follow is done; else why the stream
  // could not serve it.
  std::optional<std::string> stream() {
    EventStream events(api_, "/v1/events?cluster=" + url_encode(string_of(outcome.job, "cluster")));
    StreamHandlers handlers;
    handlers.on_open = [&](bool) { return fetch() && !done(); };
    handlers.on_event = [&](const std::string& type, nlohmann::json data) {
      if (type == "reset") {
        if (!fetch()) return false;
      } else if (type == "job" && string_of(data, "id") == job_id_) {
        take(std::move(data));
      }
      return !done();
    };
    handlers.on_tick = [&] { return !past_deadline(); };
    auto failed = events.read(handlers);
    if (done()) return std::nullopt;
    if (failed) return "the event stream is unavailable (" + describe(*failed) + ")";
    return std::string("the event stream ended before the job");
  }

  void poll() {
    while (!done()) {
      if (!fetch() || done() || past_deadline()) return;
      clock_.sleep_ms(options_.poll_ms);
    }
  }

  FollowOutcome outcome;

 private:
  ApiClient& api_;
  Clock& clock_;
  std::string job_id_;
  FollowOptions options_;
  const StepCallback& on_step_;
  std::uint64_t deadline_;
  std::set<std::size_t> reported_;  // step indexes already passed to the callback
  std::string last_progress_;       // the waiting job's progress last passed on
};

}  // namespace

FollowOutcome follow_job(ApiClient& api, Clock& clock, const std::string& job_id, const FollowOptions& options,
                         const StepCallback& on_step_finished, const NoteCallback& on_note) {
  Follow follow(api, clock, job_id, options, on_step_finished);
  if (options.stream && follow.fetch() && !follow.done()) {
    if (auto why = follow.stream()) {
      if (on_note) on_note(*why + "; polling every " + std::to_string(options.poll_ms) + " ms");
    }
  }
  follow.poll();
  return std::move(follow.outcome);
}

}  // namespace pivot::ctl
