#include "pivot/ctl/job_follower.hpp"

#include <set>

#include "pivot/ctl/format.hpp"

namespace pivot::ctl {

bool job_finished(const nlohmann::json& job) {
  const std::string state = string_of(job, "state");
  return !state.empty() && state != "queued" && state != "running";
}

bool step_finished(const nlohmann::json& step) {
  const std::string state = string_of(step, "state");
  return !state.empty() && state != "running";
}

FollowOutcome follow_job(ApiClient& api, Clock& clock, const std::string& job_id, const FollowOptions& options,
                         const StepCallback& on_step_finished) {
  FollowOutcome outcome;
  const std::uint64_t deadline = clock.now_ms() + options.deadline_ms;
  std::set<std::size_t> reported;  // step indexes already passed to the callback
  for (;;) {
    auto reply = api.get("/v1/jobs/" + url_encode(job_id));
    if (!reply.ok()) {
      outcome.error = reply.error;
      return outcome;
    }
    outcome.job = std::move(reply.body);
    if (on_step_finished && outcome.job.contains("steps") && outcome.job["steps"].is_array()) {
      const auto& steps = outcome.job["steps"];
      for (std::size_t i = 0; i < steps.size(); ++i) {
        if (!reported.count(i) && step_finished(steps[i])) {
          reported.insert(i);
          on_step_finished(steps[i]);
        }
      }
    }
    if (job_finished(outcome.job)) return outcome;
    if (clock.now_ms() >= deadline) {
      outcome.timed_out = true;
      return outcome;
    }
    clock.sleep_ms(options.poll_ms);
  }
}

}  // namespace pivot::ctl
