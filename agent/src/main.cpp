// pivot-agent: reports this node's MySQL/MariaDB state to pivotd.
#include <unistd.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "pivot/agent/agent_runtime.hpp"
#include "pivot/curve_keys.hpp"
#include "pivot/epoch_file.hpp"
#include "pivot/log.hpp"
#include "pivot/mysql/session.hpp"

#ifndef PIVOT_VERSION
#define PIVOT_VERSION "0.0.0"
#endif

namespace {

// CLI11 fills std::string options; the overrides want "unset" to differ from "".
template <typename T>
void optional_flag(CLI::App& app, const std::string& name, std::optional<T>& target, const std::string& help) {
  app.add_option_function<T>(name, [&target](const T& value) { target = value; }, help);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pivot::agent;
  CLI::App app{"pivot-agent: reports this MySQL/MariaDB node to pivotd and runs its commands"};
  app.set_version_flag("--version", std::string("pivot-agent ") + PIVOT_VERSION);
  std::optional<std::string> config_path;
  AgentOverrides o;
  optional_flag(app, "--config", config_path, "agent.yaml (flags override it)");
  optional_flag(app, "--node", o.node, "this node's name in the cluster spec");
  optional_flag(app, "--cluster", o.cluster, "the cluster's name");
  optional_flag(app, "--mysql-host", o.mysql_host, "mysqld host (or --mysql-socket)");
  optional_flag(app, "--mysql-port", o.mysql_port, "mysqld port");
  optional_flag(app, "--mysql-socket", o.mysql_socket, "mysqld Unix socket (instead of host and port)");
  optional_flag(app, "--mysql-user", o.mysql_user, "the agent's MySQL account");
  optional_flag(app, "--mysql-password-file", o.mysql_password_file, "file holding that account's password");
  optional_flag(app, "--replication-user", o.replication_user,
                "the replication account change_source points replicas with");
  optional_flag(app, "--replication-password-file", o.replication_password_file,
                "file holding that account's password");
  optional_flag(app, "--events", o.events, "pivotd's events endpoint, tcp://HOST:7701");
  optional_flag(app, "--commands", o.commands, "pivotd's commands endpoint, tcp://HOST:7702");
  optional_flag(app, "--key", o.key, "this agent's CURVE secret key file");
  optional_flag(app, "--controller-key", o.controller_key, "pivotd's CURVE public key file");
  optional_flag(app, "--state-dir", o.state_dir, "where the agent keeps its state");
  optional_flag(app, "--log-level", o.log_level, "trace|debug|info|warn|error (PIVOT_LOG_LEVEL wins)");
  app.add_flag("--insecure", o.insecure, "no CURVE: only loopback endpoints are accepted");

  CLI::App* keygen = app.add_subcommand("keygen", "write DIR/agent.key (0600) and DIR/agent.pub");
  std::string key_dir;
  bool force = false;
  keygen->add_option("--out", key_dir, "directory for the key pair")->required();
  keygen->add_flag("--force", force, "replace an existing key pair");

  CLI::App* reset_epoch = app.add_subcommand(
      "reset-epoch", "forget the highest controller epoch seen (after a controller is rebuilt)");
  std::string reset_state_dir;
  reset_epoch->add_option("--state-dir", reset_state_dir, "the agent's state dir (default: from --config, else "
                                                          "/var/lib/pivot-agent)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes are 100-127; the project's are 0 (help, version) and 2 (usage).
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (keygen->parsed()) {
    auto pair = pivot::curve::write_key_pair(key_dir, "agent", force);
    if (!pair) {
      std::cerr << "pivot-agent keygen: " << pair.error().message << "\n";
      return pair.error().code == "exists" ? 2 : 1;
    }
    std::cout << "wrote " << key_dir << "/agent.key (secret, 0600) and " << key_dir << "/agent.pub\n"
              << "copy agent.pub to pivotd's --agent-keys dir as <cluster>.<node>.pub\n";
    return 0;
  }
  if (reset_epoch->parsed()) {
    std::string dir = reset_state_dir;
    if (dir.empty()) {
      AgentConfig defaults;
      dir = defaults.state_dir;
      if (config_path) {
        auto c = load_agent_config(config_path, o);
        if (c) dir = c->state_dir;
      }
    }
    pivot::EpochFile store(dir);
    auto before = store.load();
    if (auto reset = store.reset(); !reset) {
      std::cerr << "pivot-agent reset-epoch: " << reset.error().message << "\n";
      return 1;
    }
    std::cout << "epoch reset in " << store.path() << " (was " << (before ? std::to_string(*before) : "unreadable")
              << "); the next controller's epoch will be accepted\n";
    return 0;
  }

  pivot::log::init(o.log_level.value_or(""));
  auto log = pivot::log::get("agent");
  auto config = load_agent_config(config_path, o);
  if (!config) {
    std::cerr << "pivot-agent: invalid configuration:\n" << config.error().message << "\n";
    log->error("invalid configuration, not starting");
    return 2;
  }
  pivot::log::init(o.log_level.value_or(config->log_level));
  pivot::mysql::init_driver();

  RuntimeOptions options{*config, config_path, o, PIVOT_VERSION};
  bool worker_stuck = false;
  const int code = run_agent(options, worker_stuck);
  spdlog::shutdown();
  // A worker blocked in a hung server cannot be joined, and running static
  // destructors under it would be unsafe: leave at once.
  if (worker_stuck) ::_exit(code);
  return code;
}
