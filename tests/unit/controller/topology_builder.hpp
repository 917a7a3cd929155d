#pragma once
// Tests read as scenarios: "db1 primary at 0-1-100; db2 replica of db1 at
// 0-1-98 lagging 2 s", on the five-node layout of ARCHITECTURE.md, observed
// at a fixed `now` on pivotd's clock.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/controller/pivot_status.hpp"
#include "pivot/protocol/message.hpp"

namespace pivot::controller::test {

// db1 primary (a), db2 replica priority 10 (b), db3 replica (c), db4 backup
// (b), db5 analytics (c); the documented policy.
inline ClusterSpec five_node_spec() {
  ClusterSpec spec;
  spec.name = "sms-1";
  spec.nodes = {
      {"db1", "10.0.1.11", 3306, "a", Role::primary, 0},   {"db2", "10.0.2.11", 3306, "b", Role::replica, 10},
      {"db3", "10.0.3.11", 3306, "c", Role::replica, 0},   {"db4", "10.0.2.12", 3306, "b", Role::backup, 0},
      {"db5", "10.0.3.12", 3306, "c", Role::analytics, 0},
  };
  return spec;
}

struct Topology {
  static constexpr std::uint64_t kNow = 1'000'000;

  ClusterSpec spec = five_node_spec();
  ClusterObservation observed;
  std::uint64_t now_ms = kNow;

  // db1 primary at 0-1-100; db2..db5 replicas of db1 at 0-1-100 lagging 0 s.
  static Topology healthy() {
    Topology t;
    t.primary("db1", "0-1-100");
    for (const char* node : {"db2", "db3", "db4", "db5"}) t.replica(node, "db1", "0-1-100", 0);
    return t;
  }

  // A writable MariaDB 10.11.6 at `gtid_pos`, binlog on (ROW), heard just now.
  Topology& primary(const std::string& node, const std::string& gtid_pos) {
    auto& s = fresh_state(node);
    s.read_only = false;
    s.gtid_binlog_pos = s.gtid_binlog_state = s.gtid_current_pos = gtid_pos;
    s.gtid_slave_pos = "";
    s.replica.reset();
    return *this;
  }

  // A read-only replica of `source` (its spec address) that applied and
  // logged everything up to `gtid_pos`, IO and SQL threads running.
  Topology& replica(const std::string& node, const std::string& source, const std::string& gtid_pos,
                    std::uint64_t lag_s) {
    auto& s = fresh_state(node);
    s.read_only = true;
    s.gtid_binlog_pos = s.gtid_binlog_state = s.gtid_current_pos = s.gtid_slave_pos = gtid_pos;
    protocol::ReplicaStatus r;
    const auto* source_spec = spec.find(source);
    r.source_host = source_spec ? source_spec->host : source;
    r.source_port = source_spec ? source_spec->port : 3306;
    r.io_running = protocol::IoThread::yes;
    r.sql_running = true;
    r.seconds_behind = lag_s;
    r.using_gtid = protocol::GtidMode::slave_pos;
    r.executed_gtids = gtid_pos;
    s.replica = r;
    return *this;
  }

  // The agent's last message arrived `age` ms before now.
  Topology& heard(const std::string& node, std::uint64_t age) {
    observed.nodes[node].received_at_ms = now_ms - age;
    return *this;
  }

  // The agent reports mysqld unreachable: every server field unknown.
  Topology& down(const std::string& node) {
    protocol::NodeState unreachable;
    unreachable.cluster = spec.name;
    unreachable.node = node;
    unreachable.probe_error = "Can't connect to local server through socket";
    state(node) = unreachable;
    return *this;
  }

  // `node`'s mysqld gone (killed): its agent says so, and every other node
  // that replicated from it has its IO thread reconnecting in vain.
  Topology& primary_lost(const std::string& node) {
    down(node);
    const auto* gone = spec.find(node);
    for (auto& [name, o] : observed.nodes) {
      if (!o.state || !o.state->replica || !gone || o.state->replica->source_host != gone->host) continue;
      auto& r = *o.state->replica;
      r.io_running = protocol::IoThread::connecting;
      r.last_io_error = "error reconnecting to master: Can't connect to MySQL server (111)";
      r.seconds_behind = std::nullopt;
    }
    return *this;
  }

  Topology& forget(const std::string& node) {
    observed.nodes.erase(node);
    return *this;
  }

  protocol::NodeState& state(const std::string& node) { return *observed.nodes.at(node).state; }
  protocol::ReplicaStatus& replica_of(const std::string& node) { return *state(node).replica; }

  PivotStatus status(std::optional<std::string> candidate = std::nullopt, bool job_in_progress = false) const {
    return evaluate_pivot_status({spec, observed, now_ms, job_in_progress, std::move(candidate)});
  }

 private:
  // server_id is the node's number: db2 is 2.
  protocol::NodeState& fresh_state(const std::string& node) {
    auto& o = observed.nodes[node];
    o.received_at_ms = now_ms;
    o.boot_id = "boot-" + node;
    protocol::NodeState s;
    s.cluster = spec.name;
    s.node = node;
    s.flavor = protocol::Flavor::mariadb;
    s.version = "10.11.6-MariaDB-0+deb12u1-log";
    s.server_id = static_cast<std::uint32_t>(std::stoul(node.substr(node.find_first_of("0123456789"))));
    s.gtid_domain_id = 0;
    s.gtid_strict_mode = true;
    s.log_bin = s.log_replica_updates = true;
    s.binlog_format = "ROW";
    s.semi_sync = protocol::SemiSync{};
    s.mysql_reachable = true;
    s.agent_version = "0.1.0";
    s.uptime_s = 3600;
    s.slave_net_timeout = 2;  // a hung source noticed within 2 s, below agent_dead_ms (3000 ms)
    o.state = s;
    return *o.state;
  }
};

// Every node's state as the message its agent would send (what
// PivotService::on_message takes), boot id "boot-<node>".
inline std::vector<protocol::Message> state_messages(const Topology& t) {
  std::vector<protocol::Message> out;
  for (const auto& [name, node] : t.observed.nodes) {
    protocol::Message m;
    m.envelope = {t.spec.name, name, "boot-" + name, 1, 0};
    m.body = *node.state;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace pivot::controller::test
