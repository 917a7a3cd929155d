#include "pivot/controller/rollout_runner.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "pivot/controller/api_errors.hpp"
#include "pivot/controller/pivot_executor.hpp"
#include "pivot/controller/pivot_status_detail.hpp"
#include "pivot/controller/step_summary.hpp"
#include "pivot/log.hpp"

namespace pivot::controller {
namespace {

auto logger() {
  static auto l = log::get("pivotd.rollouts");
  return l;
}

Detail text_or_null(const std::optional<std::string>& value) { return value ? Detail(*value) : Detail(); }

// JobRegistry::cancel of a rollout records a `cancel` step.
bool cancel_asked(const Result<Job>& job) {
  if (!job) return false;
  return std::any_of(job->steps.begin(), job->steps.end(), [](const JobStep& s) { return s.name == "cancel"; });
}

// What a child's end means to the rollout: a pivot refused at its check (or
// whose primary moved since the selection) was not eligible; a rollback is a failure.
std::string outcome_of(const Job& child) {
  switch (child.state) {
    case JobState::succeeded:
      return "succeeded";
    case JobState::cancelled:
      return "cancelled";
    default: {
      const std::string error = child.result.is_object() ? child.result.value("error", "") : "";
      return error == "not_eligible" || error == "precondition_failed" ? "not_eligible" : "failed";
    }
  }
}

}  // namespace

RolloutRunner::RolloutRunner(JobRegistry& registry, Clock& clock, Ports ports)
    : registry_(registry), clock_(clock), ports_(std::move(ports)) {
  registry_.add_state_sink(*this);
  thread_ = std::thread([this] { loop(); });
}

RolloutRunner::~RolloutRunner() { stop(); }

void RolloutRunner::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RolloutRunner::job_state(const Job& job) {
  if (job.kind != JobKind::rollout && !(job.kind == JobKind::pivot && job.finished())) return;
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

Result<std::string> RolloutRunner::start(const RolloutRequest& request, const std::string& requested_by) {
  auto selector = parse_selector(request.selector);
  if (!selector) return selector.error();
  std::optional<RolloutOrder> order;
  if (request.order_by) {
    auto parsed = parse_order_by(*request.order_by);
    if (!parsed) return parsed.error();
    order = std::move(*parsed);
  }
  if (request.concurrency < 1 || request.concurrency > kMaxConcurrency) {
    return make_error(api_error::bad_request,
                      "concurrency must be from 1 to " + std::to_string(kMaxConcurrency) + " pivots at once");
  }
  const nlohmann::json body{{"selector", to_string(*selector)},
                            {"order_by", request.order_by ? nlohmann::json(*request.order_by) : nlohmann::json()},
                            {"concurrency", request.concurrency},
                            {"stop_on_failure", request.stop_on_failure},
                            {"dry_run", request.dry_run}};
  Rollout rollout;
  rollout.requested_by = requested_by;
  rollout.request = request;
  rollout.request.selector = to_string(*selector);
  JobRegistry::Admission admission{.kind = JobKind::rollout,
                                   .cluster = "",
                                   .requested_by = requested_by,
                                   .dry_run = request.dry_run,
                                   .idempotency_key = request.idempotency_key,
                                   .request = "POST /v1/rollouts " + body.dump()};
  // The selection is made under the registry's lock with the admission, so
  // that a refused one (nothing selected, a cluster outside the order) is a
  // 400 and not a job that fails.
  auto admitted = registry_.admit(admission, [&]() -> Result<void> {
    auto entries = order_rollout(*selector, order, ports_.clusters());
    if (!entries) return entries.error();
    for (auto& e : *entries) rollout.entries.push_back(Entry{.cluster = e.cluster, .group = e.group});
    return ok();
  });
  if (!admitted) return admitted.error();
  if (admitted->replayed) return admitted->job_id;
  rollout.id = admitted->job_id;
  log::event(*logger(), spdlog::level::info, {.job = rollout.id}, "rollout{} of {} cluster(s) ({}) requested by {}",
             request.dry_run ? " dry run" : "", rollout.entries.size(), rollout.request.selector, requested_by);
  registry_.set_result(rollout.id, result_of(rollout));
  {
    std::lock_guard lock(mu_);
    incoming_.push_back(std::move(rollout));
    woken_ = true;
  }
  wake_.notify_all();
  return admitted->job_id;
}

void RolloutRunner::resume(const Job& job) {
  Rollout rollout;
  rollout.id = job.id;
  rollout.requested_by = job.requested_by;
  const Detail& saved = job.result;
  const Detail* entries = saved.is_object() ? saved.find("clusters") : nullptr;
  if (!entries || !entries->is_array() || entries->empty() || !saved.find("selector")) {
    log::event(*logger(), spdlog::level::warn, {.job = job.id}, "rollout found running at start, never begun: ended");
    end(job.id, JobState::failed,
                     {{"error", "interrupted"},
                      {"message", "pivotd stopped before this rollout selected its clusters: nothing was started"}});
    return;
  }
  rollout.request.selector = saved.value("selector", "");
  if (const Detail* order = saved.find("order_by"); order && order->is_string()) rollout.request.order_by = order->as_string();
  rollout.request.concurrency = static_cast<int>(saved.value("concurrency", std::int64_t{1}));
  rollout.request.stop_on_failure = saved.value("stop_on_failure", true);
  rollout.request.dry_run = job.dry_run;
  rollout.halted = saved.value("halted", "");
  rollout.selected = saved.value("selected", false);
  for (const Detail& e : *entries) {
    Entry entry{.cluster = e.value("cluster", ""), .group = static_cast<int>(e.value("group", std::int64_t{0}))};
    if (const Detail* primary = e.find("expected_primary"); primary && primary->is_string()) {
      entry.expected_primary = primary->as_string();
    }
    entry.job = e.value("job", "");
    entry.state = e.value("state", "pending");
    entry.outcome = e.value("outcome", "");
    entry.error = e.value("error", "");
    entry.message = e.value("message", "");
    rollout.entries.push_back(std::move(entry));
  }
  rollout.grace_until_ms = clock_.steady_ms() + kResumeGraceMs;
  std::size_t started = 0;
  for (const auto& e : rollout.entries) started += e.job.empty() ? 0 : 1;
  log::event(*logger(), spdlog::level::warn, {.job = job.id},
             "rollout found running at start: resumed ({} of {} pivot(s) had been started)", started,
             rollout.entries.size());
  {
    std::lock_guard lock(mu_);
    incoming_.push_back(std::move(rollout));
    woken_ = true;
  }
  wake_.notify_all();
}

void RolloutRunner::loop() {
  while (true) {
    std::deque<Rollout> arrived;
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, std::chrono::seconds(1), [&] { return woken_ || stop_; });
      // Stopped: each rollout stays running, in memory and in the journal.
      if (stop_) return;
      woken_ = false;
      arrived.swap(incoming_);
    }
    for (auto& rollout : arrived) {
      if (!rollout.selected) select(rollout);
      if (rollout.request.dry_run) continue;  // select() ended it
      active_.push_back(std::move(rollout));
    }
    for (auto it = active_.begin(); it != active_.end();) {
      it = advance(*it) ? active_.erase(it) : it + 1;
    }
  }
}

// Each selected cluster's pivot status now: the primary a child is pinned
// to, and for a dry run the whole answer (the fleet's pivot status).
void RolloutRunner::select(Rollout& rollout) {
  registry_.started(rollout.id);
  JobStep step;
  step.name = "select";
  step.started_at_ms = clock_.wall_ms();
  registry_.record_step(rollout.id, step);
  Detail clusters = Detail::array();
  std::size_t eligible = 0;
  for (auto& entry : rollout.entries) {
    const PivotStatus status = ports_.pivot_status(entry.cluster);
    if (!status.primary.empty()) entry.expected_primary = status.primary;
    eligible += status.eligible ? 1 : 0;
    Detail one = rollout.request.dry_run ? detail_of(status) : Detail::object();
    one["cluster"] = entry.cluster;
    one["group"] = entry.group;
    one["eligible"] = status.eligible;
    one["primary"] = text_or_null(entry.expected_primary);
    one["candidate"] = status.candidate.empty() ? Detail() : Detail(status.candidate);
    if (rollout.request.dry_run && status.eligible) one["plan"] = pivot_plan_steps();
    clusters.push_back(std::move(one));
  }
  rollout.selected = true;
  step.state = StepState::succeeded;
  step.finished_at_ms = clock_.wall_ms();
  step.detail = {{"selector", rollout.request.selector},
                 {"order_by", text_or_null(rollout.request.order_by)},
                 {"clusters", clusters},
                 {"eligible", static_cast<std::int64_t>(eligible)}};
  step.summary = step_summary(step);
  registry_.record_step(rollout.id, step);
  if (rollout.request.dry_run) {
    // Nothing is started: the answer is the fleet's pivot status.
    Detail result = result_of(rollout);
    result.erase("children");
    result["clusters"] = clusters;
    result["eligible"] = static_cast<std::int64_t>(eligible);
    result["not_eligible"] = static_cast<std::int64_t>(rollout.entries.size() - eligible);
    end(rollout.id, JobState::succeeded, std::move(result));
    return;
  }
  registry_.set_result(rollout.id, result_of(rollout));
}

bool RolloutRunner::advance(Rollout& rollout) {
  bool changed = false;
  // The children that ran: their states as the registry has them now.
  for (auto& entry : rollout.entries) {
    if (!runs(entry)) continue;
    auto child = registry_.job(entry.job);
    if (!child) continue;
    const std::string state(protocol::to_string(child->state));
    if (state != entry.state) {
      entry.state = state;
      changed = true;
    }
    if (!child->finished()) continue;
    entry.outcome = outcome_of(*child);
    if (child->result.is_object()) {
      entry.error = child->result.value("error", "");
      entry.message = child->result.value("message", "");
    }
    log::event(*logger(), entry.outcome == "succeeded" ? spdlog::level::info : spdlog::level::warn,
               {.cluster = entry.cluster, .job = rollout.id}, "child {} ended {} ({})", entry.job, entry.state,
               entry.outcome);
    if (entry.outcome != "succeeded" && rollout.request.stop_on_failure && rollout.halted.empty()) {
      rollout.halted = "the pivot of " + entry.cluster + " (" + entry.job + ") " +
                       (entry.outcome == "not_eligible" ? "was not eligible" : "ended " + entry.state) +
                       ": stop_on_failure starts no more";
    }
  }
  const bool cancelled = cancel_asked(registry_.job(rollout.id));
  std::size_t in_flight = 0;
  for (const auto& entry : rollout.entries) in_flight += runs(entry) ? 1 : 0;
  while (!cancelled && rollout.halted.empty() &&
         in_flight < static_cast<std::size_t>(rollout.request.concurrency)) {
    auto next = std::find_if(rollout.entries.begin(), rollout.entries.end(),
                             [](const Entry& e) { return e.state == "pending"; });
    if (next == rollout.entries.end()) break;
    // An explicit order's group starts once every earlier group ended.
    const bool earlier_running = std::any_of(rollout.entries.begin(), rollout.entries.end(), [&](const Entry& e) {
      return runs(e) && e.group < next->group;
    });
    if (earlier_running) break;
    // Resumed: wait for the agents to report again (a fresh pivotd knows no
    // node yet: its pivot would be refused as not eligible), within a bound.
    if (clock_.steady_ms() < rollout.grace_until_ms && !ports_.pivot_status(next->cluster).eligible) break;
    auto child = ports_.start_pivot(next->cluster, next->expected_primary, rollout.requested_by);
    changed = true;
    if (!child) {
      next->state = "refused";
      next->outcome = "not_eligible";
      next->error = child.error().code;
      next->message = child.error().message;
      log::event(*logger(), spdlog::level::warn, {.cluster = next->cluster, .job = rollout.id},
                 "pivot refused: {}", next->message);
      if (rollout.request.stop_on_failure) {
        rollout.halted = "the pivot of " + next->cluster + " was refused (" + next->message +
                         "): stop_on_failure starts no more";
      }
      continue;
    }
    next->job = *child;
    next->state = "queued";
    ++in_flight;
    log::event(*logger(), spdlog::level::info, {.cluster = next->cluster, .job = rollout.id},
               "child pivot {} started (expected primary {})", *child, next->expected_primary.value_or("none"));
  }
  const bool pending = std::any_of(rollout.entries.begin(), rollout.entries.end(),
                                   [](const Entry& e) { return e.state == "pending"; });
  if (in_flight == 0 && (!pending || cancelled || !rollout.halted.empty())) {
    finish(rollout);
    return true;
  }
  if (changed) registry_.set_result(rollout.id, result_of(rollout));
  return false;
}

void RolloutRunner::finish(Rollout& rollout) {
  std::size_t not_started = 0;
  for (auto& entry : rollout.entries) {
    if (entry.state == "pending") {
      entry.state = "not_started";
      ++not_started;
    }
  }
  std::size_t succeeded = 0, not_eligible = 0, failed = 0;
  for (const auto& entry : rollout.entries) {
    succeeded += entry.outcome == "succeeded" ? 1 : 0;
    not_eligible += entry.outcome == "not_eligible" ? 1 : 0;
    failed += entry.outcome == "failed" || entry.outcome == "cancelled" ? 1 : 0;
  }
  Detail result = result_of(rollout);
  JobState state = JobState::succeeded;
  std::string message;
  if (cancel_asked(registry_.job(rollout.id))) {
    state = JobState::cancelled;
    result["error"] = "cancelled";
    message = "cancelled: " + std::to_string(not_started) + " cluster(s) not started";
  } else if (failed > 0 || not_eligible > 0) {
    state = JobState::failed;
    result["error"] = failed > 0 ? "child_failed" : "not_eligible";
    message = rollout.halted.empty() ? "some pivots did not succeed" : rollout.halted;
  } else {
    message = "every selected cluster pivoted";
  }
  message += " (" + std::to_string(succeeded) + " succeeded, " + std::to_string(failed) + " failed, " +
             std::to_string(not_eligible) + " not eligible, " + std::to_string(not_started) + " not started)";
  result["message"] = message;
  log::event(*logger(), state == JobState::succeeded ? spdlog::level::info : spdlog::level::warn, {.job = rollout.id},
             "rollout {}: {}", protocol::to_string(state), message);
  end(rollout.id, state, std::move(result));
}

// A rollout is not counted among the launched jobs while it runs (a stop
// does not wait for it: it holds no worker, and the next start resumes it),
// but the registry's finish() uncounts every job it ends.
void RolloutRunner::end(const std::string& id, JobState state, Detail result) {
  registry_.launched();
  registry_.finish(id, state, std::move(result));
}

Detail RolloutRunner::result_of(const Rollout& rollout) const {
  Detail clusters = Detail::array();
  Detail children = Detail::array();
  for (const auto& entry : rollout.entries) {
    clusters.push_back({{"cluster", entry.cluster},
                        {"group", entry.group},
                        {"expected_primary", text_or_null(entry.expected_primary)},
                        {"job", entry.job.empty() ? Detail() : Detail(entry.job)},
                        {"state", entry.state},
                        {"outcome", entry.outcome.empty() ? Detail() : Detail(entry.outcome)},
                        {"error", entry.error.empty() ? Detail() : Detail(entry.error)},
                        {"message", entry.message.empty() ? Detail() : Detail(entry.message)}});
    if (!entry.job.empty() || entry.state == "refused") {
      children.push_back({{"cluster", entry.cluster},
                          {"job", entry.job.empty() ? Detail() : Detail(entry.job)},
                          {"state", entry.state}});
    }
  }
  return {{"selector", rollout.request.selector},
          {"order_by", text_or_null(rollout.request.order_by)},
          {"concurrency", rollout.request.concurrency},
          {"stop_on_failure", rollout.request.stop_on_failure},
          {"dry_run", rollout.request.dry_run},
          {"selected", rollout.selected},
          {"halted", rollout.halted.empty() ? Detail() : Detail(rollout.halted)},
          {"clusters", std::move(clusters)},
          {"children", std::move(children)}};
}

}  // namespace pivot::controller
