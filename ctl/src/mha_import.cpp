// An MHA application config to a cluster spec (mha_import.hpp). Read the way
// mha4mysql-manager 0.58 reads it (MHA::Config over Config::Tiny): blocks
// `[server default]` and `[server...]`, `key = value` lines, `#` and `;`
// comment lines, surrounding quotes dropped from a value, the servers in the
// order MHA elects candidates (by the number in their block name when every
// one has one, else by name).
#include "pivot/ctl/mha_import.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/spec_layout.hpp"
#include "pivot/protocol/names.hpp"

namespace pivot::ctl {
namespace {

using controller::ClusterSpec;
using controller::NodeSpec;
using controller::Role;

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

const char* const kDefaultBlock = "server default";

struct Setting {
  std::string value;
  int line = 0;
};

struct Block {
  std::string name;
  int line = 0;
  std::map<std::string, Setting> settings;  // a key given twice: the last wins, as in Config::Tiny
};

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

// Perl's truth, which MHA applies to its flags: "" and "0" are false.
bool perl_true(const std::string& v) { return !v.empty() && v != "0"; }
bool perl_false(const std::string& v) { return !perl_true(v); }

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

struct Server {
  const Block* block = nullptr;
  std::string hostname, ip;
  std::uint16_t port = 3306;
  bool no_master = false, candidate_master = false;
  bool az_placeholder = false;  // no --az named it
  NodeSpec node;  // filled as the spec's node
};

// The server's own value, else [server default]'s (for the parameters MHA inherits).
const Setting* lookup(const Block& server, const Block* defaults, const std::string& key) {
  if (auto it = server.settings.find(key); it != server.settings.end()) return &it->second;
  if (defaults == nullptr || kLocalOnly.count(key)) return nullptr;
  auto it = defaults->settings.find(key);
  return it == defaults->settings.end() ? nullptr : &it->second;
}

// A name the spec accepts ([a-z0-9][a-z0-9_-]{0,62}) made from any text: "" if none.
std::string name_from(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    const char l = static_cast<char>(std::tolower(c));
    const bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '_' || l == '-';
    if (out.empty() && !(std::isalnum(static_cast<unsigned char>(l)))) continue;
    out += ok ? l : '-';
    if (out.size() == 63) break;
  }
  return protocol::validate_name(out) ? out : "";
}

bool ip_literal(const std::string& host) {
  return host.find(':') != std::string::npos ||
         std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isdigit(c) || c == '.'; });
}

std::string endpoint(const Server& s) {
  return (s.hostname.find(':') != std::string::npos ? "[" + s.hostname + "]" : s.hostname) + ":" +
         std::to_string(s.port);
}

// HOST[:PORT] (an IPv6 address in brackets when a port follows) against the
// servers' hostname or ip: exactly one must match.
Result<Server*> server_at(std::vector<Server>& servers, const std::string& option, const std::string& text) {
  std::string host = text;
  std::optional<std::string> port;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string::npos) return make_error("usage", option + " " + text + ": unclosed '['");
    if (close + 1 < host.size()) {
      if (host[close + 1] != ':') return make_error("usage", option + " " + text + ": expected [ADDRESS]:PORT");
      port = host.substr(close + 2);
    }
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string::npos && host.find(':') == colon) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  std::vector<Server*> found;
  for (auto& s : servers) {
    if ((s.hostname == host || (!s.ip.empty() && s.ip == host)) && (!port || *port == std::to_string(s.port))) {
      found.push_back(&s);
    }
  }
  if (found.size() == 1) return found.front();
  std::string known;
  for (const auto& s : servers) known += (known.empty() ? "" : ", ") + endpoint(s);
  if (found.empty()) return make_error("usage", option + " " + text + ": no server of the config is there (servers: " + known + ")");
  return make_error("usage", option + " " + text + ": several servers are on " + host + ": give HOST:PORT");
}

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
std::vector<std::string> setting_warnings(const std::vector<Block>& blocks) {
  std::vector<std::string> out;
  auto where = [&](const std::string& key) { return places(blocks, key); };
  auto present = [&](const std::string& key) { return !where(key).empty(); };

  std::set<std::string> unknown;
  for (const auto& b : blocks) {
    for (const auto& [key, setting] : b.settings) {
      if (!kMhaParameters.count(key)) {
        out.push_back("[" + b.name + "] " + key + " (line " + std::to_string(setting.line) +
                      "): not an MHA parameter (MHA 0.58 refuses the file): ignored");
      }
    }
  }
  if (auto it = std::find_if(blocks.begin(), blocks.end(), [](const Block& b) { return b.name == kDefaultBlock; });
      it != blocks.end()) {
    for (const auto& [key, setting] : it->settings) {
      if (kLocalOnly.count(key)) {
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
    out.push_back("ping_interval (" + where("ping_interval") + "): pivotd hears each agent's heartbeat and calls a " +
                  "primary dead after policy.agent_dead_ms (3000 by default) with its replicas confirming" +
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

// A scalar as YAML takes it inside a flow mapping: plain when it cannot be
// read as anything but this string, else double-quoted.
std::string yaml_scalar(const std::string& s) {
  static const std::set<std::string> kReserved = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"};
  std::string lower;
  for (unsigned char c : s) lower += static_cast<char>(std::tolower(c));
  const bool plain_chars = !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '/';
  });
  const bool number_like = !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '.') &&
                           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) || c == '.' || c == '-' || c == '_'; });
  if (plain_chars && !kReserved.count(lower) && !number_like && s[0] != '-') return s;
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// A comment's text: one line, nothing the YAML could read.
std::string comment_safe(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += c < 0x20 ? '?' : static_cast<char>(c);
  return out;
}

std::string file_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string base_name(const std::string& path) {
  std::string base = file_name(path);
  if (auto dot = base.find_last_of('.'); dot != std::string::npos && dot > 0) base.erase(dot);
  return base;
}

}  // namespace

Result<MhaImport> import_mha(const std::string& text, const MhaImportOptions& options) {
  auto blocks = read_blocks(text, options.source);
  if (!blocks) return blocks.error();
  MhaImport out;
  const Block* defaults = nullptr;
  std::vector<const Block*> server_blocks;
  for (const auto& b : *blocks) {
    if (b.name == kDefaultBlock) {
      defaults = &b;
    } else {
      server_blocks.push_back(&b);
    }
  }
  if (server_blocks.empty()) return make_error("mha_config", options.source + ": no [server...] block: nothing to import");

  // MHA's order: by name, then by the number in the name when all have one.
  std::sort(server_blocks.begin(), server_blocks.end(), [](auto* a, auto* b) { return a->name < b->name; });
  auto number_of = [](const std::string& id) -> std::optional<long> {
    auto digit = std::find_if(id.begin() + 6, id.end(), [](unsigned char c) { return std::isdigit(c); });
    if (digit == id.end()) return std::nullopt;
    std::string digits;
    for (auto it = digit; it != id.end() && std::isdigit(static_cast<unsigned char>(*it)) && digits.size() < 9; ++it) digits += *it;
    return std::stol(digits);
  };
  if (std::all_of(server_blocks.begin(), server_blocks.end(), [&](auto* b) { return number_of(b->name).has_value(); })) {
    std::stable_sort(server_blocks.begin(), server_blocks.end(),
                     [&](auto* a, auto* b) { return *number_of(a->name) < *number_of(b->name); });
  }

  std::vector<Server> servers;
  std::set<std::string> addresses;
  for (const Block* b : server_blocks) {
    Server s;
    s.block = b;
    const auto where = options.source + ":" + std::to_string(b->line) + ": [" + b->name + "]";
    if (auto h = lookup(*b, defaults, "hostname"); h && !h->value.empty()) {
      s.hostname = h->value;
    } else {
      return make_error("mha_config", where + ": no hostname (MHA requires one)");
    }
    if (auto ip = lookup(*b, defaults, "ip")) s.ip = ip->value;
    if (auto p = lookup(*b, defaults, "port")) {
      const auto& v = p->value;
      const bool digits = !v.empty() && v.size() <= 5 && std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); });
      const long port = digits ? std::stol(v) : 0;
      if (port < 1 || port > 65535) {
        return make_error("mha_config", options.source + ":" + std::to_string(p->line) + ": [" + b->name + "] port: '" +
                                            v + "' is not a port (1-65535)");
      }
      s.port = static_cast<std::uint16_t>(port);
    }
    if (auto f = lookup(*b, defaults, "no_master")) s.no_master = perl_true(f->value);
    if (auto f = lookup(*b, defaults, "candidate_master")) s.candidate_master = perl_true(f->value);
    if (!addresses.insert(s.hostname + ":" + std::to_string(s.port)).second) {
      return make_error("mha_config", where + ": " + endpoint(s) + " is another server's address too (MHA refuses it)");
    }
    servers.push_back(std::move(s));
  }

  // Names: node_label, else the hostname's first label, else the block's name.
  std::set<std::string> names;
  for (auto& s : servers) {
    std::vector<std::string> tries;
    if (auto label = lookup(*s.block, defaults, "node_label")) tries.push_back(name_from(label->value));
    if (!ip_literal(s.hostname)) tries.push_back(name_from(s.hostname.substr(0, s.hostname.find('.'))));
    tries.push_back(name_from(s.block->name));
    auto chosen = std::find_if(tries.begin(), tries.end(), [&](const std::string& n) { return !n.empty() && !names.count(n); });
    if (chosen == tries.end()) {
      return make_error("mha_config", options.source + ":" + std::to_string(s.block->line) + ": [" + s.block->name +
                                          "]: no node name left for it (its label, host and block names are taken "
                                          "or unusable): give it a node_label");
    }
    names.insert(*chosen);
    s.node.name = *chosen;
    s.node.host = s.hostname;
    s.node.port = s.port;
    s.node.role = s.no_master ? Role::backup : Role::replica;
  }

  // MHA elects the first candidate_master in its order: kept as descending priorities.
  int candidates = static_cast<int>(std::count_if(servers.begin(), servers.end(),
                                                  [](const Server& s) { return s.candidate_master && !s.no_master; }));
  for (auto& s : servers) {
    if (s.candidate_master && !s.no_master) s.node.priority = candidates--;
    if (s.candidate_master && s.no_master) {
      out.warnings.push_back("[" + s.block->name + "] has candidate_master=1 and no_master=1: MHA never promotes it, "
                             "so " + s.node.name + " is a backup");
    }
  }

  Server* primary = nullptr;
  if (options.primary) {
    auto found = server_at(servers, "--primary", *options.primary);
    if (!found) return found.error();
    primary = *found;
    if (primary->no_master) {
      out.warnings.push_back(primary->node.name + " is the primary and has no_master=1: a spec's primary is "
                             "promotable (it becomes a replica after a pivot and may be promoted again); after the "
                             "first pivot away from it, make it role backup");
    }
  } else {
    auto first = std::find_if(servers.begin(), servers.end(), [](const Server& s) { return !s.no_master; });
    primary = first != servers.end() ? &*first : &servers.front();
    out.warnings.push_back("no --primary: " + primary->node.name + " (" + endpoint(*primary) + ", [" +
                           primary->block->name + "]) is written as the primary because it comes first; MHA finds "
                           "the master at run time, so check it, or run again with --primary HOST:PORT");
  }
  primary->node.role = Role::primary;
  primary->node.priority = 0;

  for (const auto& az : options.azs) {
    const auto eq = az.rfind('=');
    if (eq == std::string::npos || eq + 1 == az.size()) {
      return make_error("usage", "--az " + az + ": expected HOST:PORT=AZ");
    }
    auto found = server_at(servers, "--az", az.substr(0, eq));
    if (!found) return found.error();
    if (!(*found)->node.az.empty()) return make_error("usage", "--az " + az + ": " + (*found)->node.name + " has an AZ already");
    (*found)->node.az = az.substr(eq + 1);
  }
  std::string placeholders;
  for (auto& s : servers) {
    if (!s.node.az.empty()) continue;
    s.node.az = kMhaAzPlaceholder;
    s.az_placeholder = true;
    placeholders += (placeholders.empty() ? "" : ", ") + s.node.name + " (" + endpoint(s) + ")";
  }
  if (!placeholders.empty()) {
    out.warnings.push_back(std::string("no AZ given for ") + placeholders + ": written as az: " + kMhaAzPlaceholder +
                           ", which policy.az_spread counts as one AZ. Give each with --az HOST:PORT=AZ or edit the spec");
  }
  for (const auto& s : servers) {
    if (!s.ip.empty() && s.ip != s.hostname) {
      out.warnings.push_back("[" + s.block->name + "] ip=" + s.ip + ": the spec's host is the hostname " + s.hostname +
                             " (replicas are pointed at it); write the address instead if the name does not resolve "
                             "the same from every node");
    }
    if (auto f = lookup(*s.block, defaults, "ignore_fail"); f && perl_true(f->value)) {
      out.warnings.push_back("[" + s.block->name + "] ignore_fail=1: no counterpart: a pivot needs every node's agent "
                             "to report (agents_fresh), though not every mysqld (a replica that is down only does not "
                             "count toward min_replicas); take " + s.node.name + " out of the spec if its agent may be away");
    }
  }
  for (auto& w : setting_warnings(*blocks)) out.warnings.push_back(std::move(w));

  ClusterSpec spec;
  if (options.name) {
    if (auto valid = protocol::validate_name(*options.name, "--name"); !valid) return make_error("usage", valid.error().message);
    spec.name = *options.name;
  } else {
    spec.name = name_from(base_name(options.source));
    if (spec.name.empty()) {
      return make_error("usage", "no cluster name can be made from '" + base_name(options.source) + "': give --name");
    }
  }
  for (const auto& s : servers) spec.nodes.push_back(s.node);
  for (const auto& w : controller::layout_warnings(spec)) {
    out.warnings.push_back("the spec's " + w.key + ": " + w.message);
  }

  std::ostringstream y;
  y << "# Cluster spec made by pivotctl import-mha from " << comment_safe(file_name(options.source))
    << " (an MHA application config).\n"
       "# No password is copied. Each node's name must be the node: of its agent.yaml.\n"
       "# Check the primary and every az before pivotd loads it (pivotd --check-config).\n"
    << "name: " << spec.name << "\n"
    << "nodes:\n";
  for (const auto& s : servers) {
    const auto& n = s.node;
    y << "  - {name: " << n.name << ", host: " << yaml_scalar(n.host) << ", port: " << n.port
      << ", az: " << yaml_scalar(n.az) << ", role: " << controller::to_string(n.role);
    if (n.priority != 0) y << ", priority: " << n.priority;
    y << "}  # [" << comment_safe(s.block->name) << "]";
    if (s.candidate_master) y << " candidate_master=1";
    if (s.no_master) y << " no_master=1";
    if (s.az_placeholder) y << " (az: a placeholder)";
    y << "\n";
  }
  out.yaml = y.str();
  return out;
}

}  // namespace pivot::ctl
