#include "probe_report.hpp"

#include <ctime>

namespace pivot::tools {
namespace {

using json = nlohmann::ordered_json;

// A writer's name: a node's, or the proxy's (the index after the nodes').
const std::string& writer_name(const ReportInput& in, int index) {
  const auto i = static_cast<std::size_t>(index);
  if (in.proxy && i == in.node_names.size()) return in.proxy->name;
  return in.node_names.at(i);
}

json name_or_null(const ReportInput& in, const std::optional<int>& index) {
  if (!index) return nullptr;
  return writer_name(in, *index);
}

json names_of(const ReportInput& in, const std::vector<int>& indexes) {
  json out = json::array();
  for (int i : indexes) out.push_back(writer_name(in, i));
  return out;
}

template <typename T>
json optional_json(const std::optional<T>& value) {
  if (!value) return nullptr;
  return *value;
}

std::int64_t round_ms(std::int64_t us) { return (us + 500) / 1000; }

json lost_rows(const ReportInput& in) {
  json rows = json::array();
  for (const auto& [seq, node] : in.verdict.on_checked.missing) {
    if (rows.size() >= in.max_listed) break;
    rows.push_back({{"seq", seq}, {"node", writer_name(in, node)}});
  }
  return rows;
}

json split_examples(const ReportInput& in, std::int64_t interval_us) {
  json ticks = json::array();
  for (const auto& tick : in.analysis.split_brain_ticks) {
    if (ticks.size() >= in.max_listed) break;
    ticks.push_back({{"seq", tick.seq},
                     {"at", rfc3339_ms(tick.seq * interval_us)},
                     {"nodes", names_of(in, tick.nodes)}});
  }
  return ticks;
}

json per_node(const ReportInput& in) {
  json nodes = json::array();
  for (std::size_t i = 0; i < in.node_names.size(); ++i) {
    const WriterStats& w = in.writers.at(i);
    const NodeFinal& f = in.final_state.nodes.at(i);
    json node = {{"node", in.node_names[i]},
                 {"acked", in.analysis.acked_per_node.at(i)},
                 {"attempts", w.attempts},
                 {"failed", w.failed},
                 {"connect_failures", w.connect_failures},
                 {"reachable_at_end", f.reachable},
                 {"read_only_at_end", optional_json(f.read_only)},
                 {"gtid_binlog_pos", f.gtid_binlog_pos},
                 {"settled", optional_json(f.settled)},
                 {"checksum", optional_json(f.checksum)},
                 {"missing", optional_json(in.verdict.missing_per_node.at(i))}};
    if (!w.last_error.empty()) node["last_write_error"] = w.last_error;
    if (!f.error.empty()) node["final_check_error"] = f.error;
    nodes.push_back(std::move(node));
  }
  return nodes;
}

// The listed stalls, as the longest is given (ms rounded, µs, both ends).
json gaps(const ReportInput& in) {
  json out = json::array();
  for (const auto& w : in.analysis.gaps) {
    out.push_back({{"ms", round_ms(w.length_us)},
                   {"us", w.length_us},
                   {"from_epoch_ms", w.from_us / 1000},
                   {"to_epoch_ms", w.to_us / 1000}});
  }
  return out;
}

}  // namespace

std::string rfc3339_ms(std::int64_t epoch_us) {
  const std::int64_t ms = epoch_us / 1000;
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  return std::string(text, n) + "." + std::to_string(1000 + ms % 1000).substr(1) + "Z";
}

bool split_brain(const ReportInput& in) {
  return !in.analysis.split_brain_ticks.empty() || in.verdict.writable.size() > 1;
}

int exit_code_for(const ReportInput& in) {
  if (in.verdict.reachable == 0) return kExitCouldNotRun;
  const bool lost = !in.verdict.on_checked.missing.empty();
  const bool no_primary = in.verdict.writable.empty();
  return (lost || split_brain(in) || no_primary) ? kExitLostOrSplit : kExitClean;
}

nlohmann::ordered_json build_report(const ReportInput& in) {
  const auto& blocked = in.analysis.blocked;
  const std::int64_t interval_us = in.interval_ms * 1000;
  std::int64_t failed = 0, attempts = 0;
  for (const auto& w : in.writers) {
    failed += w.failed;
    attempts += w.attempts;
  }
  if (in.proxy) {
    failed += in.proxy->stats.failed;
    attempts += in.proxy->stats.attempts;
  }
  json report = {
      {"write_blocked_ms", round_ms(blocked.length_us)},
      {"write_blocked_us", blocked.length_us},
      {"blocked_from", rfc3339_ms(blocked.from_us)},
      {"blocked_to", rfc3339_ms(blocked.to_us)},
      {"blocked_from_epoch_ms", blocked.from_us / 1000},
      {"blocked_to_epoch_ms", blocked.to_us / 1000},
      {"blocked_from_start", blocked.from_start},
      {"blocked_until_end", blocked.until_end},
      {"gaps", gaps(in)},
      {"acked", in.analysis.acked},
      {"lost", static_cast<std::int64_t>(in.verdict.on_checked.missing.size())},
      {"lost_rows", lost_rows(in)},
      {"in_doubt", in.verdict.on_checked.in_doubt},
      {"split_brain", split_brain(in)},
      {"split_brain_ticks", static_cast<std::int64_t>(in.analysis.split_brain_ticks.size())},
      {"split_brain_examples", split_examples(in, interval_us)},
      {"split_brain_nodes", names_of(in, in.analysis.split_brain_nodes)},
      {"writable_at_end", names_of(in, in.verdict.writable)},
      {"final_primary", name_or_null(in, in.verdict.final_primary)},
      {"lost_checked_on", name_or_null(in, in.verdict.checked_on)},
      {"checksums_equal", in.verdict.checksums_equal},
      {"settled", in.verdict.settled},
      {"settle_ms", in.final_state.settle_ms},
      {"attempts", attempts},
      {"failed", failed},
      {"ticks", in.last_seq - in.first_seq + 1},
      {"first_seq", in.first_seq},
      {"last_seq", in.last_seq},
      {"interval_ms", in.interval_ms},
      {"duration_ms", round_ms(in.end_us - in.start_us)},
      {"started_at", rfc3339_ms(in.start_us)},
      {"stopped_at", rfc3339_ms(in.end_us)},
      {"mode", in.mode},
      {"nodes", per_node(in)},
  };
  if (in.proxy) {
    const WriterStats& w = in.proxy->stats;
    const std::size_t index = in.node_names.size();
    json proxy = {{"proxy", in.proxy->name},
                  {"acked", index < in.analysis.acked_per_node.size() ? in.analysis.acked_per_node[index] : 0},
                  {"attempts", w.attempts},
                  {"failed", w.failed},
                  {"connect_failures", w.connect_failures}};
    if (!w.last_error.empty()) proxy["last_write_error"] = w.last_error;
    report["proxy"] = std::move(proxy);
  }
  report["exit_code"] = exit_code_for(in);
  return report;
}

}  // namespace pivot::tools
