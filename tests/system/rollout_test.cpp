// Rollouts on a real fleet (issue 20 item 1): three clusters of three real
// MariaDB nodes with their agents and ONE pivotd (the first stack's; the
// other stacks' specs, agent keys and agent configs are pointed at it). A
// rollout of the stage clusters through pivotctl, one at a time in natural
// order (shard 2 before 10), pivots each and no other, under write_probe on
// one of them; then a rollout whose second cluster is not eligible stops
// there with exit 3 and never starts the third; a rollout cancelled while
// its first pivot runs starts no other; a pivotd stopped while a rollout's
// first pivot runs resumes the rollout when it starts again.
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>
#include <tuple>

#include <gtest/gtest.h>

#include "pivot/test/background_process.hpp"
#include "pivot/test/process.hpp"
#include "pivot/test/wait.hpp"
#include "pivot_stack.hpp"
#include "probe_process.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;

struct Member {
  std::string labels;  // the spec's labels line's inside
  std::unique_ptr<Cluster> cluster;
  std::unique_ptr<PivotStack> stack;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

class RolloutFleet : public ::testing::Test {
 protected:
  // a: stage shard 10, b: stage shard 2 (write_probe), c: production shard 1.
  static void SetUpTestSuite() {
    try {
      const std::vector<std::pair<std::string, std::string>> fleet{
          {"sysrl-a", "environment: stage, service: sms, shard: \"10\""},
          {"sysrl-b", "environment: stage, service: sms, shard: \"2\""},
          {"sysrl-c", "environment: production, service: sms, shard: \"1\""}};
      for (const auto& [name, labels] : fleet) {
        Member m;
        m.labels = labels;
        m.cluster = Cluster::start({.nodes = 3, .name = name});
        m.stack = std::make_unique<PivotStack>(*m.cluster, m.cluster->dir().string() + "-stack");
        members_.push_back(std::move(m));
      }
      PivotStack& hub = *members_[0].stack;
      // The stage clusters' traffic follows a route file each, switched by
      // its post_promote hook.
      const auto route_hook = [](Member& m, std::filesystem::path& route) {
        route = m.stack->dir() / "route";
        write_file(route, m.stack->node_address(1) + "\n");
        return m.stack->write_hook("route-traffic", "echo \"$PIVOT_NEW_PRIMARY\" > " + route.string() + ".tmp && mv " +
                                                        route.string() + ".tmp " + route.string());
      };
      const std::string hook = route_hook(members_[1], route_);
      const std::string hook_a = route_hook(members_[0], route_a_);
      // Every stage cluster's pivot waits in pre_pivot while the hold file
      // exists (a test removes it; the hook's 5 s timeout bounds it anyway).
      hold_ = hub.dir() / "hold";
      const std::string hold_hook = hub.write_hook(
          "hold", "while [ -e " + hold_.string() + " ]; do sleep 0.05; done");
      const std::string controller_line = [&] {
        std::smatch m;
        const std::string db1 = read_file(hub.dir() / "agents" / "db1.yaml");
        std::regex_search(db1, m, std::regex("controller: \\{[^\n]*\\}"));
        return m.str();
      }();
      for (auto& m : members_) {
        PivotStack& s = *m.stack;
        SpecOptions spec;
        if (&m == &members_[1]) spec.hooks = {{"post_promote", hook}};
        if (&m == &members_[0]) spec.hooks = {{"post_promote", hook_a}};
        if (&m != &members_[2]) spec.hooks["pre_pivot"] = hold_hook;
        s.write_spec(spec);
        const auto file = s.dir() / "clusters.d" / (s.cluster_name() + ".yaml");
        const std::string text =
            std::regex_replace(read_file(file), std::regex("labels: \\{[^\n]*\\}"), "labels: {" + m.labels + "}");
        write_file(hub.dir() / "clusters.d" / (s.cluster_name() + ".yaml"), text);
        if (&m == &members_[0]) continue;
        // Its agents report to the hub's pivotd, which knows their keys.
        for (const auto& pub : std::filesystem::directory_iterator(s.dir() / "agents.d")) {
          std::filesystem::copy_file(pub.path(), hub.dir() / "agents.d" / pub.path().filename(),
                                     std::filesystem::copy_options::overwrite_existing);
        }
        for (int node = 1; node <= 3; ++node) {
          const auto agent = s.dir() / "agents" / ("db" + std::to_string(node) + ".yaml");
          write_file(agent, std::regex_replace(read_file(agent), std::regex("controller: \\{[^\n]*\\}"), controller_line));
        }
      }
      hub.start_pivotd();
      for (auto& m : members_) m.stack->start_agents();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    for (auto& m : members_) m.stack.reset();
    members_.clear();
  }

  void SetUp() override {
    ASSERT_TRUE(error_.empty()) << error_;
    // Every cluster observed with its primary and healthy by the one pivotd.
    ASSERT_TRUE(wait_until(
        [&] {
          auto clusters = hub().api("GET", "/v1/clusters", nullptr, "viewer").body;
          if (!clusters.is_array() || clusters.size() != members_.size()) return false;
          for (const auto& c : clusters) {
            if (!c.value("healthy", false) || !c["primary"].is_string()) return false;
          }
          return true;
        },
        30s))
        << hub().api("GET", "/v1/clusters", nullptr, "viewer").body.dump(2);
  }

  void TearDown() override {
    if (HasFailure()) std::cout << "---- pivotd log ----\n" << hub().pivotd_log() << "\n";
  }

  static PivotStack& hub() { return *members_[0].stack; }
  static Member& member(int i) { return members_[i]; }
  std::string primary_of(const Member& m) {
    return hub().api("GET", "/v1/clusters/" + m.stack->cluster_name(), nullptr, "viewer").body.value("primary", "");
  }
  // pivotd observes the new primary once the agents' next snapshots arrive,
  // a moment after the pivot ended: until then, the old one or none.
  std::string primary_other_than(const Member& m, const std::string& old) {
    std::string now;
    wait_until([&] { return !(now = primary_of(m)).empty() && now != old; }, 10s);
    return now;
  }
  std::size_t pivots_of(const Member& m) {
    std::size_t n = 0;
    for (const auto& job : hub().api("GET", "/v1/jobs?cluster=" + m.stack->cluster_name(), nullptr, "viewer").body) {
      if (job.value("kind", "") == "pivot" && !job.value("dry_run", false)) ++n;
    }
    return n;
  }
  ProcessResult pivotctl(std::vector<std::string> args) {
    std::vector<std::string> argv{built_binary("pivotctl", PIVOT_DEFAULT_BIN_DIR).string(), "--controller",
                                  "http://127.0.0.1:" + std::to_string(hub().http_port())};
    argv.insert(argv.end(), args.begin(), args.end());
    auto run = run_process(argv, 120s, {{"PIVOT_TOKEN", hub().token("operator")}});
    std::cout << run.out << run.err << "\n";
    return run;
  }
  // POST /v1/rollouts; the job's id.
  std::string start_rollout(const json& body) {
    auto reply = hub().api("POST", "/v1/rollouts", body);
    EXPECT_EQ(reply.status, 202) << reply.body.dump();
    return reply.body.value("job", "");
  }
  json job(const std::string& id) { return hub().api("GET", "/v1/jobs/" + id, nullptr, "viewer").body; }
  json wait_ended(const std::string& id, std::chrono::seconds timeout = 60s) {
    EXPECT_TRUE(wait_until(
        [&] {
          const std::string state = job(id).value("state", "");
          return state != "queued" && state != "running";
        },
        timeout))
        << job(id).dump(2);
    return job(id);
  }
  // Until the rollout's first cluster's pivot waits in its pre_pivot hook.
  std::string wait_first_child_holding(const std::string& id) {
    std::string child;
    EXPECT_TRUE(wait_until(
        [&] {
          const json rollout = job(id);
          const json& clusters = rollout["result"]["clusters"];
          if (!clusters.is_array() || clusters.empty() || !clusters[0]["job"].is_string()) return false;
          child = clusters[0]["job"].get<std::string>();
          const json pivot = job(child);
          for (const auto& step : pivot["steps"]) {
            if (step["name"] == "pre_pivot" && step["state"] == "running") return true;
          }
          return false;
        },
        20s))
        << job(id).dump(2);
    return child;
  }

  // The newest rollout job's whole record.
  json last_rollout() {
    for (const auto& job : hub().api("GET", "/v1/jobs?limit=50", nullptr, "viewer").body) {
      if (job.value("kind", "") == "rollout" && !job.value("dry_run", false)) {
        return hub().api("GET", "/v1/jobs/" + job.value("id", ""), nullptr, "viewer").body;
      }
    }
    return nullptr;
  }

  static inline std::vector<Member> members_;
  static inline std::string error_;
  static inline std::filesystem::path route_;    // b's
  static inline std::filesystem::path route_a_;  // a's
  static inline std::filesystem::path hold_;
};

TEST_F(RolloutFleet, TheStageClustersPivotOneAtATimeInNaturalOrderAndNoOther) {
  Member& b = member(1);
  std::string nodes;
  for (int i = 1; i <= 3; ++i) nodes += (i > 1 ? "," : "") + b.stack->node_address(i);
  ProbeProcess probe({"--nodes", nodes, "--route", route_.string(), "--user", "app", "--password-file",
                      b.cluster->password_file(Account::app).string(), "--database", "pivot_test",
                      "--settle-timeout-ms", "20000", "--duration-ms", "120000"});
  ASSERT_TRUE(probe.wait_ready(10s));
  const auto untouched = pivots_of(member(2));

  auto run = pivotctl({"rollout", "--selector", "environment=stage", "--order-by", "shard", "--yes"});
  EXPECT_EQ(run.exit_code, 0) << run.describe() << run.out << run.err;
  EXPECT_NE(run.out.find("2 cluster(s) selected"), std::string::npos) << run.out;

  const json rollout = last_rollout();
  ASSERT_TRUE(rollout.is_object());
  EXPECT_EQ(rollout["state"], "succeeded") << rollout.dump(2);
  const json& children = rollout["result"]["children"];
  ASSERT_EQ(children.size(), 2u) << rollout.dump(2);
  // Natural order: shard 2 (b) before shard 10 (a), one after the other.
  EXPECT_EQ(children[0]["cluster"], "sysrl-b");
  EXPECT_EQ(children[1]["cluster"], "sysrl-a");
  const json first = hub().api("GET", "/v1/jobs/" + children[0]["job"].get<std::string>(), nullptr, "viewer").body;
  const json second = hub().api("GET", "/v1/jobs/" + children[1]["job"].get<std::string>(), nullptr, "viewer").body;
  EXPECT_EQ(first["state"], "succeeded") << first.dump(2);
  EXPECT_EQ(second["state"], "succeeded") << second.dump(2);
  EXPECT_LE(first["steps"].back()["finished_at"].get<std::string>(), second["created_at"].get<std::string>())
      << "concurrency 1: the second pivot starts after the first ended";
  for (const json& child : {first, second}) {
    EXPECT_EQ(child["result"]["old_primary"], "db1") << child.dump(2);
  }
  for (int i : {0, 1}) {
    Member& m = member(i);
    const std::string now = primary_other_than(m, "db1");
    ASSERT_NE(now, "db1") << m.stack->cluster_name() << " was pivoted";
    const int node = std::stoi(now.substr(2));
    EXPECT_EQ(m.cluster->value(node, "SELECT @@global.read_only"), "0");
    EXPECT_EQ(m.cluster->value(1, "SELECT @@global.read_only"), "1");
  }
  EXPECT_EQ(primary_of(member(2)), "db1") << "production was not selected";
  EXPECT_EQ(pivots_of(member(2)), untouched);

  auto outcome = probe.finish(60s);
  ASSERT_TRUE(outcome.report) << outcome.describe();
  std::cout << "write_probe: " << outcome.report->dump().substr(0, 600) << "\n";
  EXPECT_EQ(outcome.report->at("lost"), 0);
  EXPECT_EQ(outcome.report->at("split_brain"), false);
  EXPECT_EQ(outcome.report->at("checksums_equal"), true);
  EXPECT_GT(outcome.report->at("acked").get<int>(), 0);
}

TEST_F(RolloutFleet, ANotEligibleClusterStopsTheRolloutBeforeTheNextOne) {
  // Order by shard over the whole service: c (1), b (2), a (10). b cannot be
  // pivoted: none of its replicas applies what it receives.
  Member& b = member(1);
  Member& a = member(0);
  const std::string b_primary = primary_of(b);
  std::vector<int> replicas;
  for (int node = 1; node <= 3; ++node) {
    if ("db" + std::to_string(node) != b_primary) replicas.push_back(node);
  }
  for (int node : replicas) b.cluster->execute(node, "STOP SLAVE SQL_THREAD");
  // Until pivotd's own pivot status says so (the agents report within a probe).
  ASSERT_TRUE(wait_until(
      [&] {
        return hub().run_job("/v1/clusters/" + b.stack->cluster_name() + "/pivot-status")["result"].value("eligible", true) ==
               false;
      },
      10s));
  const std::string a_primary = primary_of(a);
  const auto a_pivots = pivots_of(a);

  auto run = pivotctl({"rollout", "--selector", "service=sms", "--order-by", "shard", "--yes"});
  for (int node : replicas) b.cluster->execute(node, "START SLAVE SQL_THREAD");
  EXPECT_EQ(run.exit_code, 3) << run.describe() << run.out << run.err;

  const json rollout = last_rollout();
  ASSERT_TRUE(rollout.is_object());
  EXPECT_EQ(rollout["state"], "failed") << rollout.dump(2);
  EXPECT_EQ(rollout["result"]["error"], "not_eligible");
  const json& clusters = rollout["result"]["clusters"];
  ASSERT_EQ(clusters.size(), 3u);
  EXPECT_EQ(clusters[0]["cluster"], "sysrl-c");
  EXPECT_EQ(clusters[0]["outcome"], "succeeded") << rollout.dump(2);
  EXPECT_EQ(clusters[1]["cluster"], "sysrl-b");
  EXPECT_EQ(clusters[1]["outcome"], "not_eligible") << rollout.dump(2);
  EXPECT_EQ(clusters[2]["cluster"], "sysrl-a");
  EXPECT_EQ(clusters[2]["state"], "not_started") << rollout.dump(2);
  EXPECT_EQ(primary_of(a), a_primary) << "a was not pivoted";
  EXPECT_EQ(pivots_of(a), a_pivots) << "no pivot job was started on a";
  EXPECT_EQ(primary_of(b), b_primary);
}

TEST_F(RolloutFleet, ACancelledRolloutLetsItsRunningPivotFinishAndStartsNoOther) {
  Member& a = member(0);
  Member& b = member(1);
  const std::string a_primary = primary_of(a), b_primary = primary_of(b);
  const auto a_pivots = pivots_of(a);
  write_file(hold_, "");
  const std::string id = start_rollout({{"selector", "environment=stage"}, {"order_by", "shard"}});
  const std::string child = wait_first_child_holding(id);  // b's pivot, in pre_pivot
  auto cancelled = hub().api("POST", "/v1/jobs/" + id + "/cancel", json::object());
  EXPECT_EQ(cancelled.status, 200) << cancelled.body.dump(2);
  EXPECT_EQ(cancelled.body["state"], "running") << "its pivot still runs";
  std::filesystem::remove(hold_);
  const json done = wait_ended(id);
  EXPECT_EQ(done["state"], "cancelled") << done.dump(2);
  EXPECT_EQ(job(child)["state"], "succeeded") << "the running pivot finished";
  EXPECT_NE(primary_other_than(b, b_primary), b_primary);
  const json& clusters = done["result"]["clusters"];
  ASSERT_EQ(clusters.size(), 2u);
  EXPECT_EQ(clusters[1]["cluster"], "sysrl-a");
  EXPECT_EQ(clusters[1]["state"], "not_started");
  EXPECT_EQ(primary_of(a), a_primary);
  EXPECT_EQ(pivots_of(a), a_pivots);
  EXPECT_EQ(hub().api("POST", "/v1/jobs/" + id + "/cancel", json::object()).status, 409) << "it ended";
}

TEST_F(RolloutFleet, APivotdStoppedMidRolloutResumesItAtItsNextStart) {
  Member& a = member(0);
  Member& b = member(1);
  const std::string a_primary = primary_of(a), b_primary = primary_of(b);
  write_file(hold_, "");
  const std::string id = start_rollout({{"selector", "environment=stage"}, {"order_by", "shard"}});
  const std::string child = wait_first_child_holding(id);
  // SIGTERM: pivotd waits for b's pivot (released a second later), starts
  // nothing more, and leaves the rollout running in its journal.
  std::thread release([&] {
    std::this_thread::sleep_for(1s);
    std::filesystem::remove(hold_);
  });
  hub().stop_pivotd();
  release.join();
  hub().start_pivotd();
  const json done = wait_ended(id, 90s);
  EXPECT_EQ(done["state"], "succeeded") << done.dump(2);
  const json& clusters = done["result"]["clusters"];
  ASSERT_EQ(clusters.size(), 2u);
  EXPECT_EQ(clusters[0]["job"], child);
  EXPECT_EQ(clusters[0]["outcome"], "succeeded");
  EXPECT_EQ(clusters[1]["cluster"], "sysrl-a");
  EXPECT_EQ(clusters[1]["outcome"], "succeeded") << done.dump(2);
  EXPECT_NE(primary_other_than(b, b_primary), b_primary);
  EXPECT_NE(primary_other_than(a, a_primary), a_primary);
  EXPECT_NE(hub().pivotd_log().find("rollout found running at start: resumed"), std::string::npos);
}

TEST_F(RolloutFleet, TheDryRunListsEveryClustersPivotStatusAndStartsNothing) {
  std::size_t before = 0;
  for (int i : {0, 1, 2}) before += pivots_of(member(i));
  auto run = pivotctl({"rollout", "--selector", "service=sms", "--order-by", "shard", "--dry-run"});
  EXPECT_EQ(run.exit_code, 0) << run.describe() << run.out << run.err;
  const auto c = run.out.find("sysrl-c"), b = run.out.find("sysrl-b"), a = run.out.find("sysrl-a");
  ASSERT_NE(a, std::string::npos) << run.out;
  EXPECT_LT(c, b) << "shard 1, 2, then 10:\n" << run.out;
  EXPECT_LT(b, a) << run.out;
  EXPECT_NE(run.out.find("ELIGIBLE"), std::string::npos) << run.out;
  std::size_t after = 0;
  for (int i : {0, 1, 2}) after += pivots_of(member(i));
  EXPECT_EQ(after, before) << "a dry run starts no pivot";
}

// Both stage clusters pivoted at once, each under its own write_probe
// through its route file: 0 lost on either.
TEST_F(RolloutFleet, ConcurrencyTwoPivotsBothStageClustersAtOnceUnderWrites) {
  Member& a = member(0);
  Member& b = member(1);
  ASSERT_TRUE(wait_until([&] { return !primary_of(a).empty() && !primary_of(b).empty(); }, 10s));
  const std::string a_primary = primary_of(a), b_primary = primary_of(b);
  std::vector<std::unique_ptr<ProbeProcess>> probes;
  for (auto [m, route, primary] : {std::tuple{&a, route_a_, a_primary}, std::tuple{&b, route_, b_primary}}) {
    write_file(route, m->stack->node_address(std::stoi(primary.substr(2))) + "\n");
    std::string nodes;
    for (int i = 1; i <= 3; ++i) nodes += (i > 1 ? "," : "") + m->stack->node_address(i);
    probes.push_back(std::make_unique<ProbeProcess>(std::vector<std::string>{
        "--nodes", nodes, "--route", route.string(), "--user", "app", "--password-file",
        m->cluster->password_file(Account::app).string(), "--database", "pivot_test", "--settle-timeout-ms",
        "20000", "--duration-ms", "120000"}));
    ASSERT_TRUE(probes.back()->wait_ready(10s));
  }
  write_file(hold_, "");
  const std::string id =
      start_rollout({{"selector", "environment=stage"}, {"order_by", "shard"}, {"concurrency", 2}});
  // Both pivots wait in pre_pivot at the same time.
  const bool both = wait_until(
      [&] {
        const json rollout = job(id);
        int holding = 0;
        for (const auto& c : rollout["result"]["clusters"]) {
          if (!c["job"].is_string()) continue;
          const json pivot = job(c["job"].get<std::string>());
          for (const auto& step : pivot["steps"]) {
            if (step["name"] == "pre_pivot" && step["state"] == "running") ++holding;
          }
        }
        return holding == 2;
      },
      20s);
  std::filesystem::remove(hold_);
  EXPECT_TRUE(both) << job(id).dump(2);
  const json done = wait_ended(id);
  EXPECT_EQ(done["state"], "succeeded") << done.dump(2);
  EXPECT_NE(primary_other_than(a, a_primary), a_primary);
  EXPECT_NE(primary_other_than(b, b_primary), b_primary);
  for (auto& probe : probes) {
    auto outcome = probe->finish(60s);
    ASSERT_TRUE(outcome.report) << outcome.describe();
    std::cout << "write_probe: " << outcome.report->dump().substr(0, 400) << "\n";
    EXPECT_EQ(outcome.report->at("lost"), 0);
    EXPECT_EQ(outcome.report->at("split_brain"), false);
    EXPECT_EQ(outcome.report->at("checksums_equal"), true);
    EXPECT_GT(outcome.report->at("acked").get<int>(), 0);
  }
}

}  // namespace
}  // namespace pivot::test
