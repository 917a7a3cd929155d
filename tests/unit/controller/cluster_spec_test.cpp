#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/cluster_spec_yaml.hpp"

#include <gtest/gtest.h>

namespace pivot::controller {
namespace {

// ARCHITECTURE.md's example, with hook paths the fake check accepts.
const std::string kExample = R"(name: sms-1
labels: {environment: prod, service: sms, shard: "1"}
policy:
  max_lag_seconds: 5
  min_replicas: 2
  az_spread: 2
  catch_up_timeout_ms: 5000
  hook_timeout_ms: 5000
  agent_fresh_ms: 3000
  auto_failover: false
  failover_cooldown_s: 3600
nodes:
  - {name: db1, host: 10.0.1.11, port: 3306, az: a, role: primary}
  - {name: db2, host: 10.0.2.11, port: 3306, az: b, role: replica, priority: 10}
  - {name: db3, host: 10.0.3.11, port: 3306, az: c, role: replica}
  - {name: db4, host: 10.0.2.12, port: 3306, az: b, role: backup}
  - {name: db5, host: 10.0.3.12, port: 3306, az: c, role: analytics}
hooks: {post_promote: /etc/pivot/hooks/route-traffic}
)";

std::optional<std::string> all_executable(const std::string&) { return std::nullopt; }

std::string problems_of(const std::string& text, const HookCheck& check = all_executable) {
  auto spec = parse_cluster_spec(text, "sms-1.yaml", check);
  EXPECT_FALSE(spec.ok()) << "accepted:\n" << text;
  return spec.ok() ? "" : spec.error().message;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(ClusterSpec, TheDocumentedExampleParses) {
  auto spec = parse_cluster_spec(kExample, "sms-1.yaml", all_executable);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->name, "sms-1");
  EXPECT_EQ(spec->labels.at("shard"), "1");
  EXPECT_EQ(spec->policy.min_replicas, 2);
  ASSERT_EQ(spec->nodes.size(), 5u);
  EXPECT_EQ(spec->nodes[1].priority, 10);
  EXPECT_EQ(spec->nodes[3].role, Role::backup);
  EXPECT_FALSE(promotable(Role::backup));
  EXPECT_FALSE(promotable(Role::analytics));
  EXPECT_TRUE(promotable(Role::replica));
  EXPECT_EQ(spec->expected_primary()->name, "db1");
  EXPECT_EQ(spec->find("db5")->az, "c");
  EXPECT_EQ(spec->hooks.post_promote, "/etc/pivot/hooks/route-traffic");
}

struct Case {
  const char* what;
  std::string from, to;
  const char* expected;
};

class ClusterSpecProblems : public ::testing::TestWithParam<Case> {};

TEST_P(ClusterSpecProblems, AreNamedWithFileAndLine) {
  const Case& c = GetParam();
  std::string e = problems_of(replace(kExample, c.from, c.to));
  EXPECT_NE(e.find(c.expected), std::string::npos) << c.what << ": got\n" << e;
}

INSTANTIATE_TEST_SUITE_P(
    Each, ClusterSpecProblems,
    ::testing::Values(
        Case{"unknown top key", "hooks:", "hookz:", "sms-1.yaml:18: hookz: unknown key"},
        Case{"unknown policy key", "  az_spread: 2", "  az_spred: 2", "sms-1.yaml:6: policy.az_spred: unknown key"},
        Case{"typo in a node", "priority: 10}", "priorty: 10}", "sms-1.yaml:14: nodes[1].priorty: unknown key"},
        Case{"bad cluster name", "name: sms-1", "name: sms.1", "name 'sms.1' is not a name"},
        Case{"bad node name", "name: db3,", "name: DB3,", "nodes[2].name 'DB3' is not a name"},
        Case{"duplicate node", "name: db3,", "name: db2,", "sms-1.yaml:15: nodes[2].name: duplicate node 'db2'"},
        Case{"same endpoint", "host: 10.0.3.11", "host: 10.0.2.11",
             "nodes[2].host: another node already is 10.0.2.11:3306"},
        Case{"two primaries", "az: c, role: replica}", "az: c, role: primary}",
             "sms-1.yaml:15: nodes[2].role: a second primary"},
        Case{"no primary", "az: a, role: primary}", "az: a, role: replica}", "no node has role primary"},
        Case{"unknown role", "role: analytics", "role: reporting", "unknown role 'reporting'"},
        Case{"bad port", "port: 3306, az: a", "port: 70000, az: a", "nodes[0].port: 70000 is out of range [1, 65535]"},
        Case{"port not a number", "port: 3306, az: a", "port: mysql, az: a",
             "nodes[0].port: expected a whole number, got 'mysql'"},
        Case{"missing host", "host: 10.0.3.12, ", "", "nodes[4].host: required"},
        Case{"policy out of range", "min_replicas: 2", "min_replicas: -1", "policy.min_replicas: -1 is out of range"},
        Case{"yes is not a boolean", "auto_failover: false", "auto_failover: yes",
             "policy.auto_failover: expected true or false, got 'yes'"},
        Case{"relative hook", "/etc/pivot/hooks/route-traffic", "hooks/route", "hooks.post_promote: must be an absolute path"},
        Case{"unknown hook", "{post_promote:", "{post_promotion:", "hooks.post_promotion: unknown key"},
        Case{"unknown durability", "  failover_cooldown_s: 3600", "  failover_cooldown_s: 3600\n  durability: sync",
             "policy.durability: unknown durability 'sync': async or semi_sync"},
        Case{"not yaml", "nodes:\n", "nodes: [\n", "YAML syntax error"}));

TEST(ClusterSpec, AHookThatIsNotExecutableIsNamed) {
  auto check = [](const std::string& path) -> std::optional<std::string> {
    return "'" + path + "' is not an executable file";
  };
  std::string e = problems_of(kExample, check);
  EXPECT_NE(e.find("sms-1.yaml:18: hooks.post_promote: '/etc/pivot/hooks/route-traffic' is not an executable file"),
            std::string::npos)
      << e;
}

TEST(ClusterSpec, EveryProblemIsReportedAtOnce) {
  std::string text = replace(kExample, "name: sms-1", "name: SMS");
  text = replace(text, "az_spread: 2", "az_spread: 0");
  text = replace(text, "role: analytics", "role: olap");
  std::string e = problems_of(text);
  EXPECT_NE(e.find("name 'SMS'"), std::string::npos) << e;
  EXPECT_NE(e.find("policy.az_spread: 0 is out of range"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown role 'olap'"), std::string::npos) << e;
}

TEST(ClusterSpec, DefaultsWhenPolicyAndHooksAreLeftOut) {
  auto spec = parse_cluster_spec(
      "name: dev-1\nnodes:\n  - {name: db1, host: 127.0.0.1, port: 3306, az: a, role: primary}\n", "dev-1.yaml",
      all_executable);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->policy.max_lag_seconds, 5);
  EXPECT_EQ(spec->policy.agent_fresh_ms, 3000);
  EXPECT_EQ(spec->policy.agent_dead_ms, 3000);
  EXPECT_FALSE(spec->policy.auto_failover);
  EXPECT_EQ(spec->policy.durability, Durability::async);
  EXPECT_EQ(spec->hooks.pre_pivot, "");
}

TEST(ClusterSpec, AutoFailoverTrueIsRead) {
  auto spec = parse_cluster_spec(replace(kExample, "auto_failover: false", "auto_failover: true"), "sms-1.yaml",
                                 all_executable);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_TRUE(spec->policy.auto_failover);
}

// auto_failover: false is the default, so its line can hold agent_dead_ms.
TEST(ClusterSpec, AgentDeadMsIsReadAndNeverBelowAgentFreshMs) {
  auto spec = parse_cluster_spec(replace(kExample, "auto_failover: false", "agent_dead_ms: 10000"), "sms-1.yaml",
                                 all_executable);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->policy.agent_dead_ms, 10000);
  EXPECT_EQ(problems_of(replace(kExample, "auto_failover: false", "agent_dead_ms: 2999")),
            "sms-1.yaml:10: policy.agent_dead_ms: 2999 is below agent_fresh_ms (3000): an agent is declared silent "
            "no sooner than stale");
  EXPECT_NE(problems_of(replace(kExample, "auto_failover: false", "agent_dead_ms: 99"))
                .find("policy.agent_dead_ms: 99 is out of range"),
            std::string::npos);
  // Left out, it is 3000 or agent_fresh_ms when that is longer, never refused.
  spec = parse_cluster_spec(replace(kExample, "agent_fresh_ms: 3000", "agent_fresh_ms: 8000"), "sms-1.yaml",
                            all_executable);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->policy.agent_dead_ms, 8000);
}

TEST(ClusterSpec, DurabilitySemiSyncIsRead) {
  auto spec = parse_cluster_spec(replace(kExample, "  failover_cooldown_s: 3600", "  durability: semi_sync"),
                                 "sms-1.yaml", all_executable);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->policy.durability, Durability::semi_sync);
}

}  // namespace
}  // namespace pivot::controller
