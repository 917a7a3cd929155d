// pivotctl tui: keys to intents, intents and feed updates to the model.
#include "pivot/ctl/tui_model.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "pivot/ctl/format.hpp"
#include "pivot/ctl/job_follower.hpp"

namespace pivot::ctl::tui {

namespace {

using nlohmann::json;

// Screens whose selection moves over rows; the others scroll. The cap keeps
// a scroll offset in reach of `k` (the view clamps it to the text it has).
constexpr std::size_t kScrollCap = 500;
constexpr std::size_t kPage = 10;
// Jobs the stream adds to the list (pivotd's first read gives 50): a TUI
// left open for days keeps the newest ones.
constexpr std::size_t kJobsKept = 200;

std::size_t array_size(const json& value) { return value.is_array() ? value.size() : 0; }

const json& agents_list(const json& agents) { return agents.is_array() ? agents : member(agents, "agents"); }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool matches(const json& cluster, const std::string& filter) {
  if (filter.empty()) return true;
  return contains(string_of(cluster, "name"), filter) || contains(labels_text(member(cluster, "labels")), filter);
}

// The status line's news; the view drops it kNoticeMs later.
void say(Model& model, std::string text, bool is_error) {
  model.notice = std::move(text);
  model.notice_is_error = is_error;
  model.notice_at_ms = model.latest_ms;
}

void push(Model& model, Screen screen) {
  if (current(model) != screen) model.stack.push_back(screen);
  model.selected[screen] = 0;
}

// Leaving the pivot screen before the pivot started declines it: nothing was sent.
void leave_pivot(Model& model) {
  if (model.pivot.stage == PivotFlow::Stage::dry_run || model.pivot.stage == PivotFlow::Stage::confirm) {
    say(model, "Not pivoted: " + model.pivot.cluster + " was left as it was", false);
  }
  model.pivot = PivotFlow{};
}

void pop(Model& model) {
  if (model.stack.size() <= 1) return;
  if (current(model) == Screen::pivot) leave_pivot(model);
  model.stack.pop_back();
}

// The cluster an `s` or `p` means: the one open, else the fleet's selection.
std::optional<std::string> cluster_in_context(const Model& model) {
  const Screen screen = current(model);
  if (screen == Screen::fleet) {
    const auto visible = visible_clusters(model);
    const std::size_t i = model.selected.count(Screen::fleet) ? model.selected.at(Screen::fleet) : 0;
    if (i < visible.size()) return string_of(*visible[i], "name");
    return std::nullopt;
  }
  if (screen == Screen::cluster || screen == Screen::pivot_status) return model.cluster;
  return std::nullopt;
}

void move(Model& model, long delta) {
  const Screen screen = current(model);
  const std::size_t rows = row_count(model, screen);
  const std::size_t last = rows == 0 ? kScrollCap : rows - 1;
  std::size_t& sel = model.selected[screen];
  if (delta < 0) {
    const auto back = static_cast<std::size_t>(-delta);
    sel = sel > back ? sel - back : 0;
  } else {
    sel = std::min(last, sel + static_cast<std::size_t>(delta));
  }
}

void open(Model& model) {
  const Screen screen = current(model);
  const std::size_t sel = model.selected[screen];
  if (screen == Screen::fleet) {
    const auto visible = visible_clusters(model);
    if (sel >= visible.size()) return;
    model.cluster = string_of(*visible[sel], "name");
    push(model, Screen::cluster);
  } else if (screen == Screen::jobs) {
    if (sel >= array_size(model.jobs)) return;
    model.job = string_of(model.jobs[sel], "id");
    push(model, Screen::job);
  }
}

std::vector<Action> start_pivot_status(Model& model) {
  const auto cluster = cluster_in_context(model);
  if (!cluster) {
    say(model, "s (pivot status) works on the fleet's selection or an open cluster", false);
    return {};
  }
  model.cluster = *cluster;
  model.status_cluster = *cluster;
  model.status_job.clear();
  model.status_error.clear();
  if (current(model) != Screen::pivot_status) push(model, Screen::pivot_status);
  model.selected[Screen::pivot_status] = 0;
  return {Action{ActionKind::pivot_status, *cluster, "", "", ""}};
}

std::vector<Action> start_dry_run(Model& model) {
  const auto cluster = cluster_in_context(model);
  if (!cluster) {
    say(model, "p (pivot) works on the fleet's selection or an open cluster", false);
    return {};
  }
  model.cluster = *cluster;
  model.pivot = PivotFlow{};
  model.pivot.stage = PivotFlow::Stage::dry_run;
  model.pivot.cluster = *cluster;
  push(model, Screen::pivot);
  return {Action{ActionKind::dry_run, *cluster, "", "", ""}};
}

std::vector<Action> submit_confirmation(Model& model) {
  PivotFlow& flow = model.pivot;
  if (flow.typed != flow.cluster) {
    flow.stage = PivotFlow::Stage::declined;
    flow.message = "you typed '" + flow.typed + "', not '" + flow.cluster + "'";
    say(model, "Not pivoted: " + flow.message + "; nothing was changed", false);
    return {};
  }
  flow.stage = PivotFlow::Stage::starting;
  return {Action{ActionKind::pivot, flow.cluster, flow.new_primary, flow.old_primary, ""}};
}

// `c` on the job screen asks first (y/N); a job known to have ended is not
// asked about. pivotd decides the rest (409 once the fence began).
void ask_cancel(Model& model) {
  if (current(model) != Screen::job) {
    say(model, "c cancels the job on screen (J, then Enter on a job)", false);
    return;
  }
  auto held = model.job_details.find(model.job);
  if (held != model.job_details.end() && job_finished(held->second)) {
    say(model, "Job " + model.job + " already ended " + string_of(held->second, "state") + ": nothing to cancel",
        false);
    return;
  }
  model.cancel_confirm = model.job;
}

std::vector<Action> answer_cancel(Model& model, bool yes) {
  const std::string id = std::exchange(model.cancel_confirm, "");
  if (!yes) {
    say(model, "Not cancelled: job " + id + " goes on", false);
    return {};
  }
  say(model, "Cancelling job " + id + " ...", false);
  auto held = model.job_details.find(id);
  const std::string cluster = held == model.job_details.end() ? "" : string_of(held->second, "cluster");
  return {Action{ActionKind::cancel, cluster, "", "", id}};
}

// F, A and M on an open cluster: each asks its question first, where it
// applies (what the cluster's failover view says), else says why not.
void ask(Model& model, Prompt::Kind kind) {
  if (current(model) != Screen::cluster || model.cluster.empty()) {
    say(model, "F (failover), A (acknowledge) and M (maintenance) work on an open cluster (Enter on the fleet)", false);
    return;
  }
  const json* detail = nullptr;
  if (auto it = model.cluster_details.find(model.cluster); it != model.cluster_details.end()) detail = &it->second;
  const json& failover = detail ? member(*detail, "failover") : member(json(), "");
  if (kind == Prompt::Kind::failover && detail && member(*detail, "primary").is_string()) {
    say(model, "F: " + model.cluster + "'s primary " + string_of(*detail, "primary") +
                   " is writable: a failover would be refused (p pivots)", false);
    return;
  }
  if (kind == Prompt::Kind::acknowledge) {
    const json& last = member(failover, "last_failover");
    const json& acknowledged = member(last, "acknowledged");
    if (!last.is_object() || (acknowledged.is_boolean() && acknowledged.get<bool>())) {
      say(model, "A: " + model.cluster + " has no failover waiting for an acknowledge" +
                     " (to clear a needs_rebuild mark: pivotctl acknowledge --rebuilt NODE)", false);
      return;
    }
  }
  if (kind == Prompt::Kind::maintenance_until && member(failover, "maintenance").is_object()) {
    kind = Prompt::Kind::end_maintenance;
  }
  model.prompt = Prompt{kind, model.cluster, "", "", ""};
}

// The line typed as the action's text (a comment, a reason; a window's end
// given before), or, when it is blank, `needed` said under the question.
std::vector<Action> text_answer(Model& model, ActionKind kind, const char* needed) {
  Prompt& p = model.prompt;
  if (p.typed.find_first_not_of(' ') == std::string::npos) {
    p.problem = needed;
    return {};
  }
  Action action{kind, p.cluster, "", "", ""};
  action.text = p.typed;
  action.until = p.until;
  model.prompt = Prompt{};
  return {action};
}

// Enter on a prompt: the action, the next question, or what was wrong.
std::vector<Action> answer_prompt(Model& model) {
  Prompt& p = model.prompt;
  const std::string cluster = p.cluster;
  using K = Prompt::Kind;
  switch (p.kind) {
    case K::none: return {};
    case K::failover:
    case K::end_maintenance: {
      const bool failover = p.kind == K::failover;
      if (p.typed != cluster) {
        say(model, std::string(failover ? "Not failed over" : "Maintenance goes on") + ": you typed '" + p.typed +
                       "', not '" + cluster + "'",
            false);
        model.prompt = Prompt{};
        return {};
      }
      model.prompt = Prompt{};
      say(model, failover ? "Failing over " + cluster + " ..." : "Ending the maintenance of " + cluster + " ...", false);
      return {Action{failover ? ActionKind::failover : ActionKind::end_maintenance, cluster, "", "", ""}};
    }
    case K::acknowledge: return text_answer(model, ActionKind::acknowledge, "a comment is needed: what was done");
    case K::maintenance_until:
      if (!parse_rfc3339_ms(p.typed) && !parse_duration_ms(p.typed)) {
        p.problem = "'" + p.typed + "' is neither a duration (90s, 30m, 2h, 1d) nor an RFC 3339 time with its offset";
        p.typed.clear();
        return {};
      }
      p.until = std::exchange(p.typed, "");
      p.kind = K::maintenance_reason;
      p.problem.clear();
      return {};
    case K::maintenance_reason: return text_answer(model, ActionKind::set_maintenance, "a reason is needed");
  }
  return {};
}

// acknowledge, set_maintenance, end_maintenance: pivotd's answer is the
// cluster's failover view as it now is.
void policy_answered(Model& model, const Update& update) {
  if (auto held = model.cluster_details.find(update.cluster); held != model.cluster_details.end()) {
    held->second["failover"] = member(update.body, "failover");
  }
  switch (*update.action) {
    case ActionKind::acknowledge: say(model, "Acknowledged the last failover of " + update.cluster, false); break;
    case ActionKind::set_maintenance: {
      const json& window = member(member(update.body, "failover"), "maintenance");
      say(model, "Maintenance of " + update.cluster + " until " + short_time(string_of(window, "until")) +
                     ": no automatic failover, no pivot", false);
      break;
    }
    case ActionKind::end_maintenance: say(model, "Maintenance of " + update.cluster + " ended", false); break;
    default: break;
  }
}

// A job read, sent by the stream, or answered by a cancel: kept by id and in
// the list, unless it is behind what is held (a replayed event, a read that
// crossed an event). A job new to the list is pivotd's newest: first, and
// its cluster's last job. False when it was behind.
bool take_job(Model& model, const std::string& id, const json& body) {
  if (auto held = model.job_details.find(id); held != model.job_details.end() && job_behind(body, held->second)) {
    return false;
  }
  model.job_details[id] = body;
  if (!model.jobs.is_array()) model.jobs = json::array();
  for (auto& listed : model.jobs) {
    if (string_of(listed, "id") != id) continue;
    if (!job_behind(body, listed)) listed = body;
    return true;
  }
  model.jobs.insert(model.jobs.begin(), body);
  if (model.jobs.size() > kJobsKept) model.jobs.erase(model.jobs.end() - 1);
  for (auto& c : model.clusters) {
    if (string_of(c, "name") == string_of(body, "cluster")) c["last_job"] = id;
  }
  return true;
}

void cancel_answered(Model& model, const Update& update) {
  take_job(model, update.key, update.body);
  const std::string state = string_of(update.body, "state");
  const std::string message = string_of(member(update.body, "result"), "message");
  if (state == "cancelled") {
    say(model, "Job " + update.key + " " + (message.empty() ? "cancelled" : message), false);
  } else {
    say(model, "Job " + update.key + ": cancel asked, still " + state + " (it stops before its next step)", false);
  }
}

// A node event: the node replaces its row in the cluster held (pivotd
// sends the whole node object); a cluster not held is read when opened.
void take_node(Model& model, const std::string& cluster, const json& node) {
  auto held = model.cluster_details.find(cluster);
  if (held == model.cluster_details.end() || !node.is_object()) return;
  json& nodes = held->second["nodes"];
  if (!nodes.is_array()) nodes = json::array();
  json row = node;
  row.erase("cluster");
  for (auto& n : nodes) {
    if (string_of(n, "name") == string_of(row, "name")) {
      n = std::move(row);
      return;
    }
  }
  nodes.push_back(std::move(row));
}

// A cluster event: its observed primary and health, on the fleet's row and
// the cluster held. HEALTHY and MAX LAG come from the lists' reads.
void take_cluster_state(Model& model, const std::string& name, const json& state) {
  for (auto& c : model.clusters) {
    if (string_of(c, "name") != name) continue;
    c["primary"] = member(state, "primary");
    c["health"] = member(state, "health");
  }
  if (auto held = model.cluster_details.find(name); held != model.cluster_details.end()) {
    held->second["primary"] = member(state, "primary");
    held->second["health"] = member(state, "health");
  }
}

void went_live(Model& model, const Update& update) {
  if (model.link == Link::reconnecting) {
    say(model, std::string("live again: ") + (model.reachable ? "the event stream is back" : "pivotd answers again") +
                   " after " + format_age_ms(update.at_ms - std::min(update.at_ms, model.link_since_ms)), false);
  } else if (!model.reachable) {
    say(model, "live: pivotd answers (it was unreachable for " +
                   format_age_ms(update.at_ms - std::min(update.at_ms, model.unreachable_since_ms)) + ")", false);
  }
  model.link = Link::live;
  model.link_message.clear();
  model.reachable = true;
  model.heard = true;
}

// The dry run ended: its plan waits for the cluster's name, or it says why not.
void dry_run_finished(Model& model, const json& job) {
  PivotFlow& flow = model.pivot;
  const json& result = member(job, "result");
  const json& eligible = member(result, "eligible");
  if (eligible.is_boolean() && !eligible.get<bool>()) {
    flow.stage = PivotFlow::Stage::refused;
    return;
  }
  flow.old_primary = string_of(result, "old_primary");
  if (flow.old_primary.empty()) flow.old_primary = string_of(result, "primary");
  flow.new_primary = string_of(result, "new_primary");
  if (flow.new_primary.empty()) flow.new_primary = string_of(result, "candidate");
  if (string_of(job, "state") != "succeeded" || flow.old_primary.empty() || flow.new_primary.empty()) {
    flow.stage = PivotFlow::Stage::failed;
    flow.message = "the dry run (job " + string_of(job, "id") + ") ended " + string_of(job, "state") +
                   (flow.new_primary.empty() ? " without a candidate" : "") + "; nothing was changed";
    return;
  }
  flow.stage = PivotFlow::Stage::confirm;
  flow.typed.clear();
}

void action_started(Model& model, const Update& update) {
  switch (*update.action) {
    case ActionKind::pivot_status:
      if (update.cluster == model.status_cluster) model.status_job = update.key;
      break;
    case ActionKind::dry_run:
      if (model.pivot.stage == PivotFlow::Stage::dry_run && model.pivot.cluster == update.cluster) {
        model.pivot.dry_job = update.key;
      }
      break;
    case ActionKind::pivot:
      if (auto dry = model.job_details.find(model.pivot.dry_job); dry != model.job_details.end()) {
        model.plans[update.key] = member(member(dry->second, "result"), "plan");
      }
      say(model, "Pivot job " + update.key + " started: " + update.cluster + " from " + model.pivot.old_primary +
                     " to " + model.pivot.new_primary, false);
      model.pivot = PivotFlow{};
      model.job = update.key;
      if (current(model) == Screen::pivot) model.stack.pop_back();
      push(model, Screen::job);
      break;
    case ActionKind::failover:
      say(model, "Failover job " + update.key + " started: " + update.cluster, false);
      model.job = update.key;
      push(model, Screen::job);
      break;
    case ActionKind::cancel:  // answered `done` (cancel_answered), never `started`
    case ActionKind::acknowledge:
    case ActionKind::set_maintenance:
    case ActionKind::end_maintenance: break;  // answered `done` (policy_answered)
  }
}

void action_failed(Model& model, const Update& update) {
  if (update.action == ActionKind::pivot_status && update.cluster == model.status_cluster) {
    model.status_error = update.message;
  }
  if ((update.action == ActionKind::dry_run || update.action == ActionKind::pivot) &&
      update.cluster == model.pivot.cluster) {
    model.pivot.stage = PivotFlow::Stage::failed;
    model.pivot.message = update.message;
  }
}

}  // namespace

Screen current(const Model& model) { return model.stack.empty() ? Screen::fleet : model.stack.back(); }

std::vector<const json*> visible_clusters(const Model& model) {
  std::vector<const json*> out;
  if (!model.clusters.is_array()) return out;
  for (const auto& c : model.clusters) {
    if (matches(c, model.filter)) out.push_back(&c);
  }
  return out;
}

std::size_t row_count(const Model& model, Screen screen) {
  switch (screen) {
    case Screen::fleet: return visible_clusters(model).size();
    case Screen::cluster: {
      auto it = model.cluster_details.find(model.cluster);
      return it == model.cluster_details.end() ? 0 : array_size(member(it->second, "nodes"));
    }
    case Screen::jobs: return array_size(model.jobs);
    case Screen::agents: return array_size(agents_list(model.agents));
    default: return 0;
  }
}

bool typing(const Model& model) {
  if (model.prompt.kind != Prompt::Kind::none) return true;
  if (current(model) == Screen::fleet && model.editing_filter) return true;
  return current(model) == Screen::pivot && model.pivot.stage == PivotFlow::Stage::confirm;
}

Intent intent_for(const Model& model, const Key& key) {
  using C = Key::Code;
  if (!model.cancel_confirm.empty()) {  // y/N: anything but y keeps the job
    if (key.code == C::character && (key.ch == 'y' || key.ch == 'Y')) return {IntentKind::confirm_yes};
    return key.code == C::none ? Intent{} : Intent{IntentKind::confirm_no};
  }
  if (typing(model)) {
    switch (key.code) {
      case C::character:
        if (static_cast<unsigned char>(key.ch) >= 0x20 && key.ch != 0x7f) return {IntentKind::text, key.ch};
        return {};
      case C::backspace: return {IntentKind::erase};
      case C::enter: return {IntentKind::submit};
      case C::escape: return {IntentKind::cancel};
      default: return {};
    }
  }
  switch (key.code) {
    case C::up: return {IntentKind::up};
    case C::down: return {IntentKind::down};
    case C::page_up: return {IntentKind::page_up};
    case C::page_down: return {IntentKind::page_down};
    case C::home: return {IntentKind::top};
    case C::end: return {IntentKind::bottom};
    case C::enter: return {IntentKind::open};
    case C::escape: return {IntentKind::back};
    case C::character: break;
    default: return {};
  }
  switch (key.ch) {
    case 'q': return {IntentKind::quit_or_back};
    case 'j': return {IntentKind::down};
    case 'k': return {IntentKind::up};
    case 'g': return {IntentKind::top};
    case 'G': return {IntentKind::bottom};
    case '?': return {IntentKind::help};
    case '/': return {IntentKind::filter};
    case 's': return {IntentKind::pivot_status};
    case 'p': return {IntentKind::pivot};
    case 'J': return {IntentKind::jobs};
    case 'a': return {IntentKind::agents};
    case 'c': return {IntentKind::cancel_job};
    case 'F': return {IntentKind::failover};
    case 'A': return {IntentKind::acknowledge};
    case 'M': return {IntentKind::maintenance};
    case '\n': case '\r': return {IntentKind::open};
    default: return {};
  }
}

std::vector<Action> apply(Model& model, const Intent& intent) {
  switch (intent.kind) {
    case IntentKind::none: break;
    case IntentKind::quit_or_back:
      if (model.stack.size() <= 1) {
        model.quit = true;
      } else {
        pop(model);
      }
      break;
    case IntentKind::back:
      if (model.stack.size() > 1) {
        pop(model);
      } else {
        model.filter.clear();  // Esc on the fleet clears its filter
      }
      break;
    case IntentKind::up: move(model, -1); break;
    case IntentKind::down: move(model, 1); break;
    case IntentKind::page_up: move(model, -static_cast<long>(kPage)); break;
    case IntentKind::page_down: move(model, static_cast<long>(kPage)); break;
    case IntentKind::top: model.selected[current(model)] = 0; break;
    case IntentKind::bottom: move(model, static_cast<long>(kScrollCap)); break;
    case IntentKind::open: open(model); break;
    case IntentKind::help: push(model, Screen::help); break;
    case IntentKind::filter:
      if (current(model) == Screen::fleet) {
        model.editing_filter = true;
        model.selected[Screen::fleet] = 0;
      } else {
        say(model, "/ filters the fleet (q goes back to it)", false);
      }
      break;
    case IntentKind::pivot_status: return start_pivot_status(model);
    case IntentKind::pivot: return start_dry_run(model);
    case IntentKind::jobs: push(model, Screen::jobs); break;
    case IntentKind::agents: push(model, Screen::agents); break;
    case IntentKind::cancel_job: ask_cancel(model); break;
    case IntentKind::confirm_yes: return answer_cancel(model, true);
    case IntentKind::confirm_no: answer_cancel(model, false); break;
    case IntentKind::failover: ask(model, Prompt::Kind::failover); break;
    case IntentKind::acknowledge: ask(model, Prompt::Kind::acknowledge); break;
    case IntentKind::maintenance: ask(model, Prompt::Kind::maintenance_until); break;
    case IntentKind::text:
      if (model.prompt.kind != Prompt::Kind::none) {
        model.prompt.typed += intent.ch;
      } else if (model.editing_filter) {
        model.filter += intent.ch;
        model.selected[Screen::fleet] = 0;
      } else if (model.pivot.stage == PivotFlow::Stage::confirm) {
        model.pivot.typed += intent.ch;
      }
      break;
    case IntentKind::erase:
      if (model.prompt.kind != Prompt::Kind::none) {
        if (!model.prompt.typed.empty()) model.prompt.typed.pop_back();
        break;
      }
      if (model.editing_filter && !model.filter.empty()) model.filter.pop_back();
      if (!model.editing_filter && !model.pivot.typed.empty()) model.pivot.typed.pop_back();
      break;
    case IntentKind::submit:
      if (model.prompt.kind != Prompt::Kind::none) return answer_prompt(model);
      if (model.editing_filter) {
        model.editing_filter = false;
      } else if (model.pivot.stage == PivotFlow::Stage::confirm) {
        return submit_confirmation(model);
      }
      break;
    case IntentKind::cancel:
      if (model.prompt.kind != Prompt::Kind::none) {
        say(model, "Nothing was changed on " + model.prompt.cluster, false);
        model.prompt = Prompt{};
        break;
      }
      if (model.editing_filter) {
        model.editing_filter = false;
        model.filter.clear();
      } else if (model.pivot.stage == PivotFlow::Stage::confirm) {
        model.pivot.stage = PivotFlow::Stage::declined;
        model.pivot.message = "cancelled";
        say(model, "Not pivoted: cancelled; nothing was changed", false);
      }
      break;
  }
  return {};
}

void apply(Model& model, const Update& update) {
  model.latest_ms = std::max(model.latest_ms, update.at_ms);
  if (update.kind != UpdateKind::failed) model.read_errors.erase({update.kind, update.key});
  switch (update.kind) {
    case UpdateKind::clusters:
      model.clusters = update.body.is_array() ? update.body : json::array();
      break;
    case UpdateKind::cluster: model.cluster_details[update.key] = update.body; break;
    case UpdateKind::jobs:
      model.jobs = update.body.is_array() ? update.body : member(update.body, "jobs");
      if (!model.jobs.is_array()) model.jobs = json::array();
      break;
    case UpdateKind::agents: model.agents = update.body; break;
    case UpdateKind::job:
      if (!take_job(model, update.key, update.body)) return;
      if (model.pivot.stage == PivotFlow::Stage::dry_run && update.key == model.pivot.dry_job &&
          job_finished(update.body)) {
        dry_run_finished(model, update.body);
      }
      break;
    case UpdateKind::node: take_node(model, update.key, update.body); break;
    case UpdateKind::cluster_state: take_cluster_state(model, update.key, update.body); break;
    case UpdateKind::started: if (update.action) action_started(model, update); return;
    case UpdateKind::done:
      if (update.action == ActionKind::cancel) cancel_answered(model, update);
      if (update.action == ActionKind::acknowledge || update.action == ActionKind::set_maintenance ||
          update.action == ActionKind::end_maintenance) {
        policy_answered(model, update);
      }
      return;
    case UpdateKind::failed:
      say(model, update.message, true);
      if (update.failed_read) model.read_errors[{*update.failed_read, update.key}] = update.message;
      if (update.action) action_failed(model, update);
      return;
    case UpdateKind::unreachable:
      if (model.reachable) model.unreachable_since_ms = update.at_ms;
      model.reachable = false;
      model.unreachable_message = update.message;
      return;
    case UpdateKind::reachable:
      if (!model.reachable) {
        say(model, "pivotd answers again (it was unreachable for " +
                       format_age_ms(update.at_ms - std::min(update.at_ms, model.unreachable_since_ms)) + ")", false);
      }
      model.reachable = true;
      model.heard = true;
      return;
    case UpdateKind::live: went_live(model, update); return;
    case UpdateKind::reconnecting:
      if (model.link != Link::reconnecting) model.link_since_ms = update.at_ms;
      model.link = Link::reconnecting;
      model.link_message = update.message;
      return;
    case UpdateKind::polling:
      model.link = Link::polling;
      model.link_message = update.message;
      say(model, update.message, false);
      return;
  }
  model.last_update_ms = update.at_ms;
  // Rows may have gone: keep the selection on one that exists.
  const std::size_t rows = row_count(model, current(model));
  if (rows > 0 && model.selected[current(model)] >= rows) model.selected[current(model)] = rows - 1;
}

bool job_behind(const json& job, const json& than) {
  const auto progress = [](const json& j) {
    const json& steps = member(j, "steps");
    std::size_t ended = 0;
    if (steps.is_array()) ended = static_cast<std::size_t>(std::count_if(steps.begin(), steps.end(), step_finished));
    return std::tuple(job_finished(j), array_size(steps), ended);
  };
  return progress(job) < progress(than);
}

std::string read_error(const Model& model, UpdateKind kind, const std::string& key) {
  auto it = model.read_errors.find({kind, key});
  return it == model.read_errors.end() ? "" : it->second;
}

void clamp_scroll(Model& model, std::size_t most) {
  const Screen screen = current(model);
  if (row_count(model, screen) > 0) return;
  std::size_t& offset = model.selected[screen];
  offset = std::min(offset, most);
}

Focus focus_of(const Model& model) {
  Focus focus;
  for (Screen s : model.stack) {
    if (s == Screen::cluster || s == Screen::pivot_status || s == Screen::pivot) focus.cluster = model.cluster;
  }
  auto add = [&](const std::string& id) {
    if (!id.empty() && std::find(focus.jobs.begin(), focus.jobs.end(), id) == focus.jobs.end()) focus.jobs.push_back(id);
  };
  const Screen screen = current(model);
  focus.agents = screen == Screen::agents;
  if (screen == Screen::job) add(model.job);
  if (screen == Screen::pivot_status) add(model.status_job);
  if (screen == Screen::pivot) add(model.pivot.dry_job);
  return focus;
}

}  // namespace pivot::ctl::tui
