// pivotctl clusters, status and agents: tables from GET /v1/clusters,
// /v1/clusters/{name} and /v1/agents.
#include <ostream>

#include "pivot/ctl/format.hpp"
#include "pivot/ctl/table.hpp"
#include "pivot/ctl/views.hpp"

namespace pivot::ctl {

namespace {

using nlohmann::json;

// Long GTID sets (MySQL's uuid:1-N lists, many MariaDB domains) would push
// the other columns off the screen; the full text is in --json.
constexpr std::size_t kGtidWidth = 40;

// MariaDB's gtid_current_pos, else MySQL's gtid_executed.
std::string gtid_text(const json& state) {
  std::string gtid = string_of(state, "gtid_current_pos");
  if (gtid.empty()) gtid = string_of(state, "gtid_executed");
  return gtid.empty() ? "-" : shorten(gtid, kGtidWidth);
}

// io_running is "yes", "no" or "connecting"; sql_running a boolean.
std::string thread_text(const json& replica, const std::string& key) {
  const json& v = member(replica, key);
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_string()) return v.get<std::string>();
  return "?";
}

Cell current_cell(const std::string& current) {
  if (current == "down") return {current, Tone::bad};
  if (current == "unknown") return {current, Tone::warn};
  return current;
}

const json& array_in(const json& body, const std::string& key) {
  if (body.is_array()) return body;
  return member(body, key);
}

}  // namespace

void print_clusters(std::ostream& out, const json& clusters, bool colour) {
  Table table({"CLUSTER", "PRIMARY", "HEALTHY", "MAX LAG", "LAST JOB"});
  const json& list = array_in(clusters, "clusters");
  if (list.is_array()) {
    for (const auto& c : list) {
      const json& healthy = member(c, "healthy");
      const bool is_healthy = healthy.is_boolean() && healthy.get<bool>();
      const json& lag = member(c, "max_lag_s");
      std::string lag_text = "-";
      if (lag.is_number()) lag_text = format_lag_s(lag.get<double>());
      table.add({cell_text(c, "name"), Cell(cell_text(c, "primary"), member(c, "primary").is_null() ? Tone::bad : Tone::plain),
                 Cell(is_healthy ? "yes" : "no", is_healthy ? Tone::good : Tone::bad), lag_text,
                 cell_text(c, "last_job")});
    }
  }
  if (table.empty()) {
    out << "No clusters: pivotd has no cluster spec loaded.\n";
    return;
  }
  table.print(out, colour);
}

void print_cluster_status(std::ostream& out, const json& cluster, bool colour) {
  out << "Cluster " << cell_text(cluster, "name") << ": ";
  if (member(cluster, "primary").is_string()) {
    out << "primary " << string_of(cluster, "primary");
  } else {
    out << paint("no primary observed", Tone::bad, colour);
  }
  const std::string labels = labels_text(member(cluster, "labels"));
  if (!labels.empty()) out << " (" << labels << ")";
  out << "\n";
  const std::string name = cell_text(cluster, "name");
  print_health(out, member(cluster, "health"), colour);
  print_failover_view(out, name, member(cluster, "failover"), colour);

  Table table({"NODE", "ROLE", "CURRENT", "AZ", "READ_ONLY", "GTID", "LAG", "THREADS", "HEARTBEAT"});
  const json& nodes = member(cluster, "nodes");
  if (nodes.is_array()) {
    for (const auto& n : nodes) {
      const json& state = member(n, "state");
      if (!state.is_object()) {
        table.add({cell_text(n, "name"), cell_text(n, "role"), current_cell(cell_text(n, "current")), cell_text(n, "az"),
                   "-", "-", "-", "-", Cell("never", Tone::bad)});
        continue;
      }
      const json& replica = member(state, "replica");
      Cell lag("-");
      Cell threads("-");
      if (replica.is_object()) {
        const auto seconds = uint_of(replica, "seconds_behind");
        lag = seconds ? Cell(format_lag_s(static_cast<double>(*seconds))) : Cell("?", Tone::bad);  // NULL: IO thread down
        const std::string io = thread_text(replica, "io_running");
        const std::string sql = thread_text(replica, "sql_running");
        threads = Cell(io + "/" + sql, io == "yes" && sql == "yes" ? Tone::plain : Tone::bad);
      }
      auto age = uint_of(state, "age_ms");
      if (!age) age = uint_of(n, "age_ms");
      table.add({cell_text(n, "name"), cell_text(n, "role"), current_cell(cell_text(n, "current")), cell_text(n, "az"),
                 cell_text(state, "read_only"), gtid_text(state), lag, threads,
                 age ? Cell(format_age_ms(*age)) : Cell("-")});
    }
  }
  table.print(out, colour);
  print_rebuild_marks(out, name, nodes, colour);
}

void print_agents(std::ostream& out, const json& agents, bool colour) {
  Table table({"CLUSTER", "NODE", "BOOT_ID", "LAST SEEN", "MESSAGES", "SEQ GAPS"});
  const json& list = array_in(agents, "agents");
  if (list.is_array()) {
    for (const auto& a : list) {
      auto age = uint_of(a, "last_seen_age_ms");
      if (!age) age = uint_of(a, "age_ms");
      const auto gaps = uint_of(a, "seq_gaps");
      table.add({cell_text(a, "cluster"), cell_text(a, "node"), shorten(cell_text(a, "boot_id"), 16),
                 age ? format_age_ms(*age) + " ago" : "-", cell_text(a, "messages"),
                 Cell(cell_text(a, "seq_gaps"), gaps && *gaps > 0 ? Tone::warn : Tone::plain)});
    }
  }
  if (table.empty()) {
    out << "No agent has reported yet.\n";
  } else {
    table.print(out, colour);
  }
  const auto keys = uint_of(agents, "rejected_keys");
  const auto messages = uint_of(agents, "rejected_messages");
  if (keys || messages) {
    const bool any = keys.value_or(0) + messages.value_or(0) > 0;
    out << paint("Rejected: " + std::to_string(keys.value_or(0)) + " unknown keys, " +
                     std::to_string(messages.value_or(0)) + " messages",
                 any ? Tone::warn : Tone::plain, colour)
        << "\n";
  }
}

}  // namespace pivot::ctl
