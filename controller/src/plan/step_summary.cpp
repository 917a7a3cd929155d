#include "pivot/controller/step_summary.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "pivot_plan.hpp"

namespace pivot::controller {
namespace {

// A summary is one line: a hook's last line or an agent's message may be long.
constexpr std::size_t kMaxSummary = 300;

std::string text(const Detail& object, const char* key) { return object.value(key, ""); }

bool flag(const Detail& object, const char* key) { return object.value(key, false); }

std::int64_t number(const Detail& object, const char* key, std::int64_t fallback = 0) {
  const Detail* found = object.find(key);
  return found && found->is_number_integer() ? found->as_int() : fallback;
}

const Detail& member(const Detail& object, const char* key) { return object[key]; }

std::string plural(std::int64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string position_text(const std::string& position) { return position.empty() ? "(no transactions)" : position; }

// Joins with ", " and a final " and ": "db3, db4 and db5".
std::string listed(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

// A rollout's selection: "3 clusters selected (2 eligible now), in order: a, b and c".
std::string select_sentence(const JobStep& step) {
  std::vector<std::string> names;
  for (const Detail& c : member(step.detail, "clusters").items()) names.push_back(text(c, "cluster"));
  return plural(static_cast<std::int64_t>(names.size()), "cluster", "clusters") + " selected (" +
         std::to_string(number(step.detail, "eligible")) + " eligible now), in order: " + listed(names);
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() > kMaxSummary) {
    std::size_t cut = kMaxSummary;
    // Never cut inside a UTF-8 sequence: back up to a lead byte.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut) + "...";
  }
  return s;
}

// What one agent command did, as a clause: "db1 read-only (was writable)".
std::string command_sentence(const Detail& c) {
  const std::string node = text(c, "node");
  const std::string action = text(c, "action");
  const Detail& args = member(c, "args");
  const Detail& detail = member(c, "detail");
  if (!flag(c, "ok")) {
    std::string out = action + " on " + node + " failed";
    if (const std::string error = text(c, "error"); !error.empty()) out += " (" + error + ")";
    if (const std::string message = text(c, "message"); !message.empty()) out += ": " + message;
    return out;
  }
  if (action == "set_read_only") {
    const bool on = flag(args, "read_only");
    std::string out = !flag(detail, "changed") ? node + " already " + (on ? "read-only" : "writable")
                                               : node + (on ? " read-only (was writable)" : " writable (was read-only)");
    // A semi-sync promotion: whether its first write waits for a replica.
    if (args.contains("semi_sync_timeout_ms")) {
      out += flag(detail, "semi_sync_source_active") ? ", semi-sync source side active"
                                                      : ", semi-sync source side NOT active";
    }
    return out;
  }
  if (action == "kill_connections") {
    const auto killed = number(detail, "killed");
    std::string out = killed == 0 ? "no client session to kill on " + node
                                  : plural(killed, "client session", "client sessions") + " killed on " + node;
    if (const auto left = number(detail, "remaining"); left > 0) out += ", " + std::to_string(left) + " still ending";
    return out;
  }
  if (action == "report_position") {
    std::string position = text(detail, "gtid_binlog_pos");
    if (position.empty()) position = text(detail, "gtid_executed");
    return node + " at " + position_text(position);
  }
  if (action == "wait_for_position") {
    const std::string asked = text(args, "position");
    if (flag(detail, "reached")) {
      return node + " reached " + position_text(asked) + " in " + std::to_string(number(detail, "waited_ms")) + " ms";
    }
    return node + " did not reach " + asked + " (applied: " + text(detail, "position") + ")";
  }
  if (action == "reset_replication") {
    if (!flag(detail, "had_source")) return node + " had no source to forget";
    const std::string host = text(detail, "previous_source_host");
    if (host.empty()) return node + " stopped replicating";
    return node + " stopped replicating from " + host + ":" + std::to_string(number(detail, "previous_source_port"));
  }
  if (action == "change_source") {
    std::string out = node + " replicates from " + text(args, "host") + ":" + std::to_string(number(args, "port"));
    if (const std::string seeded = text(detail, "gtid_slave_pos"); flag(args, "seed_gtid_slave_pos") && !seeded.empty()) {
      out += ", starting at its own position " + seeded;
    }
    if (detail.contains("started") && !flag(detail, "started")) out += " (threads left stopped)";
    // A demoted semi-sync primary: it no longer waits for acknowledgements.
    if (flag(detail, "semi_sync_source_off")) out += ", its semi-sync source side off";
    return out;
  }
  if (action == "fence_writes") {
    // With read_only (issue 22) the command made the node read-only first.
    std::string out;
    if (flag(args, "read_only")) out = node + (flag(detail, "changed") ? " read-only (was writable), " : " already read-only, ");
    if (text(detail, "lock") == "super_read_only") return out + (out.empty() ? node + " " : "") + "fenced by super_read_only";
    return out + (out.empty() ? node + "'s" : "its") + " commits held (BACKUP STAGE BLOCK_COMMIT" +
           (flag(detail, "already") ? ", already held)" : ", took " + std::to_string(number(detail, "waited_ms")) + " ms)");
  }
  if (action == "release_fence") {
    const std::string was = text(detail, "was");
    if (was != "held") return node + " had no fence to release";
    std::string out = node + "'s commits released";
    if (detail.contains("sweeps")) {
      const auto swept = number(detail, "swept");
      const auto remaining = number(detail, "remaining");
      out += remaining > 0 ? " while " + plural(remaining, "client session", "client sessions") +
                                 " kept connecting to it (pinned to its address?)"
             : swept > 0   ? " after killing " + plural(swept, "more client session", "more client sessions")
                           : " (no client session left)";
    }
    return out;
  }
  if (action == "stop_io_thread") {
    if (!flag(detail, "was_running")) return node + "'s IO thread was already stopped";
    std::string out = node + "'s IO thread stopped, having received " + position_text(text(detail, "received"));
    if (detail.contains("sql_running") && !flag(detail, "sql_running")) out += " (its SQL thread is stopped)";
    return out;
  }
  if (action == "stop_replication") return node + " replication stopped";
  if (action == "start_replication") return node + " replication started";
  return action + " on " + node + " ok";
}

std::vector<const Detail*> commands_of(const JobStep& step) {
  std::vector<const Detail*> out;
  const Detail& list = member(step.detail, "commands");
  if (list.is_array()) {
    for (const auto& c : list) out.push_back(&c);
  }
  return out;
}

std::string commands_sentence(const JobStep& step) {
  std::string out;
  for (const Detail* c : commands_of(step)) out += (out.empty() ? "" : "; ") + command_sentence(*c);
  return out;
}

bool all_ok(const std::vector<const Detail*>& commands) {
  for (const Detail* c : commands) {
    if (!flag(*c, "ok")) return false;
  }
  return true;
}

// A hook step's detail: path, exit_code, output ... (pivot_executor.cpp).
bool is_hook(const JobStep& step) { return step.detail.is_object() && step.detail.contains("exit_code"); }

std::string hook_sentence(const JobStep& step) {
  // The hook's own last line says best what it did ("route -> 127.0.0.1:22498").
  std::string output = text(step.detail, "output");
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r' || output.back() == ' ')) output.pop_back();
  if (const auto nl = output.find_last_of('\n'); nl != std::string::npos) output = output.substr(nl + 1);
  if (!output.empty()) return output + (flag(step.detail, "output_truncated") ? " (output cut at 64 KiB)" : "");
  return step.name + " hook exited 0 in " + std::to_string(number(step.detail, "duration_ms")) + " ms";
}

std::string check_sentence(const JobStep& step) {
  // A failover's check: detection's verdict, its sentence first.
  if (step.detail.contains("verdict")) {
    const Detail& reasons = member(step.detail, "reasons");
    return reasons.empty() ? "the primary is " + text(step.detail, "verdict") : reasons[std::size_t{0}].as_string();
  }
  const std::string candidate = text(step.detail, "candidate");
  const std::string primary = text(step.detail, "primary");
  if (candidate.empty()) return "pivot status checked";
  std::string out =
      candidate + " chosen to replace " + (primary.empty() ? "the primary" : primary) + "; every check passed";
  // The pings (a pivot that is not a dry run): both agents took a command.
  const auto pings = commands_of(step);
  if (!pings.empty() && std::all_of(pings.begin(), pings.end(), [](const Detail* c) {
        return plan::ping_answered(flag(*c, "ok"), text(*c, "error"));
      })) {
    out += "; both agents answered a command";
  }
  return out;
}

std::string catch_up_sentence(const JobStep& step) {
  const auto commands = commands_of(step);
  const std::string position = text(step.detail, "position");
  if (commands.empty()) return "nothing to catch up: the old primary has no transactions";
  const Detail& c = *commands.front();
  if (flag(c, "ok") && flag(member(c, "detail"), "reached")) {
    const auto waited = number(member(c, "detail"), "waited_ms");
    if (waited == 0) return text(c, "node") + " already had " + position_text(position);
    return text(c, "node") + " caught up to " + position_text(position) + " in " + std::to_string(waited) + " ms";
  }
  return commands_sentence(step);
}

// "db3, db4 and db5 now replicate from 127.0.0.1:22499" when every one went
// the same way; else each node's own clause.
std::string repoint_sentence(const JobStep& step) {
  const auto commands = commands_of(step);
  if (commands.empty()) return "no other replica to repoint";
  std::vector<std::string> nodes, stopped;
  std::string source;
  for (const Detail* c : commands) {
    const Detail& args = member(*c, "args");
    const std::string to = text(args, "host") + ":" + std::to_string(number(args, "port"));
    if (!flag(*c, "ok") || (!source.empty() && to != source)) return commands_sentence(step);
    source = to;
    nodes.push_back(text(*c, "node"));
    const Detail& detail = member(*c, "detail");
    if (detail.contains("started") && !flag(detail, "started")) stopped.push_back(text(*c, "node"));
  }
  std::string out = listed(nodes) + (nodes.size() == 1 ? " now replicates from " : " now replicate from ") + source;
  if (!stopped.empty()) out += " (" + listed(stopped) + " left stopped, as the operator had them)";
  return out;
}

std::string verify_sentence(const JobStep& step) {
  const std::string position = text(step.detail, "position");
  if (position.empty() && step.detail.contains("position")) return "no transactions to verify";
  const auto commands = commands_of(step);
  std::vector<const Detail*> waits;
  for (const Detail* c : commands) {
    if (text(*c, "action") == "wait_for_position") waits.push_back(c);
  }
  // Nodes the operator stopped or delayed are repointed, not waited for.
  std::string not_waited;
  if (const Detail& list = member(step.detail, "not_waited"); list.is_array()) {
    for (const auto& n : list) not_waited += "; " + text(n, "node") + " not waited for (" + text(n, "reason") + ")";
  }
  if (!waits.empty() && all_ok(waits)) {
    return std::string(not_waited.empty() ? "every node" : "every node waited for") +
           " reached the new primary's position " + position_text(position) + not_waited;
  }
  if (waits.empty() && !not_waited.empty()) return "no node to wait for" + not_waited;
  return commands_sentence(step) + not_waited;
}

std::string confirm_fence_sentence(const JobStep& step) {
  const auto commands = commands_of(step);
  if (commands.empty() || !all_ok(commands)) return commands_sentence(step);
  return text(*commands.front(), "node") + " still fenced at " + position_text(text(step.detail, "position"));
}

std::string verify_old_primary_sentence(const JobStep& step) {
  const auto commands = commands_of(step);
  if (commands.empty() || !all_ok(commands)) return commands_sentence(step);
  const std::string node = text(*commands.front(), "node");
  const std::string extra = text(step.detail, "transactions");
  if (!extra.empty()) return node + " committed after the fence: " + extra;
  return node + " committed nothing after the fence (captured " + position_text(text(step.detail, "captured")) + ")";
}

// The exact rollback's check of a candidate that may have been writable.
std::string candidate_position_sentence(const JobStep& step) {
  const auto commands = commands_of(step);
  if (commands.empty() || !all_ok(commands) || !step.detail.contains("beyond")) return commands_sentence(step);
  const std::string node = text(*commands.front(), "node");
  const std::string beyond = text(step.detail, "beyond");
  if (!beyond.empty()) return node + " took transactions while it may have been writable: " + beyond;
  return node + " took nothing while it may have been writable (at " + position_text(text(step.detail, "position")) +
         ", as captured)";
}

std::string capture_sentence(const JobStep& step) {
  const auto commands = commands_of(step);
  std::string node = commands.empty() ? text(step.detail, "node") : text(*commands.front(), "node");
  if (node.empty()) node = "the old primary";
  std::string out = node + "'s final position: " + position_text(text(step.detail, "position"));
  if (const std::string from = text(step.detail, "from"); from == "fence_lock" || from == "fence_read_only") {
    out += " (read under the fence's lock)";
  }
  return out;
}

}  // namespace

std::string step_summary(const JobStep& step, const std::string& failure) {
  // The step pivotd stopped in, closed by the recovery (pivot_recovery.cpp).
  if (const std::string interrupted = text(step.detail, "interrupted"); !interrupted.empty() && step.name != "recover") {
    return one_line(interrupted);
  }
  if (step.state == StepState::failed && !failure.empty()) return one_line(failure);
  if (step.state == StepState::skipped) {
    const std::string reason = text(step.detail, "reason");
    return one_line(reason.empty() ? "skipped" : reason);
  }
  if (step.state == StepState::running) return "";
  std::string out;
  if (step.name == "check") {
    out = check_sentence(step);
  } else if (is_hook(step)) {
    out = hook_sentence(step);
  } else if (step.name == "capture_position") {
    out = capture_sentence(step);
  } else if (step.name == "fence_lock" && text(step.detail, "from") == "fence_read_only") {
    out = text(step.detail, "node") + "'s commits held by fence_read_only's command (BACKUP STAGE BLOCK_COMMIT, took " +
          std::to_string(number(member(step.detail, "detail"), "waited_ms")) + " ms)";
  } else if (step.name == "catch_up") {
    out = catch_up_sentence(step);
  } else if (step.name == "repoint_replicas" || step.name == "repoint") {
    out = repoint_sentence(step);
  } else if (step.name == "verify") {
    out = verify_sentence(step);
  } else if (step.name == "confirm_fence") {
    out = confirm_fence_sentence(step);
  } else if (step.name == "verify_old_primary") {
    out = verify_old_primary_sentence(step);
  } else if (step.name == "choose") {  // a failover's choice
    out = text(step.detail, "candidate").empty() ? commands_sentence(step) : text(step.detail, "reason");
    if (const std::string from = text(step.detail, "catch_up_from"); !from.empty()) {
      out += " It catches up from " + from + " first.";
    }
  } else if (step.name == "fence_old_primary" && !flag(step.detail, "fenced")) {
    out = text(step.detail, "reason");
  } else if (step.name == "recover") {
    out = text(step.detail, "outcome");
  } else if (step.name == "judge" && !member(step.detail, "reasons").empty()) {
    out = member(step.detail, "reasons")[std::size_t{0}].as_string();  // a returned old primary's verdict
  } else if (step.name == "select") {  // a rollout's selection
    out = select_sentence(step);
  } else if (step.name == "rollback_candidate_position") {
    out = candidate_position_sentence(step);
  } else {
    out = commands_sentence(step);
  }
  if (out.empty()) out = step.name + " " + std::string(protocol::to_string(step.state));
  return one_line(out);
}

}  // namespace pivot::controller
