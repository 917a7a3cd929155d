// An MHA application config, read as MHA 0.58 reads it (mha_config.hpp):
// the servers' settings and their inheritance from [server default].
#include "mha_config.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace pivot::ctl::mha {
namespace {

// Every parameter MHA 0.58 accepts (MHA::Config's @PARAM_ARRAY).
const std::set<std::string> kMhaParameters = {
    "hostname", "ip", "port", "ssh_host", "ssh_ip", "ssh_port", "ssh_connection_timeout", "ssh_options",
    "node_label", "candidate_master", "no_master", "ignore_fail", "skip_init_ssh_check", "skip_reset_slave", "user",
    "password", "repl_user", "repl_password", "disable_log_bin", "master_pid_file", "handle_raw_binlog", "ssh_user",
    "remote_workdir", "master_binlog_dir", "log_level", "manager_workdir", "manager_log", "check_repl_delay",
    "check_repl_filter", "latest_priority", "multi_tier_slave", "ping_interval", "ping_type",
    "secondary_check_script", "master_ip_failover_script", "master_ip_online_change_script", "shutdown_script",
    "report_script", "init_conf_load_script", "client_bindir", "client_libdir", "use_gtid_auto_pos"};

// MHA reads these per server only: in [server default] they do nothing.
const std::set<std::string> kLocalOnly = {"hostname", "ip", "ssh_host", "ssh_ip", "node_label",
                                          "candidate_master", "no_master", "ignore_fail", "skip_init_ssh_check"};

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// MHA's s/^['"]?(.*)['"]$/$1/: a closing quote goes, and an opening one with it.
std::string unquoted(std::string v) {
  if (!v.empty() && (v.back() == '"' || v.back() == '\'')) {
    v.pop_back();
    if (!v.empty() && (v.front() == '"' || v.front() == '\'')) v.erase(0, 1);
  }
  return v;
}

}  // namespace

bool mha_parameter(const std::string& key) { return kMhaParameters.count(key) > 0; }

bool local_only(const std::string& key) { return kLocalOnly.count(key) > 0; }

bool perl_true(const std::string& v) { return !v.empty() && v != "0"; }

Result<std::vector<Block>> read_blocks(const std::string& text, const std::string& source) {
  std::vector<Block> blocks;
  std::map<std::string, std::size_t> index;
  std::istringstream in(text);
  std::string raw;
  Block* current = nullptr;
  for (int line = 1; std::getline(in, raw); ++line) {
    const std::string s = trimmed(raw);
    if (s.empty() || s[0] == '#' || s[0] == ';') continue;
    const auto where = source + ":" + std::to_string(line) + ": ";
    if (s.front() == '[' && s.back() == ']') {
      const std::string name = trimmed(s.substr(1, s.size() - 2));
      if (name != kDefaultBlock && (name.size() < 7 || name.compare(0, 6, "server") != 0 ||
                                    std::any_of(name.begin() + 6, name.end(), [](unsigned char c) { return std::isspace(c); }))) {
        return make_error("mha_config", where + "block [" + name +
                                            "]: MHA takes only [server default] and blocks named server... "
                                            "(server1, server_db2): it refuses this file too");
      }
      auto [it, added] = index.emplace(name, blocks.size());
      if (added) blocks.push_back(Block{name, line, {}});
      current = &blocks[it->second];
      continue;
    }
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      return make_error("mha_config", where + "not a [block] nor key=value: '" + s + "'");
    }
    const std::string key = trimmed(s.substr(0, eq));
    if (current == nullptr) {
      return make_error("mha_config", where + key + ": outside any block (MHA refuses it too): put it under [server default]");
    }
    current->settings[key] = Setting{unquoted(trimmed(s.substr(eq + 1))), line};
  }
  return blocks;
}

// The server's own value, else [server default]'s (for the parameters MHA inherits).
const Setting* lookup(const Block& server, const Block* defaults, const std::string& key) {
  if (auto it = server.settings.find(key); it != server.settings.end()) return &it->second;
  if (defaults == nullptr || local_only(key)) return nullptr;
  auto it = defaults->settings.find(key);
  return it == defaults->settings.end() ? nullptr : &it->second;
}

}  // namespace pivot::ctl::mha
