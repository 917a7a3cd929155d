#include "sim_cluster.hpp"

#include <algorithm>
#include <map>

#include "pivot/gtid/mariadb_position.hpp"

namespace pivot::agent_sim {
namespace {

using protocol::CommandResult;
using protocol::Value;
using protocol::ValueMap;

constexpr std::uint32_t kDomain = 0;
// How often a wait_for_position that has not reached its position looks again.
constexpr std::uint64_t kWaitRecheckMs = 10;

template <typename T>
std::optional<T> arg(const protocol::Command& command, const char* key) {
  auto it = command.args.find(key);
  if (it == command.args.end() || !std::holds_alternative<T>(it->second)) return std::nullopt;
  return std::get<T>(it->second);
}

const char* fence_name(int fence) {
  static constexpr const char* kNames[] = {"none", "held", "lost", "expired"};
  return kNames[fence];
}

}  // namespace

SimCluster::SimCluster(std::string name, std::vector<SimNodeSpec> nodes, SimSettings settings, std::uint64_t seed,
                       std::uint64_t now_ms)
    : name_(std::move(name)), settings_(std::move(settings)), random_(seed), now_ms_(now_ms), start_ms_(now_ms) {
  // A cluster that has been running a while: a few thousand transactions in.
  const std::uint64_t start_seq = 1000 + random_() % 9000;
  writers_.push_back({1, 1});
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes_.emplace_back(std::move(nodes[i]), settings_.heartbeat_ms);
    n.server_id = static_cast<std::uint32_t>(i + 1);
    n.seq = start_seq;
    n.last_write_ms = now_ms;
    if (i == 0) {
      n.read_only = false;
    } else {
      n.source = 0;
      n.io_running = n.sql_running = true;
      n.slave_seq = start_seq;
      n.lag_ms = random_() % (settings_.max_lag_ms + 1);
    }
  }
}

std::optional<std::size_t> SimCluster::writer() const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (!n.read_only && !n.source && n.fence != Fence::held) return i;
  }
  return std::nullopt;
}

void SimCluster::advance(std::uint64_t now_ms) {
  if (now_ms <= now_ms_) return;
  const std::uint64_t dt = now_ms - now_ms_;
  now_ms_ = now_ms;
  for (Node& n : nodes_) {
    if (n.fence == Fence::held && now_ms >= n.fence_until_ms) n.fence = Fence::expired;
  }
  if (auto w = writer()) {
    write_carry_ += static_cast<double>(settings_.writes_per_s) * static_cast<double>(dt) / 1000.0;
    const auto count = static_cast<std::uint64_t>(write_carry_);
    write_carry_ -= static_cast<double>(count);
    Node& n = nodes_[*w];
    if (count > 0) {
      if (writers_.back().second != n.server_id) writers_.push_back({n.seq + 1, n.server_id});
      n.seq += count;
      n.last_write_ms = now_ms;
    }
  }
  std::uniform_real_distribution<double> step(-0.5, 0.5);
  for (Node& n : nodes_) {
    if (!n.source) continue;
    // The lag drifts by up to half its range a second.
    const double drift = step(random_) * static_cast<double>(settings_.max_lag_ms) * static_cast<double>(dt) / 1000.0;
    const double lag = std::clamp(static_cast<double>(n.lag_ms) + drift, 0.0, static_cast<double>(settings_.max_lag_ms));
    n.lag_ms = static_cast<std::uint64_t>(lag);
    if (!n.io_running || !n.sql_running) continue;
    const Node& source = nodes_[*n.source];
    std::uint64_t target = source.seq;
    if (now_ms - source.last_write_ms < n.lag_ms) {
      const std::uint64_t behind = settings_.writes_per_s * n.lag_ms / 1000;
      target = source.seq > behind ? source.seq - behind : 0;
    }
    if (target > n.seq) {
      n.seq = target;
      n.slave_seq = target;
      n.last_write_ms = now_ms;
    }
  }
}

std::string SimCluster::gtid_of(std::uint64_t seq) const {
  if (seq == 0) return "";
  std::uint32_t server = writers_.front().second;
  for (const auto& [first, id] : writers_) {
    if (first <= seq) server = id;
  }
  return std::to_string(kDomain) + "-" + std::to_string(server) + "-" + std::to_string(seq);
}

// gtid_binlog_state: the last seq of each server that wrote up to `seq`.
std::string SimCluster::binlog_state_of(std::uint64_t seq) const {
  std::map<std::uint32_t, std::uint64_t> last;
  for (std::size_t i = 0; i < writers_.size() && writers_[i].first <= seq; ++i) {
    const std::uint64_t end = i + 1 < writers_.size() ? writers_[i + 1].first - 1 : seq;
    last[writers_[i].second] = std::min(end, seq);
  }
  std::string out;
  for (const auto& [server, s] : last) {
    if (!out.empty()) out += ",";
    out += std::to_string(kDomain) + "-" + std::to_string(server) + "-" + std::to_string(s);
  }
  return out;
}

std::string SimCluster::position(std::size_t node) const { return gtid_of(nodes_[node].seq); }

protocol::NodeState SimCluster::state(std::size_t index) const {
  const Node& n = nodes_[index];
  protocol::NodeState s;
  s.cluster = name_;
  s.node = n.spec.name;
  s.flavor = protocol::Flavor::mariadb;
  s.version = "10.11.6-MariaDB-0+deb12u1-log";
  s.server_id = n.server_id;
  s.gtid_domain_id = kDomain;
  s.read_only = n.read_only;
  s.gtid_binlog_pos = s.gtid_current_pos = gtid_of(n.seq);
  s.gtid_binlog_state = binlog_state_of(n.seq);
  s.gtid_slave_pos = gtid_of(n.slave_seq);
  s.gtid_strict_mode = true;
  s.log_bin = s.log_replica_updates = true;
  s.binlog_format = "ROW";
  if (n.source) {
    const Node& source = nodes_[*n.source];
    protocol::ReplicaStatus r;
    r.source_host = source.spec.host;
    r.source_port = source.spec.port;
    r.io_running = n.io_running ? protocol::IoThread::yes : protocol::IoThread::no;
    r.sql_running = n.sql_running;
    if (n.io_running) r.seconds_behind = source.seq > n.seq ? n.lag_ms / 1000 : 0;
    r.using_gtid = protocol::GtidMode::slave_pos;
    r.received_gtids = gtid_of(n.io_running ? source.seq : n.seq);
    r.executed_gtids = gtid_of(n.slave_seq);
    s.replica = r;
  }
  s.semi_sync = n.semi_sync;
  s.mysql_reachable = true;
  // A probe of five statements on a loopback connection: under a millisecond.
  s.probe_latency_ms = 0.4 + static_cast<double>((now_ms_ + index) % 7) * 0.05;
  s.agent_version = settings_.agent_version;
  s.uptime_s = 86400 + (now_ms_ - start_ms_) / 1000;
  return s;
}

SimOutput SimCluster::probe(std::size_t node, std::uint64_t now_ms) {
  advance(now_ms);
  SimOutput out;
  out.node = node;
  auto snapshot = state(node);
  auto publish = nodes_[node].publication.on_snapshot(snapshot, now_ms);
  out.events = std::move(publish.events);
  if (publish.state) out.state = std::move(snapshot);
  return out;
}

std::optional<CommandResult> SimCluster::receive(std::size_t node, const protocol::Command& command,
                                                 std::uint64_t now_ms) {
  auto admission = nodes_[node].gate.admit(command);
  switch (admission.kind) {
    case agent::Admission::Kind::replay:
    case agent::Admission::Kind::refuse:
      return admission.answer;
    case agent::Admission::Kind::in_flight:
      return std::nullopt;
    case agent::Admission::Kind::run:
      break;
  }
  pending_.push_back({node, command, now_ms, now_ms + settings_.command_delay_ms});
  return std::nullopt;
}

std::optional<std::uint64_t> SimCluster::next_due_ms() const {
  // Only each node's first pending command can run next (due() runs them in order).
  std::optional<std::uint64_t> next;
  std::vector<bool> seen(nodes_.size(), false);
  for (const auto& p : pending_) {
    if (seen[p.node]) continue;
    seen[p.node] = true;
    if (!next || p.due_ms < *next) next = p.due_ms;
  }
  return next;
}

std::vector<SimOutput> SimCluster::due(std::uint64_t now_ms) {
  advance(now_ms);
  std::vector<SimOutput> outputs;
  auto output_of = [&outputs](std::size_t node) -> SimOutput& {
    for (auto& o : outputs) {
      if (o.node == node) return o;
    }
    outputs.push_back(SimOutput{node, {}, {}, {}});
    return outputs.back();
  };
  // One command at a time per node, in arrival order, as a real agent's
  // queue runs them: a command queued behind a wait that has not ended (a
  // pivot's reset behind its catch-up) waits for it.
  std::vector<bool> busy(nodes_.size(), false);
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (busy[it->node] || it->due_ms > now_ms) {
      busy[it->node] = true;
      ++it;
      continue;
    }
    Node& node = nodes_[it->node];
    std::optional<CommandResult> result;
    if (it->command.action == "wait_for_position") {
      result = wait_for_position(node, *it, now_ms);
      if (!result) {
        it->due_ms = now_ms + kWaitRecheckMs;
        busy[it->node] = true;
        ++it;
        continue;
      }
    } else {
      result = run(node, *it, now_ms);
    }
    result->duration_ms = now_ms - it->received_ms;
    node.gate.finished(*result);
    output_of(it->node).results.push_back(std::move(*result));
    it = pending_.erase(it);
  }
  for (auto& o : outputs) {
    auto snapshot = state(o.node);
    auto publish = nodes_[o.node].publication.on_snapshot(snapshot, now_ms);
    o.events = std::move(publish.events);
    if (publish.state) o.state = std::move(snapshot);
  }
  return outputs;
}

std::optional<std::size_t> SimCluster::find_host(const std::string& host, std::int64_t port) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].spec.host == host && nodes_[i].spec.port == port) return i;
  }
  return std::nullopt;
}

void SimCluster::positions_into(const Node& node, ValueMap& detail) const {
  detail["gtid_binlog_pos"] = gtid_of(node.seq);
  detail["gtid_current_pos"] = gtid_of(node.seq);
  detail["gtid_slave_pos"] = gtid_of(node.slave_seq);
  detail["gtid_executed"] = std::monostate{};
  detail["read_only"] = node.read_only;
}

std::optional<CommandResult> SimCluster::wait_for_position(const Node& node, const Pending& pending,
                                                           std::uint64_t now_ms) const {
  const auto& command = pending.command;
  auto target = gtid::MariadbPosition::parse(arg<std::string>(command, "position").value_or(""));
  if (!target) return agent::error_result(command.id, "bad_arg_value", "position: " + target.error().message);
  const auto wait = static_cast<std::uint64_t>(std::max<std::int64_t>(arg<std::int64_t>(command, "timeout_ms").value_or(0), 0));
  const std::uint64_t bound = std::min(wait, command.timeout_ms);
  const std::uint64_t waited = now_ms - pending.received_ms;
  const bool reached = node.seq >= target->seq(kDomain);
  if (!reached && waited < bound) return std::nullopt;
  CommandResult r;
  r.id = command.id;
  r.ok = reached;
  r.detail["reached"] = reached;
  r.detail["waited_ms"] = static_cast<std::int64_t>(waited);
  r.detail["position"] = gtid_of(node.seq);
  r.detail["replication"] = std::monostate{};
  if (!reached) {
    r.error = "position_timeout";
    r.detail["message"] = "position " + target->to_string() + " not applied within " + std::to_string(bound) +
                          " ms (at " + gtid_of(node.seq) + ")";
    r.detail["replication"] = std::string("IO thread ") + (node.io_running ? "yes" : "no") + ", SQL thread " +
                              (node.sql_running ? "yes" : "no");
  }
  return r;
}

CommandResult SimCluster::run(Node& node, const Pending& pending, std::uint64_t now_ms) {
  const auto& c = pending.command;
  if (c.timeout_ms > 0 && now_ms >= pending.received_ms + c.timeout_ms) {
    return agent::error_result(c.id, "deadline_exceeded", "the command's deadline passed before it could start");
  }
  CommandResult r;
  r.id = c.id;
  r.ok = true;
  auto& d = r.detail;
  if (c.action == "set_read_only") {
    const bool read_only = arg<bool>(c, "read_only").value_or(true);
    // no_source (issue 22): a switch queued behind a reset that did not run refuses.
    if (arg<bool>(c, "no_source").value_or(false) && node.source) {
      return agent::error_result(c.id, "still_replica", node.spec.name + " still has a replication source");
    }
    d["changed"] = node.read_only != read_only;
    node.read_only = read_only;
    d["read_only"] = read_only;
    d["super_read_only"] = std::monostate{};
    // A semi-sync promotion: the source side on, fresh, before read_only off.
    if (auto timeout = arg<std::int64_t>(c, "semi_sync_timeout_ms"); timeout && !read_only) {
      node.semi_sync.source = true;
      node.semi_sync.source_active = true;
      node.semi_sync.wait_point = "AFTER_SYNC";
      node.semi_sync.timeout_ms = static_cast<std::uint64_t>(*timeout);
      d["semi_sync_source_active"] = true;
    }
  } else if (c.action == "kill_connections") {
    d["killed"] = static_cast<std::int64_t>(random_() % 4);
    d["remaining"] = std::int64_t{0};
  } else if (c.action == "stop_replication") {
    d["was_running"] = node.io_running || node.sql_running;
    node.io_running = node.sql_running = false;
  } else if (c.action == "stop_io_thread") {
    // The simulator has no relay log: what a replica received it applied.
    d["was_running"] = node.source.has_value() && node.io_running;
    node.io_running = false;
    d["received"] = node.source ? gtid_of(node.seq) : std::string();
    d["executed"] = gtid_of(node.slave_seq);
    d["sql_running"] = node.source.has_value() && node.sql_running;
  } else if (c.action == "start_replication") {
    if (!node.source) return agent::error_result(c.id, "not_a_replica", node.spec.name + " has no source configured");
    node.io_running = node.sql_running = true;
    d["io_running"] = std::string("yes");
    d["sql_running"] = true;
  } else if (c.action == "reset_replication") {
    // applied (issue 22): only a node that applied the position is reset.
    if (const auto applied = arg<std::string>(c, "applied").value_or(""); !applied.empty()) {
      auto target = gtid::MariadbPosition::parse(applied);
      if (!target) return agent::error_result(c.id, "bad_arg_value", "applied: " + target.error().message);
      if (node.seq < target->seq(kDomain)) {
        return agent::error_result(c.id, "position_timeout",
                                   "position " + applied + " not applied (at " + gtid_of(node.seq) + ")");
      }
    }
    d["had_source"] = node.source.has_value();
    d["previous_source_host"] = node.source ? Value(nodes_[*node.source].spec.host) : Value(std::monostate{});
    d["previous_source_port"] =
        node.source ? Value(static_cast<std::int64_t>(nodes_[*node.source].spec.port)) : Value(std::monostate{});
    node.source.reset();
    node.io_running = node.sql_running = false;
  } else if (c.action == "change_source") {
    const std::string host = arg<std::string>(c, "host").value_or("");
    const std::int64_t port = arg<std::int64_t>(c, "port").value_or(0);
    const auto source = find_host(host, port);
    if (!source || *source == static_cast<std::size_t>(&node - nodes_.data())) {
      return agent::error_result(c.id, "mysql_error",
                                 "the simulator has no other node at " + host + ":" + std::to_string(port));
    }
    d["previous_source_host"] = node.source ? Value(nodes_[*node.source].spec.host) : Value(std::monostate{});
    d["previous_source_port"] =
        node.source ? Value(static_cast<std::int64_t>(nodes_[*node.source].spec.port)) : Value(std::monostate{});
    if (arg<bool>(c, "seed_gtid_slave_pos").value_or(false)) node.slave_seq = node.seq;
    const bool had_source = node.source.has_value();
    node.source = source;
    bool io = false, sql = false;
    if (arg<bool>(c, "start").value_or(true)) {
      // Only the threads that ran before; both for a node that had no source.
      io = !had_source || node.io_running;
      sql = !had_source || node.sql_running;
    }
    node.io_running = io;
    node.sql_running = sql;
    d["gtid_slave_pos"] = gtid_of(node.slave_seq);
    d["started"] = io || sql;
    d["io_started"] = io;
    d["sql_started"] = sql;
    d["sql_delay"] = std::int64_t{0};
    if (arg<bool>(c, "semi_sync_source_off").value_or(false)) {
      d["semi_sync_source_off"] = node.semi_sync.source;
      node.semi_sync.source = false;
      node.semi_sync.source_active = false;
    }
  } else if (c.action == "ping") {
    d["read_only"] = node.read_only;
  } else if (c.action == "report_position") {
    positions_into(node, d);
    d["fence"] = std::string(fence_name(static_cast<int>(node.fence)));
  } else if (c.action == "fence_writes") {
    // read_only (issue 22): set_read_only first, in the same command.
    if (arg<bool>(c, "read_only").value_or(false)) {
      d["changed"] = !node.read_only;
      d["super_read_only"] = std::monostate{};
      node.read_only = true;
    }
    const auto lease = static_cast<std::uint64_t>(arg<std::int64_t>(c, "lease_ms").value_or(1000));
    const bool already = node.fence == Fence::held;
    node.fence_until_ms = already ? std::max(node.fence_until_ms, now_ms + lease) : now_ms + lease;
    node.fence = Fence::held;
    d["lock"] = std::string("backup_stage_block_commit");
    d["held"] = true;
    d["already"] = already;
    d["waited_ms"] = std::int64_t{0};
    positions_into(node, d);
  } else if (c.action == "set_semi_sync") {
    // As a server would: the source side on is AFTER_SYNC and active (a
    // simulated replica always acknowledges).
    const auto before = node.semi_sync;
    if (auto source = arg<bool>(c, "source")) {
      node.semi_sync.source = *source;
      node.semi_sync.source_active = *source;
      if (*source) node.semi_sync.wait_point = "AFTER_SYNC";
      if (auto timeout = arg<std::int64_t>(c, "timeout_ms")) node.semi_sync.timeout_ms = static_cast<std::uint64_t>(*timeout);
    }
    if (auto replica = arg<bool>(c, "replica")) node.semi_sync.replica = *replica;
    d["source"] = node.semi_sync.source;
    d["replica"] = node.semi_sync.replica;
    d["source_active"] = node.semi_sync.source_active.value_or(false);
    d["wait_point"] = node.semi_sync.wait_point ? Value(*node.semi_sync.wait_point) : Value(std::monostate{});
    d["timeout_ms"] = node.semi_sync.timeout_ms ? Value(static_cast<std::int64_t>(*node.semi_sync.timeout_ms))
                                                : Value(std::monostate{});
    d["changed"] = !(before == node.semi_sync);
    d["io_restarted"] = before.replica != node.semi_sync.replica && node.io_running;
  } else if (c.action == "release_fence") {
    const Fence was = node.fence;
    d["was"] = std::string(fence_name(static_cast<int>(was)));
    if (arg<bool>(c, "kill_clients").value_or(false)) {
      d["swept"] = static_cast<std::int64_t>(random_() % 3);
      d["sweeps"] = std::int64_t{1};
      d["remaining"] = std::int64_t{0};
    }
    node.fence = Fence::none;
    if (was == Fence::lost || was == Fence::expired) {
      r.ok = false;
      r.error = "fence_lost";
      d["message"] = std::string("the fence ") + fence_name(static_cast<int>(was)) + " before the release";
    }
  } else {
    // The gate refuses an action the catalogue lacks; one it has that the
    // simulator does not know is the simulator's gap, said as such.
    return agent::error_result(c.id, "internal_error", "the simulator cannot run " + c.action);
  }
  return r;
}

}  // namespace pivot::agent_sim
