// agent_sim's pure part: the simulated cluster moves like a replicated
// MariaDB cluster, pivotd's own rules find it healthy, its agents answer
// commands like the real agent (delay, replay, refusals, the catalogue's
// detail keys), a pivot's commands leave a topology pivotd accepts; and the
// fleet's names, specs and process split.

#include <gtest/gtest.h>

#include <set>

#include "fleet_layout.hpp"
#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/cluster_spec_yaml.hpp"
#include "pivot/controller/pivot_status.hpp"
#include "pivot/gtid/mariadb_position.hpp"
#include "pivot/protocol/action_catalogue.hpp"
#include "sim_cluster.hpp"

namespace pivot::agent_sim {
namespace {

using controller::ClusterObservation;
using protocol::Command;
using protocol::CommandResult;

constexpr std::uint64_t kStart = 1'700'000'000'000;

FleetLayout five_node_fleet(std::size_t clusters = 4) {
  FleetLayout layout;
  layout.clusters = clusters;
  return layout;
}

SimCluster make_cluster(SimSettings settings = {}) {
  const auto layout = five_node_fleet();
  return SimCluster(cluster_name(layout, 0), cluster_nodes(layout, 0), settings, 42, kStart);
}

std::uint64_t seq_of(const std::string& position) {
  auto parsed = gtid::MariadbPosition::parse(position);
  EXPECT_TRUE(parsed) << position;
  return parsed ? parsed->seq(0) : 0;
}

controller::ClusterSpec spec_of(std::size_t cluster = 0) {
  const auto layout = five_node_fleet();
  auto spec = controller::parse_cluster_spec(cluster_spec_yaml(layout, cluster), "sim.yaml",
                                             [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(spec) << (spec ? "" : spec.error().message);
  return spec ? *spec : controller::ClusterSpec{};
}

// What pivotd would hold after every agent's latest state, heard just now.
controller::PivotStatus status_of(SimCluster& cluster, const controller::ClusterSpec& spec, std::uint64_t now) {
  cluster.advance(now);
  ClusterObservation observed;
  for (std::size_t n = 0; n < cluster.size(); ++n) {
    auto& o = observed.nodes[cluster.spec(n).name];
    o.state = cluster.state(n);
    o.received_at_ms = 5000;
    o.boot_id = "boot";
  }
  return controller::evaluate_pivot_status({spec, observed, 5000, false, std::nullopt});
}

std::string failing(const controller::PivotStatus& status) {
  std::string out;
  for (const auto& c : status.checks) {
    if (!c.ok) out += c.id + ": " + c.detail + "\n";
  }
  return out;
}

Command command(const std::string& id, const std::string& action, protocol::ValueMap args = {},
                std::uint64_t epoch = 1, std::uint64_t timeout_ms = 10000) {
  return Command{id, epoch, action, std::move(args), timeout_ms};
}

// Sends one command to `node` at `now` and runs time forward until it is
// answered (at most 10 s), returning the answer.
CommandResult call(SimCluster& cluster, std::size_t node, const Command& c, std::uint64_t& now) {
  if (auto at_once = cluster.receive(node, c, now)) return *at_once;
  for (std::uint64_t end = now + 10000; now <= end; now += 1) {
    for (auto& out : cluster.due(now)) {
      for (auto& r : out.results) {
        if (r.id == c.id) return r;
      }
    }
  }
  ADD_FAILURE() << c.action << " on node " << node << " was never answered";
  return {};
}

TEST(SimCluster, StartsAsAHealthyClusterThatPivotdMayPivot) {
  auto cluster = make_cluster();
  const auto status = status_of(cluster, spec_of(), kStart + 1000);
  EXPECT_EQ(status.primary, "db1");
  EXPECT_TRUE(status.eligible) << failing(status);
  EXPECT_TRUE(status.candidate == "db2" || status.candidate == "db3") << "the least lagging replica: " << status.candidate;
}

TEST(SimCluster, ThePrimaryWritesAndReplicasFollowWithinTheirLag) {
  SimSettings settings;
  settings.writes_per_s = 100;
  settings.max_lag_ms = 1000;
  auto cluster = make_cluster(settings);
  const std::uint64_t first = seq_of(cluster.position(0));
  std::set<std::uint64_t> lags_seen;
  for (std::uint64_t t = kStart; t <= kStart + 20000; t += 250) {
    cluster.advance(t);
    const std::uint64_t primary = seq_of(cluster.position(0));
    for (std::size_t n = 1; n < 5; ++n) {
      const auto s = cluster.state(n);
      ASSERT_TRUE(s.replica);
      EXPECT_LE(seq_of(*s.gtid_binlog_pos), primary);
      // At most a lag's worth (1 s of 100 writes) behind.
      EXPECT_LE(primary - seq_of(*s.gtid_binlog_pos), 100u + 1);
      EXPECT_EQ(s.replica->source_host, cluster.spec(0).host);
      lags_seen.insert(primary - seq_of(*s.gtid_binlog_pos));
    }
  }
  EXPECT_NEAR(static_cast<double>(seq_of(cluster.position(0)) - first), 2000.0, 1.0) << "100 writes/s for 20 s";
  EXPECT_GT(lags_seen.size(), 5u) << "the replicas' distance moves over time";
}

TEST(SimCluster, SnapshotsFollowThePublicationRules) {
  auto cluster = make_cluster();
  // The first snapshot is always sent; so is one a heartbeat later.
  EXPECT_TRUE(cluster.probe(1, kStart + 1).state);
  const auto second = cluster.probe(1, kStart + 1001);
  ASSERT_TRUE(second.state);
  EXPECT_EQ(second.state->node, "db2");
  EXPECT_EQ(second.state->cluster, cluster.name());
}

TEST(SimCluster, AnActionIsAnsweredAfterTheDelayAndOnlyThen) {
  SimSettings settings;
  settings.command_delay_ms = 40;
  auto cluster = make_cluster(settings);
  ASSERT_EQ(cluster.probe(0, kStart + 50).events.size(), 1u) << "mysql_up, at the first snapshot";
  const auto c = command("j1/fence_read_only/db1", "set_read_only", {{"read_only", true}});
  EXPECT_FALSE(cluster.receive(0, c, kStart + 100));
  EXPECT_EQ(cluster.next_due_ms(), kStart + 140);
  EXPECT_TRUE(cluster.due(kStart + 139).empty());
  const auto out = cluster.due(kStart + 140);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].results.size(), 1u);
  const auto& r = out[0].results[0];
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.duration_ms, 40u);
  EXPECT_EQ(r.detail.at("changed"), protocol::Value(true));
  // The change shows in a state sent with the answer, after the event the
  // real agent's Publication sends for it.
  ASSERT_TRUE(out[0].state);
  EXPECT_EQ(out[0].state->read_only, true);
  ASSERT_EQ(out[0].events.size(), 1u);
  EXPECT_EQ(out[0].events[0].kind, protocol::EventKind::read_only_changed);
  EXPECT_FALSE(cluster.writer()) << "a read-only primary no longer writes";
}

TEST(SimCluster, ARepeatedIdGetsTheStoredResultAndRunsNoMore) {
  auto cluster = make_cluster();
  std::uint64_t now = kStart;
  const auto c = command("j1/x/db1", "set_read_only", {{"read_only", true}});
  const auto first = call(cluster, 0, c, now);
  ASSERT_TRUE(first.ok);
  EXPECT_EQ(first.detail.at("changed"), protocol::Value(true));
  const auto again = cluster.receive(0, c, now);
  ASSERT_TRUE(again) << "a replay is answered at once";
  EXPECT_EQ(*again, first);
}

TEST(SimCluster, AStaleEpochAndBadArgsAreRefusedWithoutRunning) {
  auto cluster = make_cluster();
  std::uint64_t now = kStart;
  ASSERT_TRUE(call(cluster, 0, command("a", "report_position", {}, 5), now).ok);
  const auto stale = cluster.receive(0, command("b", "set_read_only", {{"read_only", true}}, 4), now);
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->error, "stale_epoch");
  const auto typo = cluster.receive(0, command("c", "set_read_only", {{"readonly", true}}, 5), now);
  ASSERT_TRUE(typo);
  EXPECT_EQ(typo->error, "unknown_arg");
  EXPECT_TRUE(cluster.writer()) << "nothing ran: db1 still writes";
}

// A cluster that wrote for 5 s, its primary then fenced (read-only, as a
// pivot's fence): `ahead` is the primary's last position, which db2 reaches
// within its lag.
struct Fenced {
  SimCluster cluster;
  std::uint64_t now;
  std::string ahead;
};
Fenced fenced_after_writes() {
  SimSettings settings;
  settings.writes_per_s = 100;
  settings.max_lag_ms = 1000;
  Fenced f{make_cluster(settings), kStart + 5000, ""};
  f.cluster.advance(f.now);
  f.ahead = f.cluster.position(0);
  EXPECT_TRUE(call(f.cluster, 0, command("ro", "set_read_only", {{"read_only", true}}), f.now).ok);
  return f;
}

TEST(SimCluster, WaitForPositionWaitsUntilApplied) {
  auto [cluster, now, ahead] = fenced_after_writes();
  const std::uint64_t asked = now;
  const auto r = call(cluster, 1, command("w", "wait_for_position", {{"position", ahead}, {"timeout_ms", std::int64_t{5000}}}), now);
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.detail.at("reached"), protocol::Value(true));
  EXPECT_LE(now - asked, 1000u + 20u);
  // A position nobody has: position_timeout at the wait's bound, not before.
  const std::string never = "0-1-" + std::to_string(seq_of(ahead) + 1000);
  const std::uint64_t before = now;
  const auto t = call(cluster, 1, command("w2", "wait_for_position", {{"position", never}, {"timeout_ms", std::int64_t{300}}}), now);
  EXPECT_FALSE(t.ok);
  EXPECT_EQ(t.error, "position_timeout");
  EXPECT_EQ(t.detail.at("reached"), protocol::Value(false));
  EXPECT_GE(now - before, 300u);
}

// As a real agent's queue: a pivot's reset (with `applied`) sent right behind
// its catch-up's wait runs once the wait has ended, not beside it.
TEST(SimCluster, ACommandQueuedBehindAWaitRunsAfterIt) {
  auto [cluster, now, ahead] = fenced_after_writes();
  ASSERT_FALSE(cluster.receive(1, command("w", "wait_for_position", {{"position", ahead}, {"timeout_ms", std::int64_t{5000}}}), now));
  ASSERT_FALSE(cluster.receive(1, command("r", "reset_replication", {{"applied", ahead}}), now));
  std::vector<CommandResult> answered;
  for (const std::uint64_t end = now + 10000; now <= end && answered.size() < 2; now += 1) {
    for (auto& out : cluster.due(now)) {
      for (auto& r : out.results) answered.push_back(r);
    }
  }
  ASSERT_EQ(answered.size(), 2u);
  EXPECT_EQ(answered[0].id, "w");
  EXPECT_EQ(answered[1].id, "r");
  EXPECT_TRUE(answered[1].ok) << answered[1].error << ": the reset ran before the wait had ended";
}

TEST(SimCluster, EveryDetailKeyIsOneTheCatalogueNames) {
  auto cluster = make_cluster();
  std::uint64_t now = kStart + 2000;
  const std::string pos = (cluster.advance(now), cluster.position(0));
  const std::vector<Command> all = {
      command("1", "set_read_only", {{"read_only", true}}),
      command("2", "kill_connections"),
      command("3", "fence_writes", {{"lease_ms", std::int64_t{60000}}}),
      command("4", "report_position"),
      command("5", "release_fence", {{"kill_clients", true}}),
      command("6", "stop_replication"),
      command("7", "start_replication"),
      command("8", "reset_replication"),
      command("9", "change_source", {{"host", cluster.spec(0).host}, {"port", std::int64_t{3306}}, {"use_gtid", "slave_pos"}}),
      command("10", "wait_for_position", {{"position", pos}, {"timeout_ms", std::int64_t{3000}}}),
      command("11", "stop_io_thread"),
      command("12", "set_semi_sync", {{"source", true}, {"replica", true}, {"timeout_ms", std::int64_t{28000}}}),
      command("13", "ping"),
  };
  // fence_writes also carries report_position's keys (the catalogue says so in words).
  std::set<std::string> report_keys;
  for (const auto& k : protocol::find_action("report_position")->detail) report_keys.insert(std::string(k.name));
  std::set<std::string> actions_seen;
  for (const auto& c : all) {
    // Replication actions on db4, the catch-up wait on db3, the rest on the primary.
    const bool replication =
        c.action.ends_with("_replication") || c.action == "change_source" || c.action == "stop_io_thread";
    const auto r = call(cluster, replication ? 3 : c.action == "wait_for_position" ? 2 : 0, c, now);
    EXPECT_TRUE(r.ok) << c.action << ": " << r.error;
    const auto* spec = protocol::find_action(c.action);
    ASSERT_NE(spec, nullptr) << c.action;
    std::set<std::string> allowed{"message"};
    for (const auto& k : spec->detail) allowed.insert(std::string(k.name));
    if (c.action == "fence_writes") allowed.insert(report_keys.begin(), report_keys.end());
    for (const auto& [key, value] : r.detail) EXPECT_TRUE(allowed.count(key)) << c.action << " answers " << key;
    actions_seen.insert(c.action);
  }
  EXPECT_EQ(actions_seen.size(), protocol::action_catalogue().size()) << "every action of the catalogue is simulated";
}

// The pivot's commands in the plan's order (controller/src/plan/pivot_steps.cpp):
// afterwards pivotd's own rules see db2 as the primary of a healthy cluster.
TEST(SimCluster, APivotsCommandsLeaveATopologyPivotdAccepts) {
  SimSettings settings;
  settings.writes_per_s = 200;
  auto cluster = make_cluster(settings);
  const auto spec = spec_of();
  std::uint64_t now = kStart + 3000;
  cluster.advance(now);
  const std::string db2 = cluster.spec(1).host;
  ASSERT_TRUE(call(cluster, 0, command("p/fence_read_only/db1", "set_read_only", {{"read_only", true}}), now).ok);
  const auto fence = call(cluster, 0, command("p/fence_lock/db1", "fence_writes", {{"lease_ms", std::int64_t{60000}}}), now);
  ASSERT_TRUE(fence.ok);
  const auto captured = std::get<std::string>(fence.detail.at("gtid_binlog_pos"));
  ASSERT_TRUE(call(cluster, 1, command("p/catch_up/db2", "wait_for_position", {{"position", captured}, {"timeout_ms", std::int64_t{5000}}}), now).ok);
  const auto confirm = call(cluster, 0, command("p/confirm_fence/db1", "report_position"), now);
  EXPECT_EQ(confirm.detail.at("fence"), protocol::Value(std::string("held")));
  EXPECT_EQ(confirm.detail.at("gtid_binlog_pos"), protocol::Value(captured)) << "no commit under the fence";
  ASSERT_TRUE(call(cluster, 1, command("p/promote/db2/reset_replication", "reset_replication"), now).ok);
  ASSERT_TRUE(call(cluster, 1, command("p/promote/db2/set_read_only", "set_read_only", {{"read_only", false}, {"no_source", true}}), now).ok);
  EXPECT_EQ(cluster.writer(), 1u);
  ASSERT_TRUE(call(cluster, 0, command("p/kill/db1", "kill_connections"), now).ok);
  ASSERT_TRUE(call(cluster, 0, command("p/release_fence/db1", "release_fence", {{"kill_clients", true}}), now).ok);
  for (std::size_t n : {2u, 3u, 4u}) {
    const auto r = call(cluster, n, command("p/repoint/" + std::to_string(n), "change_source",
                                            {{"host", db2}, {"port", std::int64_t{3306}}, {"use_gtid", "slave_pos"}}), now);
    ASSERT_TRUE(r.ok) << r.error;
  }
  ASSERT_TRUE(call(cluster, 0, command("p/demote/db1", "change_source",
                                       {{"host", db2}, {"port", std::int64_t{3306}}, {"use_gtid", "slave_pos"},
                                        {"seed_gtid_slave_pos", true}}), now).ok);
  const auto status = status_of(cluster, spec, now + 3000);
  EXPECT_EQ(status.primary, "db2");
  EXPECT_TRUE(status.eligible) << failing(status);
  // db2's new writes carry its server id; db1 follows them.
  EXPECT_NE(cluster.position(1).find("0-2-"), std::string::npos) << cluster.position(1);
  EXPECT_EQ(seq_of(cluster.position(0)), seq_of(cluster.position(1))) << "db1 caught up with its new source";
}

// set_read_only's no_source (issue 22): a switch queued behind a reset that
// did not run refuses, changing nothing; after the reset it switches.
TEST(SimCluster, AWritableSwitchWithNoSourceRefusesWhileTheNodeReplicates) {
  auto cluster = make_cluster();
  std::uint64_t now = kStart + 1000;
  cluster.advance(now);
  const auto early = call(cluster, 1, command("s/1", "set_read_only", {{"read_only", false}, {"no_source", true}}), now);
  EXPECT_FALSE(early.ok);
  EXPECT_EQ(early.error, "still_replica");
  EXPECT_EQ(cluster.writer(), 0u) << "db2 stayed read-only";
  ASSERT_TRUE(call(cluster, 1, command("s/2", "reset_replication"), now).ok);
  ASSERT_TRUE(call(cluster, 1, command("s/3", "set_read_only", {{"read_only", false}, {"no_source", true}}), now).ok);
}

TEST(SimCluster, AnExpiredFenceIsReportedAsLost) {
  auto cluster = make_cluster();
  std::uint64_t now = kStart;
  ASSERT_TRUE(call(cluster, 0, command("f", "fence_writes", {{"lease_ms", std::int64_t{1000}}}), now).ok);
  cluster.advance(now + 1500);
  now += 1500;
  const auto r = call(cluster, 0, command("r", "release_fence"), now);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "fence_lost");
  EXPECT_EQ(r.detail.at("was"), protocol::Value(std::string("expired")));
}

TEST(FleetLayout, NamesHostsAndSpecsPivotdAccepts) {
  FleetLayout layout;
  layout.clusters = 300;
  EXPECT_EQ(cluster_name(layout, 7), "sim-00007");
  const auto nodes = cluster_nodes(layout, 257);
  ASSERT_EQ(nodes.size(), 5u);
  EXPECT_EQ(nodes[0].name, "db1");
  EXPECT_EQ(nodes[4].host, "10.1.1.5");
  auto spec = controller::parse_cluster_spec(cluster_spec_yaml(layout, 257), "x.yaml",
                                             [](const std::string&) { return std::nullopt; });
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_EQ(spec->name, "sim-00257");
  EXPECT_EQ(spec->nodes[0].role, controller::Role::primary);
  EXPECT_EQ(spec->nodes[3].role, controller::Role::backup);
  EXPECT_EQ(spec->nodes[4].role, controller::Role::analytics);
  layout.cluster_size = 3;
  EXPECT_TRUE(controller::parse_cluster_spec(cluster_spec_yaml(layout, 0), "x.yaml",
                                             [](const std::string&) { return std::nullopt; }));
}

TEST(FleetLayout, ProcessesFollowTheDescriptorLimit) {
  // 20000 descriptors, 64 kept, 5 per agent: 3987 agents, 3985 in whole clusters of 5.
  EXPECT_EQ(agents_per_process(20000, 5, 64, 5), 3985u);
  EXPECT_EQ(agents_per_process(60, 5, 64, 5), 0u);
  // 9900 agents = 1980 clusters, at most 797 a process: three processes of 660.
  const auto ranges = split_clusters(1980, 797);
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0], (ClusterRange{0, 660}));
  EXPECT_EQ(ranges[2], (ClusterRange{1320, 1980}));
  const auto uneven = split_clusters(7, 3);
  ASSERT_EQ(uneven.size(), 3u);
  EXPECT_EQ(uneven[0], (ClusterRange{0, 3}));
  EXPECT_EQ(uneven[2], (ClusterRange{5, 7}));
  EXPECT_TRUE(split_clusters(0, 3).empty());
}

}  // namespace
}  // namespace pivot::agent_sim
