#include "pivot/agent/mysql_probe.hpp"

#include <algorithm>

#include "pivot/agent/probe_sql.hpp"

namespace pivot::agent {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

std::map<std::string, std::string> name_values(const mysql::Rows& rows) {
  std::map<std::string, std::string> out;
  for (const auto& row : rows.rows) {
    if (row.size() >= 2 && row[0]) out[*row[0]] = row[1].value_or("");
  }
  return out;
}

}  // namespace

MysqlProbe::MysqlProbe(mysql::SessionOptions options, std::string cluster, std::string node,
                       std::string agent_version)
    : options_(std::move(options)),
      cluster_(std::move(cluster)),
      node_(std::move(node)),
      agent_version_(std::move(agent_version)) {}

protocol::NodeState MysqlProbe::unreachable(const std::string& why) const {
  protocol::NodeState s;
  s.cluster = cluster_;
  s.node = node_;
  s.flavor = flavor_;
  s.mysql_reachable = false;
  s.probe_error = why;
  s.agent_version = agent_version_;
  return s;
}

Result<ProbeRows> MysqlProbe::read_rows() {
  ProbeRows rows;
  auto version = session_->query_value(kVersionSql);
  if (!version) return version.error();
  rows.version = version->value_or("");
  const ProbeSql& sql = probe_sql(flavor_of_version(rows.version));

  auto variables = session_->query(sql.variables);
  if (!variables) return variables.error();
  rows.variables = name_values(*variables);

  auto read_only = session_->query_value(sql.read_only);
  if (!read_only) return read_only.error();
  rows.read_only = *read_only;

  auto replica = session_->query(sql.replica_status);
  if (!replica) return replica.error();
  for (size_t i = 0; i < replica->rows.size(); ++i) rows.replica_status.push_back(replica->record(i));

  auto status = session_->query(sql.status);
  if (!status) return status.error();
  rows.status = name_values(*status);
  return rows;
}

protocol::NodeState MysqlProbe::probe() {
  const auto started = Clock::now();
  if (!session_) {
    if (started < next_connect_) {
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_connect_ - started);
      return unreachable(last_error_ + " (next connect in " + std::to_string(wait.count()) + " ms)");
    }
    auto opened = mysql::Session::open(options_);
    if (!opened) {
      backoff_ = std::min(kMaxBackoff, backoff_.count() ? backoff_ * 2 : kFirstBackoff);
      next_connect_ = Clock::now() + backoff_;
      last_error_ = opened.error().message;
      return unreachable(last_error_);
    }
    session_ = std::move(opened).value();
    backoff_ = std::chrono::milliseconds(0);
  }

  auto rows = read_rows();
  if (!rows) {
    // Any failure drops the connection: a half-read state is never reported,
    // and the next probe starts from a fresh session.
    session_.reset();
    last_error_ = rows.error().message;
    return unreachable(last_error_);
  }
  std::vector<std::string> problems;
  protocol::NodeState state = build_state(*rows, problems);
  state.cluster = cluster_;
  state.node = node_;
  state.agent_version = agent_version_;
  flavor_ = state.flavor;
  for (const auto& p : problems) state.probe_error += (state.probe_error.empty() ? "" : "; ") + p;
  state.probe_latency_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  return state;
}

}  // namespace pivot::agent
