#pragma once
// The fixture of the agent process tests: a 3-node cluster, and the command
// line of an --insecure agent for node i talking to a test's sockets.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent_process.hpp"
#include "pivot/test/cluster_test.hpp"

namespace pivot::test {

using namespace std::chrono_literals;
using protocol::EventKind;
using protocol::Message;
using protocol::MessageType;
using protocol::NodeState;
using Clock = std::chrono::steady_clock;

constexpr int kProbeTimeoutMs = 2000;

class AgentProcessTest : public ClusterTest {
 protected:
  static void SetUpTestSuite() { start_cluster({.nodes = 3, .name = "agents"}); }

  std::vector<std::string> args(int node, const std::string& events,
                                const std::string& commands = "tcp://127.0.0.1:1") {
    return {"--insecure",
            "--cluster", "agents",
            "--node", "db" + std::to_string(node),
            "--mysql-host", "127.0.0.1",
            "--mysql-port", std::to_string(cluster().port(node)),
            "--mysql-user", "pivot",
            "--mysql-password-file", cluster().password_file(Account::pivot).string(),
            "--events", events,
            "--commands", commands,
            "--state-dir", state_dir(node).string(),
            "--config", write_config(node)};
  }

  // Each test its own: an epoch one test raised must not refuse the next's commands.
  std::filesystem::path state_dir(int node) {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    return cluster().dir() / ("agent" + std::to_string(node) + "-" + test->name());
  }

  // Repl credentials and intervals come from a file, the rest from flags:
  // flags override the file, as operators will use it.
  std::string write_config(int node) {
    auto path = cluster().dir() / ("agent" + std::to_string(node) + ".yaml");
    std::ofstream(path) << "replication: {user: repl, password_file: " << cluster().password_file(Account::repl).string()
                        << "}\nprobe_interval_ms: 100\nheartbeat_interval_ms: 500\nprobe_timeout_ms: "
                        << kProbeTimeoutMs << "\n";
    return path.string();
  }

  static bool is_state(const Message& m, const std::string& node) {
    return m.type() == MessageType::state && m.envelope.node == node;
  }
  static const NodeState& state(const Message& m) { return std::get<NodeState>(m.body); }
  static bool is_event(const Message& m, EventKind kind) {
    return m.type() == MessageType::event && std::get<protocol::Event>(m.body).kind == kind;
  }
};

}  // namespace pivot::test
