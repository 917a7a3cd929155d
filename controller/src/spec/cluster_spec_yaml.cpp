// The cluster spec's YAML (ARCHITECTURE.md, "Cluster spec"): parsed and
// validated with FILE:LINE problems. An adapter (yaml-cpp), apart from the
// pure model the spec is (cluster_spec.cpp).
#include "pivot/controller/cluster_spec_yaml.hpp"

#include <algorithm>
#include <set>

#include "pivot/protocol/names.hpp"
#include "pivot/yaml_reader.hpp"

namespace pivot::controller {
namespace {


using yaml::set_if;

void set_int(yaml::MapReader& m, const char* key, int64_t min, int64_t max, int& field) {
  if (auto v = m.integer(key, min, max)) field = static_cast<int>(*v);
}

void check_name(yaml::MapReader& m, const std::string& key, const std::string& value, const YAML::Mark& mark) {
  if (auto valid = protocol::validate_name(value, m.key_path(key)); !valid) {
    m.problems().add(mark, "", valid.error().message);
  }
}

Policy read_policy(yaml::MapReader m) {
  Policy p;
  set_int(m, "max_lag_seconds", 0, 86400, p.max_lag_seconds);
  set_int(m, "min_replicas", 0, 64, p.min_replicas);
  set_int(m, "az_spread", 1, 64, p.az_spread);
  set_int(m, "catch_up_timeout_ms", 100, 600000, p.catch_up_timeout_ms);
  set_int(m, "hook_timeout_ms", 100, 600000, p.hook_timeout_ms);
  set_int(m, "agent_fresh_ms", 100, 600000, p.agent_fresh_ms);
  // Silent for agent_dead_ms must not come before stale for agent_fresh_ms:
  // a value below it is refused, and left out it is at least agent_fresh_ms.
  if (auto dead = m.node("agent_dead_ms")) {
    set_int(m, "agent_dead_ms", 100, 600000, p.agent_dead_ms);
    if (p.agent_dead_ms < p.agent_fresh_ms) {
      m.problems().add(dead->Mark(), m.key_path("agent_dead_ms"),
                       std::to_string(p.agent_dead_ms) + " is below agent_fresh_ms (" +
                           std::to_string(p.agent_fresh_ms) + "): an agent is declared silent no sooner than stale");
    }
  } else {
    p.agent_dead_ms = std::max(p.agent_dead_ms, p.agent_fresh_ms);
  }
  set_int(m, "failover_cooldown_s", 0, 604800, p.failover_cooldown_s);
  if (auto v = m.string("durability")) {
    if (*v == to_string(Durability::async)) {
      p.durability = Durability::async;
    } else if (*v == to_string(Durability::semi_sync)) {
      p.durability = Durability::semi_sync;
    } else {
      m.problems().add(m.mark(), m.key_path("durability"), "unknown durability '" + *v + "': async or semi_sync");
    }
  }
  if (auto v = m.boolean("auto_failover")) p.auto_failover = *v;
  m.reject_unknown_keys();
  return p;
}

NodeSpec read_node(yaml::MapReader m) {
  NodeSpec n;
  const auto mark = m.mark();
  if (auto name = m.string("name")) {
    n.name = *name;
    check_name(m, "name", n.name, mark);
  } else {
    m.problems().add(mark, m.key_path("name"), "required");
  }
  if (auto host = m.string("host"); host && !host->empty()) {
    n.host = *host;
  } else {
    m.problems().add(mark, m.key_path("host"), "required");
  }
  if (auto port = m.integer("port", 1, 65535)) n.port = static_cast<uint16_t>(*port);
  set_if(m.string("az"), n.az);
  if (n.az.empty()) m.problems().add(mark, m.key_path("az"), "required (availability zone label)");
  if (auto role = m.string("role")) {
    if (auto known = role_named(*role)) {
      n.role = *known;
    } else {
      m.problems().add(mark, m.key_path("role"),
                       "unknown role '" + *role + "': one of primary, replica, backup, analytics");
    }
  } else {
    m.problems().add(mark, m.key_path("role"), "required (primary, replica, backup or analytics)");
  }
  if (auto priority = m.integer("priority", -1000, 1000)) n.priority = static_cast<int>(*priority);
  m.reject_unknown_keys();
  return n;
}

void read_hooks(yaml::MapReader m, Hooks& hooks, const HookCheck& check_hook) {
  auto hook = [&](const char* key, std::string& field) {
    auto path = m.string(key);
    if (!path) return;
    field = *path;
    if (field.empty() || field.front() != '/') {
      m.problems().add(m.mark(), m.key_path(key), "must be an absolute path, got '" + field + "'");
    } else if (auto problem = check_hook(field)) {
      m.problems().add(m.mark(), m.key_path(key), *problem);
    }
  };
  hook("pre_pivot", hooks.pre_pivot);
  hook("post_promote", hooks.post_promote);
  hook("post_pivot", hooks.post_pivot);
  hook("pre_failover", hooks.pre_failover);
  hook("post_failover", hooks.post_failover);
  m.reject_unknown_keys();
}

}  // namespace

Result<ClusterSpec> parse_cluster_spec(const std::string& text, const std::string& filename,
                                       const HookCheck& check_hook) {
  yaml::Problems problems(filename);
  ClusterSpec spec;
  spec.source = filename;
  auto doc = yaml::load(text, problems);
  if (doc) {
    yaml::MapReader top(*doc, "", problems);
    if (auto name = top.string("name")) {
      spec.name = *name;
      check_name(top, "name", spec.name, top.mark());
    } else if (top.valid()) {
      problems.add(top.mark(), "name", "required");
    }
    if (auto labels = top.node("labels")) {
      if (!labels->IsMap()) {
        problems.add(labels->Mark(), "labels", "expected a mapping of strings");
      } else {
        for (const auto& kv : *labels) {
          if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
            problems.add(kv.first.Mark(), "labels", "keys and values must be strings");
          } else {
            spec.labels[kv.first.Scalar()] = kv.second.Scalar();
          }
        }
      }
    }
    if (auto policy = top.map("policy")) spec.policy = read_policy(*policy);
    if (auto nodes = top.node("nodes")) {
      if (!nodes->IsSequence() || nodes->size() == 0) {
        problems.add(nodes->Mark(), "nodes", "expected a non-empty list of nodes");
      } else {
        std::set<std::string> names, endpoints;
        int primaries = 0;
        for (size_t i = 0; i < nodes->size(); ++i) {
          yaml::MapReader m((*nodes)[i], "nodes[" + std::to_string(i) + "]", problems);
          if (!m.valid()) continue;
          NodeSpec node = read_node(m);
          const auto mark = (*nodes)[i].Mark();
          if (!node.name.empty() && !names.insert(node.name).second) {
            problems.add(mark, m.key_path("name"), "duplicate node '" + node.name + "'");
          }
          const std::string endpoint = node.host + ":" + std::to_string(node.port);
          if (!node.host.empty() && !endpoints.insert(endpoint).second) {
            problems.add(mark, m.key_path("host"), "another node already is " + endpoint);
          }
          if (node.role == Role::primary && ++primaries == 2) {
            problems.add(mark, m.key_path("role"), "a second primary: a spec names exactly one");
          }
          spec.nodes.push_back(std::move(node));
        }
        if (primaries == 0) problems.add(nodes->Mark(), "nodes", "no node has role primary: name the expected one");
      }
    } else if (top.valid()) {
      problems.add(top.mark(), "nodes", "required");
    }
    if (auto hooks = top.map("hooks")) read_hooks(*hooks, spec.hooks, check_hook);
    top.reject_unknown_keys();
  }
  if (!problems.empty()) return make_error("bad_spec", problems.joined());
  return spec;
}

}  // namespace pivot::controller
