#pragma once
// Following a job until it is finished or the deadline passes, reporting each
// step once, as it finishes. With `stream`, from GET /v1/events (the job's
// cluster's events: each job event is the whole job); when the stream cannot
// be had or ends first, by GET /v1/jobs/{id} every poll interval, after
// saying so through `on_note`.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pivot/ctl/api_client.hpp"
#include "pivot/ctl/clock.hpp"

namespace pivot::ctl {

struct FollowOptions {
  std::uint64_t poll_ms = 150;
  std::uint64_t deadline_ms = 60000;
  bool stream = false;  // follow the event stream, polling only when it is unavailable
};

struct FollowOutcome {
  nlohmann::json job;             // the last job seen (null if none was read)
  std::optional<ApiError> error;  // a poll failed
  bool timed_out = false;         // the deadline passed with the job unfinished
};

// queued and running are the only unfinished job states.
bool job_finished(const nlohmann::json& job);
bool step_finished(const nlohmann::json& step);

// Each step once it ended; also, while the job waits for eligibility, a
// running step named `wait` whose summary is the job's progress, each time
// it changes.
using StepCallback = std::function<void(const nlohmann::json& step)>;
// A line for the operator (stderr): why the follower polls.
using NoteCallback = std::function<void(const std::string& note)>;

FollowOutcome follow_job(ApiClient& api, Clock& clock, const std::string& job_id, const FollowOptions& options,
                         const StepCallback& on_step_finished = {}, const NoteCallback& on_note = {});

}  // namespace pivot::ctl
