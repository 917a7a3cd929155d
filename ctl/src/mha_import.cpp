// An MHA application config to a cluster spec (mha_import.hpp): the file as
// MHA reads it (mha_config.cpp), the servers in the order MHA elects
// candidates (by the number in their block name when every one has one, else
// by name), mapped to nodes; the warnings about the rest (mha_advice.cpp).
#include "pivot/ctl/mha_import.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "mha_config.hpp"
#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/spec_layout.hpp"
#include "pivot/protocol/names.hpp"

namespace pivot::ctl {
namespace {

using controller::ClusterSpec;
using controller::NodeSpec;
using controller::Role;
using mha::Block;
using mha::kDefaultBlock;
using mha::lookup;
using mha::perl_true;

struct Server {
  const Block* block = nullptr;
  std::string hostname, ip;
  std::uint16_t port = 3306;
  bool no_master = false, candidate_master = false;
  bool az_placeholder = false;  // no --az named it
  NodeSpec node;  // filled as the spec's node
};

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
  auto blocks = mha::read_blocks(text, options.source);
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
  for (auto& w : mha::setting_warnings(*blocks)) out.warnings.push_back(std::move(w));
  // MHA's manager fails over by itself; a spec does so only when told.
  out.warnings.push_back("automatic failover: MHA's manager fails over by itself; the spec leaves "
                         "policy.auto_failover false (pivot's default), so pivotd fails over only when asked "
                         "(pivotctl failover). Set it true once the agents and hooks are in place (docs/failover.md)");

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
