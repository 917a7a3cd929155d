// pivotctl tui's screens, from the model. The tables are pivotctl's own
// (views.hpp), printed with colour and read back as coloured spans, so the
// one-shot commands and the TUI show the same columns.
#include "pivot/ctl/tui_view.hpp"

#include <algorithm>
#include <optional>
#include <sstream>

#include "pivot/ctl/format.hpp"
#include "pivot/ctl/job_follower.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl::tui {

namespace {

using nlohmann::json;

// A screen's text before it is cut to the window: painted lines, and the
// line of the selected row, if the screen has a selection.
struct Body {
  std::vector<std::string> lines;
  std::optional<std::size_t> selected;
  void add(std::string line) { lines.push_back(std::move(line)); }
  void add_printed(const std::string& printed) {
    std::istringstream in(printed);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
};

template <typename Printer>
std::string printed(Printer printer) {
  std::ostringstream out;
  printer(out);
  return out.str();
}

std::size_t array_size_of(const json& value) { return value.is_array() ? value.size() : 0; }

std::size_t selection(const Model& model, Screen screen) {
  auto it = model.selected.find(screen);
  return it == model.selected.end() ? 0 : it->second;
}

const json* job_in(const Model& model, const std::string& id) {
  auto it = model.job_details.find(id);
  return it == model.job_details.end() ? nullptr : &it->second;
}

Tone state_tone(const std::string& state) {
  if (state == "succeeded") return Tone::good;
  if (state == "failed" || state == "rolled_back" || state == "cancelled") return Tone::bad;
  return Tone::warn;
}

// "pv-3-17 pivot succeeded" when the jobs list has it, else the id.
std::string last_job_text(const Model& model, const std::string& id) {
  if (id.empty()) return "-";
  if (model.jobs.is_array()) {
    for (const auto& j : model.jobs) {
      if (string_of(j, "id") == id) {
        return id + " " + string_of(j, "kind") + (j.value("dry_run", false) ? " (dry run)" : "") + " " +
               paint(string_of(j, "state"), state_tone(string_of(j, "state")), true);
      }
    }
  }
  return id;
}

// pivotd refused the read behind a screen: say so above what was read before.
void refused_read(Body& body, const Model& model, UpdateKind kind, const std::string& key, const std::string& what) {
  const std::string error = read_error(model, kind, key);
  if (!error.empty()) body.add(paint("Cannot read " + what + ": " + error, Tone::bad, true));
}

std::string running_text(const json* job, const std::string& id) {
  if (id.empty()) return "waiting for pivotd to start the job";
  if (!job) return "job " + id + ", waiting for its first reading";
  return "job " + id + ", " + string_of(*job, "state");
}

Body fleet_body(const Model& model, const ViewContext& context) {
  Body body;
  if (model.editing_filter || !model.filter.empty()) {
    body.add("Filter: " + model.filter + (model.editing_filter ? "_   (Enter keeps it, Esc clears it)" : "   (Esc clears it)"));
  }
  if (!model.heard && array_size_of(model.clusters) == 0) {
    body.add("Waiting for pivotd at " + context.controller + " ...");
    return body;
  }
  refused_read(body, model, UpdateKind::clusters, "", "the clusters");
  if (!read_error(model, UpdateKind::clusters).empty() && array_size_of(model.clusters) == 0) return body;
  Table table({"CLUSTER", "LABELS", "PRIMARY", "HEALTHY", "MAX LAG", "LAST JOB"});
  const auto visible = visible_clusters(model);
  for (const json* c : visible) {
    const json& healthy = member(*c, "healthy");
    const json& lag = member(*c, "max_lag_s");
    Cell health("-");
    if (healthy.is_boolean()) health = healthy.get<bool>() ? Cell("yes", Tone::good) : Cell("no", Tone::bad);
    // The event stream's health, once heard, says more than yes/no:
    // failing_over, maintenance, needs_attention.
    if (const std::string state = string_of(member(*c, "health"), "state"); !state.empty() && state != "ok") {
      health = Cell(state, state == "needs_attention" ? Tone::bad : Tone::warn);
    }
    table.add({cell_text(*c, "name"), labels_text(member(*c, "labels")),
               Cell(cell_text(*c, "primary"), member(*c, "primary").is_null() ? Tone::bad : Tone::plain), health,
               lag.is_number() ? format_lag_s(lag.get<double>()) : "-",
               last_job_text(model, string_of(*c, "last_job"))});
  }
  if (table.empty()) {
    body.add(model.filter.empty() ? "No clusters: pivotd has no cluster spec loaded."
                                  : "No cluster matches '" + model.filter + "'.");
    return body;
  }
  const std::size_t header = body.lines.size();
  body.add_printed(printed([&](std::ostream& out) { table.print(out, true); }));
  body.selected = header + 1 + selection(model, Screen::fleet);
  body.add("");
  body.add(paint("Enter opens a cluster, / filters, s pivot status, p pivot, J jobs, a agents, ? help", Tone::dim, true));
  return body;
}

// The cluster screen's question, what was wrong with the last answer, and
// the line being typed.
void add_prompt(Body& body, const Prompt& prompt) {
  const std::string& c = prompt.cluster;
  using K = Prompt::Kind;
  std::string question;
  switch (prompt.kind) {
    case K::none: return;
    case K::failover:
      question = "Fail over " + c + ": replace its primary, which pivotd must find dead (else it refuses)? "
                 "Type the cluster's name and Enter; Esc cancels.";
      break;
    case K::acknowledge:
      question = "Acknowledge the last failover of " + c + " (its cooldown ends): what was done? Enter sends; Esc cancels.";
      break;
    case K::maintenance_until:
      question = "Maintenance of " + c + " (no automatic failover, no pivot) until? A duration from now (90s, 30m, "
                 "2h, 1d) or an RFC 3339 time; Esc cancels.";
      break;
    case K::maintenance_reason:
      question = "Maintenance of " + c + " until " + prompt.until + ": why? Enter sets it; Esc cancels.";
      break;
    case K::end_maintenance:
      question = "End the maintenance of " + c + " now? Type the cluster's name and Enter; Esc cancels.";
      break;
  }
  body.add(paint(question, Tone::warn, true));
  if (!prompt.problem.empty()) body.add(paint(prompt.problem, Tone::bad, true));
  body.add("> " + prompt.typed + "_");
}

Body cluster_body(const Model& model) {
  Body body;
  refused_read(body, model, UpdateKind::cluster, model.cluster, "cluster " + model.cluster);
  auto it = model.cluster_details.find(model.cluster);
  if (it == model.cluster_details.end()) {
    if (body.lines.empty()) body.add("Loading cluster " + model.cluster + " ...");
    return body;
  }
  const std::size_t first = body.lines.size();
  body.add_printed(printed([&](std::ostream& out) { print_cluster_status(out, it->second, true); }));
  if (row_count(model, Screen::cluster) > 0) {
    // The node rows follow the table's header, below the health and
    // failover lines (as many as there is to say): found uncoloured.
    std::size_t header = 1;
    std::istringstream plain(printed([&](std::ostream& out) { print_cluster_status(out, it->second, false); }));
    std::size_t index = 0;
    for (std::string line; std::getline(plain, line); ++index) {
      if (line.rfind("NODE ", 0) == 0) {
        header = index;
        break;
      }
    }
    body.selected = first + header + 1 + selection(model, Screen::cluster);
  }
  std::string last_job;
  for (const json& c : model.clusters) {
    if (string_of(c, "name") == model.cluster) last_job = string_of(c, "last_job");
  }
  body.add("");
  body.add("Last job: " + last_job_text(model, last_job));
  if (model.prompt.kind != Prompt::Kind::none) {
    add_prompt(body, model.prompt);
  } else {
    body.add(paint("s pivot status, p pivot, F failover, A acknowledge, M maintenance, J jobs, q back", Tone::dim, true));
  }
  return body;
}

Body pivot_status_body(const Model& model) {
  Body body;
  body.add("Pivot status of " + model.status_cluster + " (nothing changes)");
  body.add("");
  const json* job = job_in(model, model.status_job);
  if (!model.status_error.empty()) {
    body.add(paint("Pivot status failed: " + model.status_error, Tone::bad, true));
  } else if (!job || !job_finished(*job)) {
    body.add("Checking " + model.status_cluster + " (" + running_text(job, model.status_job) + ") ...");
  } else {
    body.add_printed(printed([&](std::ostream& out) { print_job_verdict(out, *job, true); }));
  }
  body.add("");
  body.add(paint("p pivot, s check again, q back", Tone::dim, true));
  return body;
}

Body pivot_body(const Model& model) {
  Body body;
  const PivotFlow& flow = model.pivot;
  const json* dry = job_in(model, flow.dry_job);
  const json& result = dry ? member(*dry, "result") : member(json(), "");
  using Stage = PivotFlow::Stage;
  switch (flow.stage) {
    case Stage::idle: body.add("No pivot under way: p on a cluster starts one."); break;
    case Stage::dry_run:
      body.add("Pivot of " + flow.cluster + ": dry run first, nothing changes (" + running_text(dry, flow.dry_job) +
               ") ...");
      break;
    case Stage::confirm:
    case Stage::starting:
      body.add_printed(printed([&](std::ostream& out) { print_plan(out, flow.cluster, result, true); }));
      body.add("");
      if (flow.stage == Stage::starting) {
        body.add("Starting the pivot of " + flow.cluster + " ...");
        break;
      }
      body.add(paint("Pivot " + flow.cluster + " from " + flow.old_primary + " to " + flow.new_primary +
                         "? Type the cluster's name and Enter to pivot; Esc cancels.",
                     Tone::warn, true));
      body.add("> " + flow.typed + "_");
      break;
    case Stage::refused:
      body.add_printed(printed([&](std::ostream& out) { print_pivot_status(out, flow.cluster, result, true); }));
      body.add("");
      body.add(paint(flow.cluster + " is not eligible for a pivot; nothing was changed.", Tone::bad, true));
      break;
    case Stage::failed:
      body.add(paint("Pivot of " + flow.cluster + " not started: " + flow.message, Tone::bad, true));
      break;
    case Stage::declined:
      body.add("Not pivoted: " + flow.message + "; nothing was changed.");
      body.add(paint("p starts again from the dry run, q goes back", Tone::dim, true));
      break;
  }
  return body;
}

// A running job with the plan's steps it has not reached yet, as pending;
// once a step failed the rest of the plan will not run: none.
json with_pending_steps(const Model& model, const json& job) {
  auto plan = model.plans.find(model.job);
  if (plan == model.plans.end() || !plan->second.is_array() || job_finished(job)) return job;
  json out = job;
  if (!out["steps"].is_array()) out["steps"] = json::array();
  std::vector<std::string> ran;
  for (const auto& s : out["steps"]) {
    const std::string state = string_of(s, "state");
    if (state == "failed" || state == "rolled_back") return job;
    ran.push_back(string_of(s, "name"));
  }
  for (const auto& name : plan->second) {
    if (!name.is_string() || std::find(ran.begin(), ran.end(), name.get<std::string>()) != ran.end()) continue;
    out["steps"].push_back({{"name", name}, {"state", "pending"}, {"started_at", nullptr},
                            {"finished_at", nullptr}, {"summary", ""}, {"detail", nullptr}});
  }
  return out;
}

Body job_body(const Model& model) {
  Body body;
  refused_read(body, model, UpdateKind::job, model.job, "job " + model.job);
  const json* job = job_in(model, model.job);
  if (!job) {
    if (body.lines.empty()) body.add("Loading job " + model.job + " ...");
    return body;
  }
  body.add_printed(printed([&](std::ostream& out) { print_job(out, with_pending_steps(model, *job), true); }));
  if (!job_finished(*job)) {
    body.add("");
    body.add(paint("Steps fill in as pivotd runs them. c cancels the job (only before the fence).", Tone::dim, true));
  }
  return body;
}

Body jobs_body(const Model& model) {
  Body body;
  refused_read(body, model, UpdateKind::jobs, "", "the jobs");
  const std::size_t first = body.lines.size();
  body.add_printed(printed([&](std::ostream& out) { print_jobs(out, model.jobs, true); }));
  if (row_count(model, Screen::jobs) > 0) {
    body.selected = first + 1 + selection(model, Screen::jobs);
    body.add("");
    body.add(paint("Enter opens a job, q back", Tone::dim, true));
  }
  return body;
}

Body agents_body(const Model& model) {
  Body body;
  refused_read(body, model, UpdateKind::agents, "", "the agents");
  const std::size_t first = body.lines.size();
  body.add_printed(printed([&](std::ostream& out) { print_agents(out, model.agents, true); }));
  if (row_count(model, Screen::agents) > 0) body.selected = first + 1 + selection(model, Screen::agents);
  return body;
}

Body help_body() {
  Body body;
  for (const char* line : {
           "Keys",
           "  ?            this help",
           "  q, Esc       back (q on the fleet quits; Esc there clears the filter)",
           "  j, k, arrows move; PgUp, PgDn, g, G page and jump",
           "  Enter        open the selected cluster or job",
           "  /            filter the fleet by name or label (Enter keeps, Esc clears)",
           "  s            pivot status of the selected or open cluster: every check",
           "  p            pivot: the dry-run plan, then the cluster's name typed to start",
           "  J            jobs, newest first",
           "  a            agents",
           "  c            cancel the job on screen (asks y/N; only before its fence)",
           "  F            failover of the open cluster whose primary is lost (name typed)",
           "  A            acknowledge the open cluster's last failover (a comment typed)",
           "  M            maintenance of the open cluster: until when and why, or its end",
           "",
           "Screens follow pivotd's event stream (GET /v1/events): the bottom line says",
           "live. When the stream drops it says it is reconnecting, and it catches up by",
           "itself; a pivotd without the stream is polled once a second instead.",
           "Drawing never waits for pivotd.",
           "",
           "Reopen, and clearing a needs_rebuild mark: pivotctl reopen / acknowledge.",
       }) {
    body.add(line);
  }
  return body;
}

std::string screen_name(Screen screen) {
  switch (screen) {
    case Screen::fleet: return "fleet";
    case Screen::cluster: return "cluster";
    case Screen::pivot_status: return "pivot status";
    case Screen::pivot: return "pivot";
    case Screen::job: return "job";
    case Screen::jobs: return "jobs";
    case Screen::agents: return "agents";
    case Screen::help: return "help";
  }
  return "";
}

std::string breadcrumb(const Model& model) {
  std::string text;
  for (Screen s : model.stack) {
    if (!text.empty()) text += " > ";
    if (s == Screen::cluster) {
      text += model.cluster;
    } else if (s == Screen::job) {
      text += "job " + model.job;
    } else {
      text += screen_name(s);
    }
  }
  return text;
}

// Left text, then right text flush with the right edge when both fit.
std::string spread(const std::string& left, const std::string& right, std::size_t width) {
  const std::size_t l = display_width(left);
  const std::size_t r = display_width(right);
  if (l + 2 + r > width) return left;
  return left + std::string(width - l - r, ' ') + right;
}

Line status_line(const Model& model, const ViewContext& context) {
  std::string text;
  Tone tone = Tone::plain;
  if (!model.cancel_confirm.empty()) {
    text = "Cancel job " + model.cancel_confirm + "? y cancels it, any other key lets it run [y/N]";
    tone = Tone::warn;
  } else if (model.link == Link::reconnecting) {
    text = "reconnecting to pivotd ... " +
           (model.reachable ? "(" + model.link_message + ")"
                            : "unreachable for " +
                                  format_age_ms(context.now_ms - std::min(context.now_ms, model.unreachable_since_ms)) +
                                  ": " + model.unreachable_message);
    tone = model.reachable ? Tone::warn : Tone::bad;
  } else if (!model.reachable) {
    text = "pivotd unreachable for " +
           format_age_ms(context.now_ms - std::min(context.now_ms, model.unreachable_since_ms)) +
           ", retrying: " + model.unreachable_message;
    tone = Tone::bad;
  } else if (!model.heard) {
    text = "connecting to pivotd at " + context.controller + " ...";
  } else if (!model.notice.empty() && context.now_ms < model.notice_at_ms + kNoticeMs) {
    text = model.notice;
    tone = model.notice_is_error ? Tone::bad : Tone::warn;
  } else {
    text = "pivotd at " + context.controller + (model.link == Link::polling ? " (polling: it has no event stream)" : "");
  }
  std::string right;
  if (model.link == Link::live) {
    right = "live";
  } else if (model.heard) {
    right = "updated " + format_age_ms(context.now_ms - std::min(context.now_ms, model.last_update_ms)) + " ago";
  }
  Line line;
  line.bar = true;
  line.spans.push_back({spread(text, right, context.width), tone});
  return line;
}

// Cuts a line to `width` display columns.
void cut(Line& line, std::size_t width) {
  std::size_t used = 0;
  std::vector<Span> kept;
  for (auto& span : line.spans) {
    if (used >= width) break;
    std::string text;
    for (std::size_t i = 0; i < span.text.size(); ++i) {
      const bool starts_char = (static_cast<unsigned char>(span.text[i]) & 0xC0) != 0x80;
      if (starts_char && used == width) break;
      if (starts_char) ++used;
      text += span.text[i];
    }
    kept.push_back({std::move(text), span.tone});
  }
  line.spans = std::move(kept);
}

std::vector<Line> too_small(const ViewContext& context) {
  std::vector<Line> lines;
  for (const std::string& text :
       {std::string("Terminal too small"),
        std::to_string(context.width) + "x" + std::to_string(context.height) + ", needs " + std::to_string(kMinWidth) +
            "x" + std::to_string(kMinHeight),
        std::string("Enlarge it; q quits")}) {
    if (lines.size() >= context.height) break;
    Line line;
    line.spans.push_back({text, Tone::warn});
    cut(line, context.width);
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

std::string Line::text() const {
  std::string out;
  for (const auto& s : spans) out += s.text;
  return out;
}

Line line_from_painted(const std::string& painted) {
  Line line;
  Tone tone = Tone::plain;
  std::string text;
  auto flush = [&] {
    if (!text.empty()) line.spans.push_back({text, tone});
    text.clear();
  };
  for (std::size_t i = 0; i < painted.size(); ++i) {
    if (painted[i] == '\033' && i + 1 < painted.size() && painted[i + 1] == '[') {
      const std::size_t end = painted.find('m', i);
      if (end == std::string::npos) break;
      flush();
      const std::string code = painted.substr(i + 2, end - i - 2);
      if (code == "32") tone = Tone::good;
      else if (code == "1;31") tone = Tone::bad;
      else if (code == "33") tone = Tone::warn;
      else if (code == "2") tone = Tone::dim;
      else tone = Tone::plain;
      i = end;
      continue;
    }
    text += painted[i] == '\t' ? ' ' : painted[i];
  }
  flush();
  return line;
}

namespace {

Body body_of(const Model& model, const ViewContext& context) {
  switch (current(model)) {
    case Screen::fleet: return fleet_body(model, context);
    case Screen::cluster: return cluster_body(model);
    case Screen::pivot_status: return pivot_status_body(model);
    case Screen::pivot: return pivot_body(model);
    case Screen::job: return job_body(model);
    case Screen::jobs: return jobs_body(model);
    case Screen::agents: return agents_body(model);
    case Screen::help: return help_body();
  }
  return {};
}

std::size_t body_rows(const ViewContext& context) { return context.height - 2; }  // the title and status bars

std::size_t most_scroll(const Body& body, const ViewContext& context) {
  return body.lines.size() > body_rows(context) ? body.lines.size() - body_rows(context) : 0;
}

}  // namespace

std::size_t scroll_limit(const Model& model, const ViewContext& context) {
  if (context.width < kMinWidth || context.height < kMinHeight) return 0;
  return most_scroll(body_of(model, context), context);
}

std::vector<Line> render(const Model& model, const ViewContext& context) {
  if (context.width < kMinWidth || context.height < kMinHeight) return too_small(context);

  const Body body = body_of(model, context);
  const std::size_t rows = body_rows(context);
  std::size_t first = 0;
  if (body.selected) {
    if (*body.selected >= rows) first = *body.selected - rows + 1;
  } else {
    first = std::min(selection(model, current(model)), most_scroll(body, context));
  }

  std::vector<Line> lines;
  Line title;
  title.bar = true;
  title.spans.push_back({spread(" pivot | " + breadcrumb(model), "? help  q back ", context.width), Tone::plain});
  lines.push_back(std::move(title));
  for (std::size_t i = first; i < body.lines.size() && lines.size() < rows + 1; ++i) {
    Line line = line_from_painted(body.lines[i]);
    line.selected = body.selected && *body.selected == i;
    lines.push_back(std::move(line));
  }
  while (lines.size() < rows + 1) lines.emplace_back();
  lines.push_back(status_line(model, context));
  for (auto& line : lines) cut(line, context.width);
  return lines;
}

}  // namespace pivot::ctl::tui
