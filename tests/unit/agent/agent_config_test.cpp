#include "pivot/agent/agent_config.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace pivot::agent {
namespace {

const char* kGood = R"(node: db1
cluster: sms-1
mysql: {host: 127.0.0.1, port: 3306, user: pivot, password_file: /etc/pivot/mysql.password}
replication: {user: repl, password_file: /etc/pivot/repl.password, connect_retry_s: 1, heartbeat_period_s: 1}
controller:
  events: tcp://mha:7701
  commands: tcp://mha:7702
  public_key: /etc/pivot/keys/controller.pub
key: /etc/pivot/keys/agent.key
state_dir: /var/lib/pivot-agent
probe_interval_ms: 250
heartbeat_interval_ms: 1000
probe_timeout_ms: 2000
)";

AgentConfig parse_ok(const std::string& text) {
  auto parsed = parse_agent_yaml(text, "agent.yaml");
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? parsed.value() : AgentConfig{};
}

std::string parse_error(const std::string& text) {
  auto parsed = parse_agent_yaml(text, "agent.yaml");
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? "" : parsed.error().message;
}

std::string joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

TEST(AgentConfig, TheDocumentedExampleIsValid) {
  AgentConfig c = parse_ok(kGood);
  EXPECT_EQ(c.node, "db1");
  EXPECT_EQ(c.cluster, "sms-1");
  EXPECT_EQ(c.mysql.host, "127.0.0.1");
  EXPECT_EQ(c.mysql.port, 3306);
  EXPECT_EQ(c.replication.connect_retry_s, 1);
  EXPECT_EQ(c.controller.commands, "tcp://mha:7702");
  EXPECT_EQ(c.probe_interval_ms, 250);
  EXPECT_TRUE(validate_agent_config(c).empty()) << joined(validate_agent_config(c));
}

TEST(AgentConfig, ReplicationTlsForANodeWithoutASource) {
  std::string text = kGood;
  const std::string from = "connect_retry_s: 1, ";
  text.replace(text.find(from), from.size(), from + "ssl: true, ssl_ca: /etc/pivot/ca.pem, ");
  AgentConfig c = parse_ok(text);
  EXPECT_TRUE(c.replication.ssl);
  EXPECT_EQ(c.replication.ssl_ca, "/etc/pivot/ca.pem");
  EXPECT_FALSE(c.replication.ssl_verify_server_cert);
}

TEST(AgentConfig, UnknownKeyIsNamedWithItsLine) {
  std::string e = parse_error(std::string(kGood) + "probe_intervall_ms: 100\n");
  EXPECT_NE(e.find("agent.yaml:14: probe_intervall_ms: unknown key"), std::string::npos) << e;
}

TEST(AgentConfig, NestedUnknownKeyAndBadTypeAreAllReported) {
  std::string e = parse_error(R"(node: db1
mysql: {host: h, prot: 3306, port: many}
probe_timeout_ms: 500
)");
  EXPECT_NE(e.find("agent.yaml:2: mysql.prot: unknown key"), std::string::npos) << e;
  EXPECT_NE(e.find("mysql.port: expected a whole number, got 'many'"), std::string::npos) << e;
  EXPECT_NE(e.find("agent.yaml:3: probe_timeout_ms: 500 is out of range [1000, 60000]"), std::string::npos) << e;
}

TEST(AgentConfig, APasswordInTheFileIsRefused) {
  std::string e = parse_error("mysql: {user: pivot, password: secret}\n");
  EXPECT_NE(e.find("mysql.password: a password is never written in the config"), std::string::npos) << e;
  EXPECT_EQ(e.find("secret"), std::string::npos) << "the message must not repeat the secret";
}

TEST(AgentConfig, SyntaxErrorHasALine) {
  std::string e = parse_error("node: db1\nmysql: {host: [\n");
  EXPECT_NE(e.find("agent.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("YAML syntax error"), std::string::npos) << e;
}

TEST(AgentConfig, OverridesWinAndSocketReplacesHost) {
  AgentConfig c = parse_ok(kGood);
  AgentOverrides o;
  o.node = "db2";
  o.mysql_socket = "/run/mysqld/mysqld.sock";
  o.events = "tcp://127.0.0.1:7701";
  AgentConfig merged = apply_overrides(c, o);
  EXPECT_EQ(merged.node, "db2");
  EXPECT_EQ(merged.mysql.host, "");
  EXPECT_EQ(merged.mysql.socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(merged.controller.events, "tcp://127.0.0.1:7701");
  EXPECT_EQ(merged.controller.commands, "tcp://mha:7702");
  EXPECT_TRUE(validate_agent_config(merged).empty()) << joined(validate_agent_config(merged));
}

struct Case {
  const char* what;
  void (*mutate)(AgentConfig&);
  const char* expected;
};

class AgentConfigProblems : public ::testing::TestWithParam<Case> {};

TEST_P(AgentConfigProblems, NamesTheKey) {
  AgentConfig c = parse_ok(kGood);
  GetParam().mutate(c);
  std::string problems = joined(validate_agent_config(c));
  EXPECT_NE(problems.find(GetParam().expected), std::string::npos)
      << GetParam().what << ": got\n" << problems;
}

INSTANTIATE_TEST_SUITE_P(
    Each, AgentConfigProblems,
    ::testing::Values(
        Case{"no node", [](AgentConfig& c) { c.node.clear(); }, "node: required"},
        Case{"dotted node", [](AgentConfig& c) { c.node = "db1.prod"; }, "node 'db1.prod' is not a name"},
        Case{"upper-case cluster", [](AgentConfig& c) { c.cluster = "SMS"; }, "cluster 'SMS' is not a name"},
        Case{"host and socket", [](AgentConfig& c) { c.mysql.socket = "/tmp/s"; },
             "mysql: give either host and port or socket, not both"},
        Case{"neither", [](AgentConfig& c) { c.mysql.host.clear(); },
             "mysql: give either host and port or socket, not neither"},
        Case{"relative socket", [](AgentConfig& c) { c.mysql.host.clear(); c.mysql.socket = "s.sock"; },
             "mysql.socket: must be an absolute path"},
        Case{"no mysql user", [](AgentConfig& c) { c.mysql.user.clear(); }, "mysql.user: required"},
        Case{"no password file", [](AgentConfig& c) { c.mysql.password_file.clear(); },
             "mysql.password_file: required"},
        Case{"no repl user", [](AgentConfig& c) { c.replication.user.clear(); }, "replication.user: required"},
        Case{"bad endpoint", [](AgentConfig& c) { c.controller.events = "mha:7701"; },
             "controller.events: 'mha:7701' is not a tcp://HOST:PORT endpoint"},
        Case{"wildcard connect", [](AgentConfig& c) { c.controller.commands = "tcp://*:7702"; },
             "controller.commands: '*' binds"},
        Case{"insecure off loopback", [](AgentConfig& c) { c.insecure = true; },
             "controller.events: --insecure (no CURVE) only talks to loopback, not 'mha'"},
        Case{"no key", [](AgentConfig& c) { c.key.clear(); }, "key: required"},
        Case{"no controller key", [](AgentConfig& c) { c.controller.public_key.clear(); },
             "controller.public_key: required"},
        Case{"relative state dir", [](AgentConfig& c) { c.state_dir = "state"; },
             "state_dir: must be an absolute path"},
        Case{"heartbeat faster than probe", [](AgentConfig& c) { c.heartbeat_interval_ms = 100; },
             "heartbeat_interval_ms: must not be shorter than probe_interval_ms"},
        Case{"fractional timeout", [](AgentConfig& c) { c.probe_timeout_ms = 1500; },
             "probe_timeout_ms: must be whole seconds"},
        Case{"log level", [](AgentConfig& c) { c.log_level = "loud"; }, "log_level: unknown level 'loud'"}));

TEST(AgentConfig, InsecureOnLoopbackNeedsNoKeys) {
  AgentConfig c = parse_ok(kGood);
  c.insecure = true;
  c.key.clear();
  c.controller.public_key.clear();
  c.controller.events = "tcp://127.0.0.1:7701";
  c.controller.commands = "tcp://localhost:7702";
  EXPECT_TRUE(validate_agent_config(c).empty()) << joined(validate_agent_config(c));
}

TEST(AgentConfig, LoadChecksSecretFilesAreReadable) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("pivot_agent_config_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "agent.yaml";
  std::ofstream(file) << kGood;
  auto loaded = load_agent_config(file.string(), {});
  ASSERT_FALSE(loaded.ok());
  const std::string& e = loaded.error().message;
  EXPECT_NE(e.find(file.string() + ": mysql.password_file: cannot read '/etc/pivot/mysql.password'"),
            std::string::npos) << e;
  EXPECT_NE(e.find("key: cannot read '/etc/pivot/keys/agent.key'"), std::string::npos) << e;
  fs::remove_all(dir);
}

TEST(AgentConfig, MissingFileIsAClearError) {
  auto loaded = load_agent_config(std::string("/nonexistent/agent.yaml"), {});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message, "/nonexistent/agent.yaml: cannot read the config file");
}

}  // namespace
}  // namespace pivot::agent
