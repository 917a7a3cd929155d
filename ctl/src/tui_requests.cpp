// pivotctl tui: an action's POST and a read's reply, as the model's updates.
#include "pivot/ctl/tui_requests.hpp"

#include "pivot/ctl/format.hpp"

namespace pivot::ctl::tui {

namespace {

using nlohmann::json;

std::string action_path(const Action& action) {
  switch (action.kind) {
    case ActionKind::pivot_status: return "/v1/clusters/" + url_encode(action.cluster) + "/pivot-status";
    case ActionKind::dry_run:
    case ActionKind::pivot: return "/v1/clusters/" + url_encode(action.cluster) + "/pivot";
    case ActionKind::cancel: return "/v1/jobs/" + url_encode(action.job) + "/cancel";
  }
  return "";
}

json action_body(const Action& action) {
  switch (action.kind) {
    case ActionKind::pivot_status:
    case ActionKind::cancel: return json::object();
    case ActionKind::dry_run: return json{{"dry_run", true}};
    case ActionKind::pivot:
      // Pinned to what the operator saw: pivotd answers 412 if the primary changed.
      return json{{"candidate", action.candidate}, {"expected_primary", action.expected_primary}};
  }
  return json::object();
}

}  // namespace

Update saying(UpdateKind kind, std::string message) {
  Update update;
  update.kind = kind;
  update.message = std::move(message);
  return update;
}

Update send_action(ApiClient& api, const Action& action) {
  ApiReply reply = api.post(action_path(action), action_body(action));
  Update update;
  update.action = action.kind;
  update.cluster = action.cluster;
  if (reply.ok() && action.kind == ActionKind::cancel) {
    update.kind = UpdateKind::done;  // 200 with the job as the cancel left it
    update.key = action.job;
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
