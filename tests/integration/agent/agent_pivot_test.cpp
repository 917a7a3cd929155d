// The planned pivot of ARCHITECTURE.md driven by hand through three real
// pivot-agent processes over their command channel, a test publisher standing
// in for pivotd, while write_probe writes as `app`: the primary moves, no
// acknowledged write is lost, no two nodes take writes, checksums agree.
#include <future>

#include "agent_fixture.hpp"
#include "probe_process.hpp"

namespace pivot::test {
namespace {

class AgentPivotTest : public AgentProcessTest {
 protected:
  static void SetUpTestSuite() { start_cluster({.nodes = 3, .name = "agents"}); }

  protocol::CommandResult must(CommandSource& source, EventSink& sink, int node, const std::string& action,
                               protocol::ValueMap args = {}) {
    protocol::Command c;
    c.id = "pivot-" + std::to_string(++step_) + "-" + action;
    c.epoch = 1;
    c.action = action;
    c.args = std::move(args);
    c.timeout_ms = 15000;
    auto r = source.send_until_result(sink, "agents", "db" + std::to_string(node), c, 20s);
    EXPECT_TRUE(r) << action << " on db" << node << ": no result";
    if (!r) return {};
    EXPECT_TRUE(r->ok) << action << " on db" << node << ": " << r->error;
    return *r;
  }

  int step_ = 0;
};

TEST_F(AgentPivotTest, PlannedPivotThroughTheAgentsLosesNothing) {
  EventSink sink;
  CommandSource source;
  std::vector<std::unique_ptr<AgentProcess>> agents;
  for (int node = 1; node <= 3; ++node) {
    agents.push_back(std::make_unique<AgentProcess>(args(node, sink.endpoint(), source.endpoint())));
  }
  // Every agent answers before the pivot starts (their SUBs are connected).
  for (int node = 1; node <= 3; ++node) must(source, sink, node, "report_position");

  std::string nodes;
  for (int i = 1; i <= 3; ++i) nodes += (i > 1 ? "," : "") + std::string("127.0.0.1:") + std::to_string(cluster().port(i));
  ProbeProcess probe({"--nodes", nodes, "--user", "app", "--password-file",
                      cluster().password_file(Account::app).string(), "--database", "pivot_test",
                      "--settle-timeout-ms", "20000", "--duration-ms", "90000"});
  ASSERT_TRUE(probe.wait_ready(10s));
  std::this_thread::sleep_for(500ms);  // writes before the pivot

  // fence: read_only, then kill what writes through it; capture the position
  must(source, sink, 1, "set_read_only", {{"read_only", true}});
  must(source, sink, 1, "kill_connections");
  auto position = must(source, sink, 1, "report_position");
  const std::string pos = std::get<std::string>(position.detail.at("gtid_binlog_pos"));
  // catch up, promote
  auto caught_up = must(source, sink, 2, "wait_for_position", {{"position", pos}, {"timeout_ms", std::int64_t{5000}}});
  EXPECT_EQ(caught_up.detail.at("reached"), protocol::Value(true));
  must(source, sink, 2, "reset_replication");
  must(source, sink, 2, "set_read_only", {{"read_only", false}});
  // repoint the other replica, demote the old primary (its slave position seeded first)
  const std::int64_t new_port = cluster().port(2);
  must(source, sink, 3, "change_source", {{"host", std::string("127.0.0.1")}, {"port", new_port},
                                           {"use_gtid", std::string("slave_pos")}});
  must(source, sink, 1, "change_source", {{"host", std::string("127.0.0.1")}, {"port", new_port},
                                           {"use_gtid", std::string("slave_pos")}, {"seed_gtid_slave_pos", true}});

  std::this_thread::sleep_for(500ms);  // writes after the pivot
  auto outcome = probe.finish(60s);
  ASSERT_TRUE(outcome.report) << outcome.describe();
  const auto& report = *outcome.report;
  std::cout << "pivot through agents: " << report.dump() .substr(0, 400) << "\n";
  EXPECT_EQ(outcome.exit_code, 0) << outcome.describe();
  EXPECT_EQ(report.at("lost"), 0);
  EXPECT_EQ(report.at("split_brain"), false);
  EXPECT_EQ(report.at("checksums_equal"), true);
  EXPECT_GT(report.at("acked").get<int>(), 0);
  EXPECT_EQ(report.at("final_primary"), "127.0.0.1:" + std::to_string(cluster().port(2)));

  // The topology moved: db1 and db3 replicate from db2, both threads running.
  for (int node : {1, 3}) {
    ASSERT_TRUE(wait_until(
        [&] {
          auto r = cluster().record(node, "SHOW SLAVE STATUS");
          return r["Master_Port"] == std::to_string(new_port) && r["Slave_IO_Running"] == "Yes" &&
                 r["Slave_SQL_Running"] == "Yes";
        },
        15s))
        << "db" << node << "\n" << cluster().status();
  }
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "1");
  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "0");
}

}  // namespace
}  // namespace pivot::test
