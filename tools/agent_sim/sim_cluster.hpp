#pragma once
// SimCluster: one simulated MariaDB cluster and its agents, as pivotd sees
// them through the wire. Pure (no I/O, no clock: time is a parameter, the
// randomness a seeded generator), so that tests drive it step by step.
//
// What it models, and what it does not:
//   - one GTID domain (0); the writable node with no source and no fence
//     writes `writes_per_s` transactions a second; every node logs what it
//     applies (log_slave_updates), so its binlog position is its applied one;
//   - a replica applies its source's writes `lag` behind, the lag wandering
//     between 0 and `max_lag_ms`; when its source stopped writing for longer
//     than the lag, it has caught up (Seconds_Behind_Master 0);
//   - the agent's actions change that model as the real agent's SQL changes
//     mysqld (read_only, source, threads, the fence and its lease), and are
//     answered `command_delay_ms` after receipt, with the detail keys of the
//     catalogue; wait_for_position waits until the node applied the position
//     or the wait's bound passes;
//   - each agent's gate (the real agent's CommandGate) answers a repeated id
//     with the stored result, refuses a stale epoch and bad args;
//   - each agent's publication (the real agent's Publication) decides when a
//     snapshot is sent and which events go first.
//   Not modelled: mysqld going down, replication errors, MySQL, errant GTIDs
//   (a second writable node without a source does not write).

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "pivot/agent/command_gate.hpp"
#include "pivot/agent/publication.hpp"
#include "pivot/protocol/command.hpp"
#include "pivot/protocol/command_result.hpp"
#include "pivot/protocol/node_state.hpp"

namespace pivot::agent_sim {

struct SimSettings {
  std::uint64_t writes_per_s = 50;       // the primary's transactions per second
  std::uint64_t max_lag_ms = 1500;       // replicas' lag wanders in [0, this]
  std::uint64_t command_delay_ms = 5;    // an action's answer comes this long after receipt
  std::uint64_t heartbeat_ms = 1000;     // Publication's heartbeat interval
  std::string agent_version = "0.1.0-sim";
};

struct SimNodeSpec {
  std::string name;
  std::string host;
  std::uint16_t port = 3306;
};

// What one agent sends after a snapshot or a command: events first, then
// results, then the state when there is one.
struct SimOutput {
  std::size_t node = 0;
  std::vector<protocol::Event> events;
  std::vector<protocol::CommandResult> results;
  std::optional<protocol::NodeState> state;
};

class SimCluster {
 public:
  // Node 0 starts as the primary, the others as its replicas.
  SimCluster(std::string name, std::vector<SimNodeSpec> nodes, SimSettings settings, std::uint64_t seed,
             std::uint64_t now_ms);

  const std::string& name() const { return name_; }
  std::size_t size() const { return nodes_.size(); }
  const SimNodeSpec& spec(std::size_t node) const { return nodes_[node].spec; }

  // Moves the cluster to now_ms (never backwards): writes, apply, lags, leases.
  void advance(std::uint64_t now_ms);
  // The node's snapshot as its agent would build it at the last advance().
  protocol::NodeState state(std::size_t node) const;
  // The agent's probe tick: advance, snapshot, and what its Publication sends.
  SimOutput probe(std::size_t node, std::uint64_t now_ms);

  // A command for `node` arrived at now_ms. A replay or a refusal is answered
  // at once (returned); an admitted command runs later (due()).
  std::optional<protocol::CommandResult> receive(std::size_t node, const protocol::Command& command,
                                                 std::uint64_t now_ms);
  // The admitted commands whose time has come, run now in arrival order: per
  // node, the results and a fresh snapshot (the real agent's next probe would
  // show the change; the simulator shows it at once).
  std::vector<SimOutput> due(std::uint64_t now_ms);
  // When due() has something to run next; nullopt when nothing waits.
  std::optional<std::uint64_t> next_due_ms() const;

  // The node now writing (writable, no source, not fenced), if any.
  std::optional<std::size_t> writer() const;
  // GTID position text ("0-<server_id>-<seq>") of `node`'s binlog, "" when empty.
  std::string position(std::size_t node) const;

 private:
  enum class Fence { none, held, lost, expired };
  struct Node {
    SimNodeSpec spec;
    std::uint32_t server_id = 0;
    bool read_only = true;
    std::optional<std::size_t> source;  // index of the node it replicates from
    bool io_running = false, sql_running = false;
    std::uint64_t seq = 0;        // last seq in its binlog (applied or written)
    std::uint64_t slave_seq = 0;  // gtid_slave_pos's seq (0: empty)
    std::uint64_t lag_ms = 0;
    std::uint64_t last_write_ms = 0;  // when its seq last grew
    Fence fence = Fence::none;
    std::uint64_t fence_until_ms = 0;
    protocol::SemiSync semi_sync{};  // as set_semi_sync left it (both sides off at start)
    agent::CommandGate gate{0};
    agent::Publication publication;
    explicit Node(SimNodeSpec s, std::uint64_t heartbeat_ms) : spec(std::move(s)), publication(heartbeat_ms) {}
  };
  struct Pending {
    std::size_t node;
    protocol::Command command;
    std::uint64_t received_ms;
    std::uint64_t due_ms;
  };

  protocol::CommandResult run(Node& node, const Pending& pending, std::uint64_t now_ms);
  // wait_for_position: the answer when the wait is over, nullopt to wait on.
  std::optional<protocol::CommandResult> wait_for_position(const Node& node, const Pending& pending,
                                                           std::uint64_t now_ms) const;
  void positions_into(const Node& node, protocol::ValueMap& detail) const;
  std::string gtid_of(std::uint64_t seq) const;  // "0-<writer of seq>-<seq>"
  std::string binlog_state_of(std::uint64_t seq) const;
  std::optional<std::size_t> find_host(const std::string& host, std::int64_t port) const;

  std::string name_;
  SimSettings settings_;
  std::vector<Node> nodes_;
  std::mt19937_64 random_;
  std::uint64_t now_ms_;
  std::uint64_t start_ms_;
  double write_carry_ = 0;
  // Who wrote which seq: (first seq, server_id), in order.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> writers_;
  std::vector<Pending> pending_;
};

}  // namespace pivot::agent_sim
