#include "final_check.hpp"

#include <optional>
#include <vector>

#include "pivot/log.hpp"

namespace pivot::tools {
namespace {

struct Probed {
  std::optional<mysql::Session> session;
  NodeFinal final;
  bool position_known = false;  // @@gtid_binlog_pos read (MariaDB; MySQL has none)
};

Probed probe_node(const mysql::SessionOptions& options) {
  Probed out;
  auto session = mysql::Session::open(options);
  if (!session) {
    out.final.error = session.error().message;
    return out;
  }
  out.session.emplace(std::move(*session));
  auto read_only = out.session->query_int("SELECT @@read_only");  // alone: see FIELD_NOTES
  auto position = out.session->query_value("SELECT @@gtid_binlog_pos");
  if (!read_only) {
    out.final.error = read_only.error().message;
    out.session.reset();
    return out;
  }
  out.final.reachable = true;
  out.final.read_only = *read_only != 0;
  if (position) {
    out.position_known = true;
    out.final.gtid_binlog_pos = position->value_or("");
  } else {
    out.final.error = position.error().message;
  }
  return out;
}

// Waits for one node to apply `position`, within what is left of the deadline.
bool wait_for(mysql::Session& session, const std::string& position, std::int64_t remaining_ms,
              std::string& error) {
  if (position.empty()) return true;  // the primary has written nothing to wait for
  if (remaining_ms <= 0) return false;
  auto waited = session.query_int("SELECT MASTER_GTID_WAIT('" + position + "', " +
                                  std::to_string(static_cast<double>(remaining_ms) / 1000.0) + ")");
  if (!waited) {
    error = waited.error().message;
    return false;
  }
  return *waited == 0;
}

void read_back(mysql::Session& session, const std::string& rows_sql, const ProbeTable& table,
               const ProbeConfig& config, NodeFinal& out) {
  auto checksum = session.query(table.checksum_sql());
  // CHECKSUM TABLE answers (Table, Checksum); Checksum is NULL for a missing table.
  if (checksum && !checksum->rows.empty() && checksum->rows.front().size() >= 2 && checksum->rows.front()[1]) {
    out.checksum = *checksum->rows.front()[1];
  } else if (!checksum) {
    out.error = checksum.error().message;
  }
  auto rows = session.query(rows_sql);
  if (!rows) {
    out.error = rows.error().message;
    return;
  }
  std::vector<RowKey> keys;
  keys.reserve(rows->rows.size());
  for (const auto& row : rows->rows) {
    if (row.size() < 2 || !row[0] || !row[1]) continue;
    for (std::size_t i = 0; i < config.nodes.size(); ++i) {
      if (config.nodes[i].name() == *row[1]) keys.emplace_back(std::stoll(*row[0]), static_cast<int>(i));
    }
    // --proxy: the proxy's writer comes after the nodes (main.cpp).
    if (config.proxy && config.proxy->name() == *row[1]) {
      keys.emplace_back(std::stoll(*row[0]), static_cast<int>(config.nodes.size()));
    }
  }
  out.rows = std::move(keys);
}

}  // namespace

FinalState run_final_check(const ProbeConfig& config, const std::string& password, const ProbeTable& table,
                           std::int64_t first_seq, std::int64_t last_seq, const ProbeClock& clock) {
  auto log = pivot::log::get("write_probe");
  const std::int64_t started_us = clock.now_us();
  const std::int64_t deadline_us = started_us + config.settle_timeout_ms * 1000;

  std::vector<Probed> probed;
  for (const auto& node : config.nodes) {
    mysql::SessionOptions options = session_options(config, node, config.user, password);
    // MASTER_GTID_WAIT may legitimately take the whole settle timeout.
    options.read_timeout_s = config.timeout_s + static_cast<int>(config.settle_timeout_ms / 1000) + 1;
    probed.push_back(probe_node(options));
  }

  std::optional<std::size_t> primary;
  int writable = 0;
  for (std::size_t i = 0; i < probed.size(); ++i) {
    if (probed[i].final.read_only == false) {
      ++writable;
      primary = i;
    }
  }
  if (writable == 1 && !probed[*primary].position_known) {
    // Without the primary's position nothing can be waited for, and an empty
    // one would pass for "nothing written": leave every node unsettled.
    log->warn("cannot read the final primary's @@gtid_binlog_pos (MariaDB only): not waiting for replication");
  } else if (writable == 1) {
    const std::string position = probed[*primary].final.gtid_binlog_pos;
    for (std::size_t i = 0; i < probed.size(); ++i) {
      if (i == *primary || !probed[i].session) continue;
      const std::int64_t remaining_ms = (deadline_us - clock.now_us()) / 1000;
      probed[i].final.settled = wait_for(*probed[i].session, position, remaining_ms, probed[i].final.error);
      if (!*probed[i].final.settled) {
        pivot::log::event(*log, spdlog::level::warn, {.node = config.nodes[i].name()},
                          "did not reach the final primary's position {} in time", position);
      }
    }
  } else {
    log->warn("{} writable nodes at the end: not waiting for replication", writable);
  }

  FinalState state;
  state.settle_ms = (clock.now_us() - started_us) / 1000;
  for (std::size_t i = 0; i < probed.size(); ++i) {
    if (probed[i].session) {
      read_back(*probed[i].session, table.rows_sql(first_seq, last_seq), table, config, probed[i].final);
    }
    state.nodes.push_back(std::move(probed[i].final));
  }
  return state;
}

}  // namespace pivot::tools
