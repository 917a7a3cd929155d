// agent_sim: thousands of simulated pivot-agents speaking the real protocol
// over real ZeroMQ sockets, to measure how far one pivotd goes
// (bench/controller_scale, docs/agent_sim.md).
//
//   agent_sim setup --dir DIR --agents N    keys and cluster specs for pivotd
//   agent_sim run --dir DIR --agents N --events EP --commands EP
//
// `run` spreads the agents over as many processes as the descriptor limit
// needs (each agent holds about 4 descriptors: two sockets' mailboxes and
// two TCP connections). One share runs in the process itself; more are
// forked children (this program again, with --range), which the parent
// waits for, forwarding SIGTERM/SIGINT; a child that dies ends the run.

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include <CLI/CLI.hpp>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fleet_layout.hpp"
#include "pivot/curve_keys.hpp"
#include "pivot/log.hpp"
#include "sim_bus.hpp"

namespace {

using namespace pivot::agent_sim;
namespace fs = std::filesystem;

// Descriptors per agent counted in one process (two sockets' mailboxes, two
// TCP connections) plus one of margin for reconnects in flight.
constexpr std::size_t kFdsPerAgent = 5;
constexpr std::size_t kFdsReserved = 64;

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

void install_signal_handlers() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

std::uint64_t wall_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::uint64_t fd_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

std::string key_name(const FleetLayout& layout, std::size_t cluster, const SimNodeSpec& node) {
  return cluster_name(layout, cluster) + "." + node.name;
}

bool write_file(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

// DIR/keys/controller/controller.{key,pub} (kept when present),
// DIR/keys/agents/<cluster>.<node>.{key,pub}, DIR/agents.d/<cluster>.<node>.pub,
// DIR/clusters.d/<cluster>.yaml.
int setup(const fs::path& dir, const FleetLayout& layout) {
  auto log = pivot::log::get("agent_sim");
  for (const char* sub : {"keys/agents", "agents.d", "clusters.d"}) fs::create_directories(dir / sub);
  if (!fs::exists(dir / "keys/controller/controller.key")) {
    if (auto made = pivot::curve::write_key_pair((dir / "keys/controller").string(), "controller", false); !made) {
      log->critical("controller key: {}", made.error().message);
      return 1;
    }
  }
  for (std::size_t c = 0; c < layout.clusters; ++c) {
    for (const auto& node : cluster_nodes(layout, c)) {
      const std::string name = key_name(layout, c, node);
      auto pair = pivot::curve::write_key_pair((dir / "keys/agents").string(), name, true);
      if (!pair || !write_file(dir / "agents.d" / (name + ".pub"), pair->public_key + "\n")) {
        log->critical("agent key {}: {}", name, pair ? "cannot write agents.d" : pair.error().message);
        return 1;
      }
    }
    if (!write_file(dir / "clusters.d" / (cluster_name(layout, c) + ".yaml"), cluster_spec_yaml(layout, c))) {
      log->critical("cannot write the spec of {}", cluster_name(layout, c));
      return 1;
    }
  }
  log->info("{} clusters of {} ({} agents): keys in {}, specs in {}", layout.clusters, layout.cluster_size,
            layout.agents(), (dir / "agents.d").string(), (dir / "clusters.d").string());
  return 0;
}

struct RunOptions {
  SimBusOptions bus;
  SimSettings sim;
  std::size_t agents_per_process = 0;  // 0: from the descriptor limit
  std::string range;                   // "FIRST:LAST" clusters: a child's share
};

// One process: clusters [first, last).
int run_share(const fs::path& dir, const FleetLayout& layout, RunOptions options, ClusterRange range) {
  auto log = pivot::log::get("agent_sim");
  auto server = pivot::curve::read_key_file((dir / "keys/controller/controller.pub").string());
  if (!server) {
    log->critical("{}", server.error().message);
    return 1;
  }
  options.bus.server_key = *server;
  std::vector<SimCluster> clusters;
  std::vector<AgentKey> keys;
  std::mt19937_64 seeds(range.first);
  const std::uint64_t now = wall_ms();
  clusters.reserve(range.last - range.first);
  for (std::size_t c = range.first; c < range.last; ++c) {
    const auto nodes = cluster_nodes(layout, c);
    for (const auto& node : nodes) {
      const std::string file = (dir / "keys/agents" / (key_name(layout, c, node) + ".key")).string();
      auto secret = pivot::curve::read_key_file(file);
      auto public_key = secret ? pivot::curve::public_of(*secret) : pivot::Result<std::string>(secret.error());
      if (!public_key) {
        log->critical("{} (run `agent_sim setup` with the same --agents first)", public_key.error().message);
        return 1;
      }
      keys.push_back({*secret, *public_key});
    }
    clusters.emplace_back(cluster_name(layout, c), nodes, options.sim, seeds(), now);
  }
  SimBus bus(clusters, std::move(keys), options.bus);
  if (auto opened = bus.open(); !opened) {
    log->critical("{}", opened.error().message);
    return 1;
  }
  log->info("clusters {}..{} ({} agents) -> events {} commands {}, interval {} ms, command delay {} ms", range.first,
            range.last - 1, (range.last - range.first) * layout.cluster_size, options.bus.events, options.bus.commands,
            options.bus.interval_ms, options.sim.command_delay_ms);
  bus.run(g_stop);
  return 0;
}

// Forks one child per share (re-executing this program with --range) and
// waits for them; the first to end, or a signal, ends them all.
int run_children(const std::vector<ClusterRange>& ranges, char** argv) {
  auto log = pivot::log::get("agent_sim");
  std::vector<pid_t> children;
  for (const auto& r : ranges) {
    std::vector<std::string> args;
    for (char** a = argv; *a; ++a) args.emplace_back(*a);
    args.push_back("--range");
    args.push_back(std::to_string(r.first) + ":" + std::to_string(r.last));
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> raw;
      for (auto& a : args) raw.push_back(a.data());
      raw.push_back(nullptr);
      ::execv("/proc/self/exe", raw.data());
      _exit(127);
    }
    if (pid < 0) {
      log->critical("fork failed");
      g_stop = true;
      break;
    }
    children.push_back(pid);
  }
  log->info("{} processes for {} shares: pids {}", children.size(), ranges.size(), fmt::join(children, " "));
  int status = 0, rc = 0;
  std::size_t alive = children.size();
  bool stopping = false;
  while (alive > 0) {
    const pid_t ended = ::waitpid(-1, &status, WNOHANG);
    if (ended > 0) {
      --alive;
      if (!stopping) {
        log->error("child {} ended ({}): stopping the others", ended, status);
        rc = 1;
      }
      g_stop = true;
    } else if (ended < 0 && errno != EINTR) {
      break;
    }
    if (g_stop && !stopping) {
      stopping = true;
      for (pid_t pid : children) ::kill(pid, SIGTERM);
    }
    if (ended <= 0) ::usleep(50000);
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agent_sim: simulated pivot-agents on the real protocol, for pivotd's scale benchmark"};
  app.require_subcommand(1);
  std::string dir, log_level = "info";
  std::size_t agents = 0;
  FleetLayout layout;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  auto add_fleet = [&](CLI::App* sub) {
    sub->add_option("--dir", dir, "where the keys and specs are (setup writes them)")->required();
    sub->add_option("--agents", agents, "agents in all, a multiple of --cluster-size")->required();
    sub->add_option("--cluster-size", layout.cluster_size, "nodes per cluster (3..9)")->check(CLI::Range(3, 9));
    sub->add_option("--prefix", layout.prefix, "cluster names: PREFIX-00000, ...");
  };
  auto* setup_cmd = app.add_subcommand("setup", "write pivotd's controller key, the agents' keys and the specs");
  add_fleet(setup_cmd);
  auto* run_cmd = app.add_subcommand("run", "run the agents until SIGTERM");
  add_fleet(run_cmd);
  RunOptions options;
  run_cmd->add_option("--events", options.bus.events, "pivotd's events endpoint")->required();
  run_cmd->add_option("--commands", options.bus.commands, "pivotd's commands endpoint")->required();
  run_cmd->add_option("--interval-ms", options.bus.interval_ms, "each agent's snapshot interval (1000: 1 Hz)")
      ->check(CLI::Range(10, 600000));
  run_cmd->add_option("--connect-per-s", options.bus.connect_per_s, "agents connected per second at start")
      ->check(CLI::Range(1, 1000000));
  run_cmd->add_option("--report-every-s", options.bus.report_every_s, "period of the stats line")
      ->check(CLI::Range(1, 3600));
  run_cmd->add_option("--command-delay-ms", options.sim.command_delay_ms, "an action's answer after receipt");
  run_cmd->add_option("--writes-per-s", options.sim.writes_per_s, "each primary's transactions per second");
  run_cmd->add_option("--max-lag-ms", options.sim.max_lag_ms, "replicas' lag wanders in [0, this]");
  run_cmd->add_option("--agents-per-process", options.agents_per_process,
                      "agents in one process (default: what the descriptor limit allows)");
  run_cmd->add_option("--range", options.range, "internal: this child's clusters FIRST:LAST");
  CLI11_PARSE(app, argc, argv);

  if (!pivot::log::parse_level(log_level)) {
    std::cerr << "agent_sim: unknown --log-level " << log_level << "\n";
    return 2;
  }
  pivot::log::init(log_level);
  if (agents == 0 || agents % layout.cluster_size != 0) {
    std::cerr << "agent_sim: --agents must be a positive multiple of --cluster-size (" << layout.cluster_size << ")\n";
    return 2;
  }
  layout.clusters = agents / layout.cluster_size;
  if (setup_cmd->parsed()) return setup(dir, layout);

  options.sim.heartbeat_ms = options.bus.interval_ms;
  install_signal_handlers();
  if (!options.range.empty()) {
    ClusterRange range;
    if (std::sscanf(options.range.c_str(), "%zu:%zu", &range.first, &range.last) != 2 || range.first >= range.last ||
        range.last > layout.clusters) {
      std::cerr << "agent_sim: bad --range " << options.range << "\n";
      return 2;
    }
    return run_share(dir, layout, options, range);
  }
  const std::uint64_t limit = fd_limit();
  std::size_t per_process = options.agents_per_process;
  if (per_process == 0) per_process = agents_per_process(limit, kFdsPerAgent, kFdsReserved, layout.cluster_size);
  per_process = per_process / layout.cluster_size * layout.cluster_size;
  if (per_process == 0) {
    std::cerr << "agent_sim: the descriptor limit (" << limit << ") does not hold one cluster's agents\n";
    return 2;
  }
  const auto ranges = split_clusters(layout.clusters, per_process / layout.cluster_size);
  pivot::log::get("agent_sim")
      ->info("{} agents: descriptor limit {}, at most {} agents ({} descriptors each) per process: {} process(es)",
             agents, limit, per_process, kFdsPerAgent, ranges.size());
  if (ranges.size() == 1) return run_share(dir, layout, options, ranges.front());
  return run_children(ranges, argv);
}
