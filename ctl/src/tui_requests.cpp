// pivotctl tui: an action's POST and a read's reply, as the model's updates.
#include "pivot/ctl/tui_requests.hpp"

#include "pivot/ctl/format.hpp"

namespace pivot::ctl::tui {

namespace {

using nlohmann::json;

std::string action_path(const Action& action) {
  const std::string cluster = "/v1/clusters/" + url_encode(action.cluster);
  switch (action.kind) {
    case ActionKind::pivot_status: return cluster + "/pivot-status";
    case ActionKind::dry_run:
    case ActionKind::pivot: return cluster + "/pivot";
    case ActionKind::cancel: return "/v1/jobs/" + url_encode(action.job) + "/cancel";
    case ActionKind::failover: return cluster + "/failover";
    case ActionKind::acknowledge: return cluster + "/acknowledge";
    case ActionKind::set_maintenance:
    case ActionKind::end_maintenance: return cluster + "/maintenance";
  }
  return "";
}

json action_body(const Action& action, std::uint64_t wall_ms) {
  switch (action.kind) {
    case ActionKind::pivot_status:
    case ActionKind::cancel:
    case ActionKind::failover:
    case ActionKind::end_maintenance: return json::object();
    case ActionKind::dry_run: return json{{"dry_run", true}};
    case ActionKind::pivot:
      // Pinned to what the operator saw: pivotd answers 412 if the primary changed.
      return json{{"candidate", action.candidate}, {"expected_primary", action.expected_primary}};
    case ActionKind::acknowledge: return json{{"comment", action.text}};
    case ActionKind::set_maintenance: {
      // A duration counts from now; a time goes as typed (pivotd reads its offset).
      std::string until = action.until;
      if (!parse_rfc3339_ms(until)) {
        if (const auto duration = parse_duration_ms(until)) until = format_rfc3339_ms(wall_ms + *duration);
      }
      return json{{"until", until}, {"reason", action.text}};
    }
  }
  return json::object();
}

ApiReply call(ApiClient& api, const Action& action, std::uint64_t wall_ms) {
  switch (action.kind) {
    case ActionKind::set_maintenance: return api.put(action_path(action), action_body(action, wall_ms));
    case ActionKind::end_maintenance: return api.del(action_path(action));
    default: return api.post(action_path(action), action_body(action, wall_ms));
  }
}

// Actions whose answer is 200 with a body (not 202 with a job).
bool answered_at_once(ActionKind kind) {
  return kind == ActionKind::cancel || kind == ActionKind::acknowledge || kind == ActionKind::set_maintenance ||
         kind == ActionKind::end_maintenance;
}

}  // namespace

Update saying(UpdateKind kind, std::string message) {
  Update update;
  update.kind = kind;
  update.message = std::move(message);
  return update;
}

Update send_action(ApiClient& api, const Action& action, std::uint64_t wall_ms) {
  ApiReply reply = call(api, action, wall_ms);
  Update update;
  update.action = action.kind;
  update.cluster = action.cluster;
  if (reply.ok() && answered_at_once(action.kind)) {
    // cancel: 200 with the job as the cancel left it; the others: the
    // cluster's failover view.
    update.kind = UpdateKind::done;
    update.key = action.kind == ActionKind::cancel ? action.job : action.cluster;
    update.body = std::move(reply.body);
    return update;
  }
  const std::string id = reply.ok() ? string_of(reply.body, "job") : "";
  if (!id.empty()) {
    update.kind = UpdateKind::started;
    update.key = id;
  } else {
    update.kind = UpdateKind::failed;
    update.message = reply.ok() ? "pivotd accepted " + action_path(action) + " but named no job"
                                : describe(*reply.error);
  }
  return update;
}

Update read_update(const std::string& target, UpdateKind kind, const std::string& key, ApiReply reply) {
  Update update;
  if (reply.ok()) {
    update.kind = kind;
    update.body = std::move(reply.body);
    update.key = key;
    return update;
  }
  if (reply.error->status == 0) {
    update.kind = UpdateKind::unreachable;
    update.message = reply.error->message;
    return update;
  }
  update.kind = UpdateKind::failed;
  update.message = target + ": " + describe(*reply.error);
  update.failed_read = kind;
  update.key = key;
  return update;
}

void UpdateQueue::push(Update update) {
  update.at_ms = clock_.now_ms();
  std::lock_guard lock(mutex_);
  updates_.push_back(std::move(update));
}

std::vector<Update> UpdateQueue::drain() {
  std::lock_guard lock(mutex_);
  std::vector<Update> out;
  out.swap(updates_);
  return out;
}

}  // namespace pivot::ctl::tui
