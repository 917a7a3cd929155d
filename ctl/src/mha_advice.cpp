// What pivot says about each MHA setting with no counterpart in a cluster
// spec (mha_config.hpp, setting_warnings): where pivot does that instead, or
// why there is nothing to set. A password's value is never part of a warning.
#include <algorithm>
#include <optional>
#include <set>

#include "mha_config.hpp"

namespace pivot::ctl::mha {
namespace {

bool perl_false(const std::string& v) { return !perl_true(v); }

// Where a setting appears: "[server default]", "[server2]".
std::string places(const std::vector<Block>& blocks, const std::string& key) {
  std::string out;
  for (const auto& b : blocks) {
    if (b.settings.count(key)) out += (out.empty() ? "[" : ", [") + b.name + "]";
  }
  return out;
}

// The values of a setting across blocks when they all agree, else "".
std::string agreed_value(const std::vector<Block>& blocks, const std::string& key) {
  std::optional<std::string> value;
  for (const auto& b : blocks) {
    auto it = b.settings.find(key);
    if (it == b.settings.end()) continue;
    if (value && *value != it->second.value) return "";
    value = it->second.value;
  }
  return value.value_or("");
}

bool any_value(const std::vector<Block>& blocks, const std::string& key, bool (*pred)(const std::string&)) {
  for (const auto& b : blocks) {
    if (auto it = b.settings.find(key); it != b.settings.end() && pred(it->second.value)) return true;
  }
  return false;
}

// A group of MHA settings with one piece of advice: where pivot does that
// instead, or why there is nothing to set.
struct Advice {
  std::vector<std::string> keys;
  std::string text;
};

const std::vector<Advice>& advice_table() {
  static const std::vector<Advice> table = {
      {{"ssh_user", "ssh_host", "ssh_ip", "ssh_port", "ssh_connection_timeout", "ssh_options", "skip_init_ssh_check",
        "remote_workdir", "client_bindir", "client_libdir"},
       "pivot uses no ssh and no MySQL client programs: pivot-agent, installed beside each mysqld, does the local "
       "work (docs/operations.md). Nothing to set in the spec"},
      {{"master_binlog_dir", "handle_raw_binlog", "disable_log_bin", "master_pid_file"},
       "pivot does not copy binary log events off a dead primary (docs/failover.md, \"What can be lost\"): for "
       "failovers that lose nothing acknowledged, run semi-synchronous replication and set policy.durability: "
       "semi_sync"},
      {{"manager_workdir", "manager_log", "log_level"},
       "pivotd's own settings: state_dir and the log level are in /etc/pivot/pivotd.yaml (docs/pivotd.md), "
       "not in a cluster spec"},
      {{"ping_type"},
       "pivotd never connects to MySQL: each agent probes its own server and reports (probe_interval_ms, "
       "heartbeat_interval_ms in agent.yaml)"},
      {{"secondary_check_script"},
       "pivotd already asks a second path: a primary is dead only when its agent says mysqld is down or falls "
       "silent and its replicas have lost it too (docs/failover.md, \"Detection\"). No script to set"},
      {{"master_ip_failover_script"},
       "MHA calls it with --command=stop|start and --orig_master_host=...; pivot's hooks get PIVOT_* "
       "environment variables instead (docs/pivotd.md, \"Hooks\"). Adapt the script, or use the shipped HAProxy "
       "switch (docs/operations.md), and set hooks.post_promote (and hooks.pre_failover for the stop part) to its "
       "absolute path"},
      {{"master_ip_online_change_script"},
       "an online master switch is pivot's pivot: set hooks.pre_pivot (before the fence) and hooks.post_promote "
       "(move the traffic) to scripts that read PIVOT_* environment variables (docs/pivotd.md, \"Hooks\")"},
      {{"shutdown_script"},
       "pivot fences the old primary through its agent (docs/fence.md) and powers nothing off; a power-off or "
       "STONITH script can run as hooks.pre_failover"},
      {{"report_script"},
       "set hooks.post_pivot and hooks.post_failover to the script (PIVOT_* environment variables), or follow "
       "GET /v1/events, which streams every job"},
      {{"init_conf_load_script"},
       "not run: only this file is read. Check that the script added no server or setting the spec needs"},
      {{"check_repl_filter"},
       "pivot status does not compare replication filters: check that every candidate replicates every schema"},
  };
  return table;
}

// A flag that differs from what pivot does only at one value (MHA's default
// is the other): warned about only when set to it.
struct FlagAdvice {
  const char* key;
  bool when_set;  // warn at 1 (else at 0)
  const char* text;
};

const FlagAdvice kFlagAdvice[] = {
    {"check_repl_delay", false,
     "pivot never promotes a replica lagging more than policy.max_lag_seconds (5 by default): raise it if a lagging "
     "candidate was acceptable"},
    {"latest_priority", false,
     "pivot chooses by its checks, then lag, then priority, never by config order alone; the candidate_master "
     "servers' order is kept as their priority"},
    {"multi_tier_slave", true,
     "a spec has no tiers: every node is a replica of the primary, and a pivot repoints every replica to the new "
     "primary"},
    {"use_gtid_auto_pos", false,
     "pivot replicates by GTID only (pivot status' gtid_replication check): move every replica to GTID positioning "
     "first"},
    {"skip_reset_slave", true,
     "a promoted node always forgets its source (RESET SLAVE ALL, docs/protocol.md reset_replication); nothing to "
     "set"},
};

// One warning per setting group present, and per setting with no counterpart.
}  // namespace

std::vector<std::string> setting_warnings(const std::vector<Block>& blocks) {
  std::vector<std::string> out;
  auto where = [&](const std::string& key) { return places(blocks, key); };
  auto present = [&](const std::string& key) { return !where(key).empty(); };

  std::set<std::string> unknown;
  for (const auto& b : blocks) {
    for (const auto& [key, setting] : b.settings) {
      if (!mha_parameter(key)) {
        out.push_back("[" + b.name + "] " + key + " (line " + std::to_string(setting.line) +
                      "): not an MHA parameter (MHA 0.58 refuses the file): ignored");
      }
    }
  }
  if (auto it = std::find_if(blocks.begin(), blocks.end(), [](const Block& b) { return b.name == kDefaultBlock; });
      it != blocks.end()) {
    for (const auto& [key, setting] : it->settings) {
      if (local_only(key)) {
        out.push_back("[server default] " + key + ": MHA reads it per server only, so it does nothing there: ignored");
      }
    }
  }
  if (present("user")) {
    const auto v = agreed_value(blocks, "user");
    out.push_back("user (" + where("user") + "): MySQL accounts are the agents': set mysql.user" +
                  (v.empty() ? "" : ": " + v) + " in each node's agent.yaml (its grants: docs/harness.md)");
  }
  if (present("password")) {
    out.push_back("password (" + where("password") +
                  "): not copied: write it to the file mysql.password_file names in each node's agent.yaml "
                  "(mode 0600); a spec never holds a password");
  }
  if (present("repl_user")) {
    const auto v = agreed_value(blocks, "repl_user");
    out.push_back("repl_user (" + where("repl_user") + "): set replication.user" + (v.empty() ? "" : ": " + v) +
                  " in each node's agent.yaml (the account a repointed replica connects with)");
  }
  if (present("repl_password")) {
    out.push_back("repl_password (" + where("repl_password") +
                  "): not copied: write it to the file replication.password_file names in each node's agent.yaml "
                  "(mode 0600)");
  }
  for (const auto& advice : advice_table()) {
    std::string keys;
    for (const auto& k : advice.keys) {
      if (present(k)) keys += (keys.empty() ? "" : ", ") + k + " (" + where(k) + ")";
    }
    if (!keys.empty()) out.push_back(keys + ": " + advice.text);
  }
  if (present("ping_interval")) {
    const auto v = agreed_value(blocks, "ping_interval");
    out.push_back("ping_interval (" + where("ping_interval") + "): pivotd hears each agent's heartbeat: a primary " +
                  "whose agent reports mysqld down, or is silent for policy.agent_dead_ms (3000 by default), is dead " +
                  "once its replicas confirm" +
                  (v.empty() ? "" : "; MHA declared it dead after about 4 x " + v + " s") +
                  ". Set policy.agent_dead_ms for another delay");
  }
  for (const auto& flag : kFlagAdvice) {
    if (any_value(blocks, flag.key, flag.when_set ? perl_true : perl_false)) {
      out.push_back(std::string(flag.key) + (flag.when_set ? "=1 (" : "=0 (") + where(flag.key) + "): " + flag.text);
    }
  }
  return out;
}


}  // namespace pivot::ctl::mha
