#pragma once
// pivotctl tui's model (htop's shape: scan -> intents -> model -> view ->
// draw). Keys become intents, the feed's replies become updates; both change
// the model here, and nothing else does. Pure: no terminal, no network, no
// clock (times come in with the updates and the view's `now`).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pivot::ctl::tui {

enum class Screen { fleet, cluster, pivot_status, pivot, job, jobs, agents, help };

// A key as the terminal adapter read it; `ch` is the byte of a character key.
struct Key {
  enum class Code { character, up, down, page_up, page_down, home, end, enter, escape, backspace, none };
  Code code = Code::none;
  char ch = 0;
};

enum class IntentKind {
  none, quit_or_back, back, up, down, page_up, page_down, top, bottom, open, help, filter,
  pivot_status, pivot, jobs, agents, cancel_job,
  failover, acknowledge, maintenance,  // on an open cluster: each asks first (Prompt)
  text, erase, submit, cancel,  // while typing (the filter, a pivot's confirmation, a prompt)
  confirm_yes, confirm_no,      // the answer to a y/N question (cancel a job?)
};
struct Intent {
  IntentKind kind = IntentKind::none;
  char ch = 0;  // text
};

// What the model asks of pivotd; the feed sends it and answers with an
// Update (started with the job id, done with pivotd's answer, or failed).
enum class ActionKind { pivot_status, dry_run, pivot, cancel, failover, acknowledge, set_maintenance, end_maintenance };
struct Action {
  ActionKind kind = ActionKind::pivot_status;
  std::string cluster;
  std::string candidate;         // pivot: the dry run's candidate
  std::string expected_primary;  // pivot: the primary the operator saw (412 if it changed)
  std::string job{};             // cancel: the job
  std::string text{};            // acknowledge: the comment; set_maintenance: the reason
  std::string until{};           // set_maintenance: RFC 3339, or a duration from now (the feed resolves it)
  bool operator==(const Action&) const = default;
};

// What the feed hands the UI loop: a reply read, an event, an action's
// outcome, whether pivotd answers at all, and how the feed is connected.
enum class UpdateKind {
  clusters, cluster, jobs, job, agents,   // a list or an object read (a job event is a `job`)
  node, cluster_state,                    // the event stream's `node` and `cluster` events
  started, done, failed,                  // an action's outcome
  reachable, unreachable,
  live, reconnecting, polling,            // the event feed: streaming, reconnecting, fell back to polling
};
struct Update {
  UpdateKind kind = UpdateKind::reachable;
  std::string key;                   // cluster, node, cluster_state: the cluster; job, started, done: the job id
  nlohmann::json body;               // the reply's or the event's JSON
  std::optional<ActionKind> action;  // started, failed: the action it answers
  std::optional<UpdateKind> failed_read;  // failed: the read that failed (with its key)
  std::string cluster;               // started, failed: the action's cluster
  std::string message;               // failed, unreachable, reconnecting, polling: one line for the status line
  std::uint64_t at_ms = 0;           // when it was read (the UI loop's clock)
};

// A pivot from the TUI: dry run, plan shown, the cluster's name typed, pivot.
struct PivotFlow {
  enum class Stage { idle, dry_run, confirm, starting, refused, failed, declined };
  Stage stage = Stage::idle;
  std::string cluster;
  std::string dry_job;  // the dry run's job id, once pivotd named it
  std::string typed;    // the confirmation typed so far
  std::string old_primary, new_primary;
  std::string message;  // failed, declined: why
};

// A question the cluster screen asks before failover, acknowledge or
// maintenance, answered by typing a line: the cluster's name (failover, the
// end of a window), a comment, a window's end then its reason.
struct Prompt {
  enum class Kind { none, failover, acknowledge, maintenance_until, maintenance_reason, end_maintenance };
  Kind kind = Kind::none;
  std::string cluster;
  std::string typed;
  std::string until;  // maintenance_reason: the end already given
  std::string problem;  // what was wrong with the last line typed ("" when nothing)
};

// What the feed should keep fresh besides the lists: the open cluster and
// the jobs shown, and whether the agents are (the event stream does not
// carry their counters).
struct Focus {
  std::string cluster;
  std::vector<std::string> jobs;
  bool agents = false;
  bool operator==(const Focus&) const = default;
};

// How the feed is connected, for the status line: the event feed is
// connecting, live or reconnecting; the polling feed says `polling` when it
// is the fallback for a pivotd without an event stream.
enum class Link { connecting, live, reconnecting, polling };

// How long news stays on the status line (errors too: a failing read says
// it again on every round).
inline constexpr std::uint64_t kNoticeMs = 15000;

struct Model {
  std::vector<Screen> stack{Screen::fleet};  // back pops; the fleet stays
  std::map<Screen, std::size_t> selected;    // the selected row (or scroll offset) of each screen
  std::string cluster;                       // the cluster open (cluster, pivot status, pivot)
  std::string job;                           // the job open
  std::string filter;                        // the fleet's, by name or label
  bool editing_filter = false;

  nlohmann::json clusters = nlohmann::json::array();  // GET /v1/clusters
  nlohmann::json jobs = nlohmann::json::array();      // GET /v1/jobs
  nlohmann::json agents = nlohmann::json::object();   // GET /v1/agents
  std::map<std::string, nlohmann::json> cluster_details;  // GET /v1/clusters/{name}
  std::map<std::string, nlohmann::json> job_details;      // GET /v1/jobs/{id}
  // The dry run's step names of each pivot started here, by job id: the job
  // screen lists the steps not yet run as pending.
  std::map<std::string, nlohmann::json> plans;
  // Reads pivotd refused (401, 404, 500 ...), by kind and key, until one succeeds.
  std::map<std::pair<UpdateKind, std::string>, std::string> read_errors;

  std::string status_cluster;  // the pivot status asked for
  std::string status_job;      // its job, once started
  std::string status_error;
  PivotFlow pivot;

  std::string cancel_confirm;  // the job a y/N question asks to cancel, "" when none is asked
  Prompt prompt;               // the cluster screen's question, if one is asked

  Link link = Link::connecting;
  std::string link_message;       // reconnecting: why; polling: why
  std::uint64_t link_since_ms = 0;  // when reconnecting began
  bool heard = false;      // pivotd answered at least once
  bool reachable = true;
  std::string unreachable_message;
  std::uint64_t unreachable_since_ms = 0;
  std::uint64_t last_update_ms = 0;
  std::string notice;       // the status line: the last error or news
  bool notice_is_error = false;
  std::uint64_t notice_at_ms = 0;  // latest_ms when it was said
  std::uint64_t latest_ms = 0;     // the newest update's time: the model's sense of now
  bool quit = false;
};

Screen current(const Model& model);
// The fleet's clusters that pass the filter (a name or a label's key=value
// containing it), in pivotd's order.
std::vector<const nlohmann::json*> visible_clusters(const Model& model);
// How many rows the screen's selection moves over (0: it scrolls instead).
std::size_t row_count(const Model& model, Screen screen);
// True while a key should type into the filter or the confirmation.
bool typing(const Model& model);
// The job's progress is behind `than`'s (a stale reading or a replayed
// event of the same job): it has ended less, or has fewer steps, or fewer
// of them ended.
bool job_behind(const nlohmann::json& job, const nlohmann::json& than);

Intent intent_for(const Model& model, const Key& key);
std::vector<Action> apply(Model& model, const Intent& intent);
void apply(Model& model, const Update& update);
Focus focus_of(const Model& model);
// Keeps a scrolling screen's offset within what the view can show.
void clamp_scroll(Model& model, std::size_t most);
// Why the read of (kind, key) failed last, or "".
std::string read_error(const Model& model, UpdateKind kind, const std::string& key = "");

}  // namespace pivot::ctl::tui
