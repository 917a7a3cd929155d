// pivotd.yaml and the clusters dir: every problem is named with its file and
// line or key, a bad spec is refused while the others load.
#include "pivot/controller/pivotd_config.hpp"
#include "pivot/controller/spec_directory.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace pivot::controller {
namespace {
namespace fs = std::filesystem;

TEST(PivotdConfig, TheDocumentedFileParses) {
  auto c = parse_pivotd_yaml(R"(clusters_dir: /etc/pivot/clusters.d
state_dir: /var/lib/pivot
http: 127.0.0.1:7780
events_bind: tcp://*:7701
commands_bind: tcp://*:7702
key: /etc/pivot/keys/controller.key
agent_keys: /etc/pivot/agents.d
tokens_file: /etc/pivot/tokens
journal_retention_days: 30
)",
                             "pivotd.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->key, "/etc/pivot/keys/controller.key");
  EXPECT_EQ(c->journal_retention_days, 30);
  EXPECT_TRUE(validate_pivotd_config(*c).empty());
}

TEST(PivotdConfig, UnknownKeysAndBadTypesAreNamedWithTheirLine) {
  auto c = parse_pivotd_yaml("state_dir: /x\nhttp_port: 80\ninsecure: maybe\n", "pivotd.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("pivotd.yaml:2"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("http_port"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("pivotd.yaml:3"), std::string::npos) << c.error().message;
}

TEST(PivotdConfig, JournalRetentionIsNinetyDaysUnlessSetToAtLeastOne) {
  auto c = parse_pivotd_yaml("state_dir: /x\n", "pivotd.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->journal_retention_days, 90);
  auto zero = parse_pivotd_yaml("journal_retention_days: 0\n", "pivotd.yaml");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("journal_retention_days"), std::string::npos) << zero.error().message;
}

TEST(PivotdConfig, StopTimeoutIsSixtySecondsBelowTheUnitsNinety) {
  auto c = parse_pivotd_yaml("state_dir: /x\n", "pivotd.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->stop_timeout_s, 60);
  auto set = parse_pivotd_yaml("stop_timeout_s: 5\n", "pivotd.yaml");
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->stop_timeout_s, 5);
  auto zero = parse_pivotd_yaml("stop_timeout_s: 0\n", "pivotd.yaml");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("stop_timeout_s"), std::string::npos) << zero.error().message;
}

TEST(PivotdConfig, TheEventStreamKeysHaveDefaultsAndBounds) {
  auto c = parse_pivotd_yaml("state_dir: /x\n", "pivotd.yaml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->event_keepalive_ms, 15000);
  EXPECT_EQ(c->event_client_buffer_kib, 1024);
  EXPECT_EQ(c->event_history_kib, 8192);
  auto set = parse_pivotd_yaml("event_keepalive_ms: 300\nevent_client_buffer_kib: 64\nevent_history_kib: 128\n",
                               "pivotd.yaml");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->event_keepalive_ms, 300);
  EXPECT_EQ(set->event_client_buffer_kib, 64);
  EXPECT_EQ(set->event_history_kib, 128);
  for (const char* bad : {"event_keepalive_ms: 99\n", "event_client_buffer_kib: 15\n", "event_history_kib: 0\n"}) {
    auto refused = parse_pivotd_yaml(bad, "pivotd.yaml");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message.find(std::string(bad).substr(0, std::string(bad).find(':'))), std::string::npos)
        << refused.error().message;
  }
}

TEST(PivotdConfig, FlagsOverrideTheFile) {
  PivotdConfig file;
  file.http = "127.0.0.1:1";
  PivotdOverrides o;
  o.http = "127.0.0.1:2";
  o.insecure = true;
  auto c = apply_overrides(file, o);
  EXPECT_EQ(c.http, "127.0.0.1:2");
  EXPECT_TRUE(c.insecure);
}

TEST(PivotdConfig, InsecureIsLoopbackOnly) {
  PivotdConfig c;
  c.insecure = true;  // default binds are tcp://*: refused without CURVE
  auto problems = validate_pivotd_config(c);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("events_bind"), std::string::npos);
  c.events_bind = "tcp://127.0.0.1:7701";
  c.commands_bind = "tcp://127.0.0.1:7702";
  c.http = "0.0.0.0:7780";
  problems = validate_pivotd_config(c);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("http"), std::string::npos);
}

TEST(PivotdConfig, AnyPortBindsAreAccepted) {
  PivotdConfig c;
  c.insecure = true;
  c.events_bind = c.commands_bind = "tcp://127.0.0.1:*";
  EXPECT_TRUE(validate_pivotd_config(c).empty());
  c.events_bind = "tcp://10.0.0.1:*";
  ASSERT_EQ(validate_pivotd_config(c).size(), 1u);
}

TEST(PivotdConfig, SecureNeedsKeysAndTokens) {
  PivotdConfig c;
  c.key = c.agent_keys = c.tokens_file = "";
  auto problems = validate_pivotd_config(c);
  EXPECT_EQ(problems.size(), 3u);
}

TEST(PivotdConfig, HttpAddress) {
  EXPECT_EQ(parse_http_address("127.0.0.1:7780")->port, 7780);
  EXPECT_EQ(parse_http_address("127.0.0.1:0")->port, 0);
  EXPECT_FALSE(parse_http_address("127.0.0.1").ok());
  EXPECT_FALSE(parse_http_address("127.0.0.1:70000").ok());
  EXPECT_FALSE(parse_http_address("127.0.0.1:http").ok());
}

TEST(PivotdConfig, MissingFilesAreNamed) {
  PivotdOverrides o;
  o.clusters_dir = "/nonexistent/clusters.d";
  o.key = "/nonexistent/controller.key";
  auto c = load_pivotd_config(std::nullopt, o);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("clusters_dir: no such directory '/nonexistent/clusters.d'"), std::string::npos)
      << c.error().message;
  EXPECT_NE(c.error().message.find("key: no such file"), std::string::npos) << c.error().message;
}

class SpecDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pivot-specs-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  static std::string spec(const std::string& name, const std::string& extra = "") {
    return "name: " + name + "\n" + extra +
           "nodes:\n"
           "  - {name: db1, host: 127.0.0.1, port: 3306, az: a, role: primary}\n"
           "  - {name: db2, host: 127.0.0.1, port: 3307, az: b, role: replica}\n";
  }
  fs::path dir_;
};

TEST_F(SpecDirectoryTest, ABadSpecIsRefusedAndTheOthersLoad) {
  write("a.yaml", spec("alpha"));
  write("b.yml", spec("beta", "polcy: {}\n"));
  write("c.yaml", spec("gamma"));
  write("notes.txt", "not a spec");
  auto loaded = load_spec_directory(dir_.string());
  EXPECT_EQ(loaded.specs.size(), 2u);
  EXPECT_TRUE(loaded.specs.count("alpha") && loaded.specs.count("gamma"));
  ASSERT_EQ(loaded.refused_files.size(), 1u);
  EXPECT_EQ(loaded.refused_files[0], (dir_ / "b.yml").string());
  ASSERT_FALSE(loaded.problems.empty());
  EXPECT_NE(loaded.problems[0].find("b.yml:2"), std::string::npos) << loaded.problems[0];
}

TEST_F(SpecDirectoryTest, AReloadOfARefusedFileKeepsItsClusterAsLoaded) {
  write("a.yaml", spec("alpha"));
  write("b.yaml", spec("beta"));
  write("c.yaml", spec("gamma"));
  const auto loaded = load_spec_directory(dir_.string());
  ASSERT_EQ(loaded.specs.size(), 3u);
  EXPECT_EQ(loaded.file_of.at("beta"), (dir_ / "b.yaml").string());
  // A typo saved into beta's file, gamma's file removed: beta stays as
  // loaded (a typo is not a decision), gamma goes (a removal is).
  write("b.yaml", spec("beta", "polcy: {}\n"));
  fs::remove(dir_ / "c.yaml");
  auto reloaded = load_spec_directory(dir_.string());
  ASSERT_EQ(reloaded.specs.size(), 1u);
  EXPECT_EQ(keep_loaded_specs_of_refused_files(loaded, reloaded), std::vector<std::string>{"beta"});
  EXPECT_TRUE(reloaded.specs.count("alpha") && reloaded.specs.count("beta"));
  EXPECT_FALSE(reloaded.specs.count("gamma"));
  EXPECT_EQ(reloaded.file_of.at("beta"), (dir_ / "b.yaml").string()) << "kept again at the next reload too";
  // Fixed: the file's new content is what loads.
  write("b.yaml", spec("beta", "policy: {min_replicas: 0}\n"));
  auto fixed = load_spec_directory(dir_.string());
  EXPECT_TRUE(keep_loaded_specs_of_refused_files(reloaded, fixed).empty());
  EXPECT_EQ(fixed.specs.at("beta").policy.min_replicas, 0);
}

TEST_F(SpecDirectoryTest, TheSameClusterTwiceKeepsTheFirstFile) {
  write("a.yaml", spec("alpha"));
  write("b.yaml", spec("alpha"));
  auto loaded = load_spec_directory(dir_.string());
  ASSERT_EQ(loaded.specs.size(), 1u);
  EXPECT_EQ(loaded.specs.at("alpha").source, (dir_ / "a.yaml").string());
  ASSERT_EQ(loaded.problems.size(), 1u);
  EXPECT_NE(loaded.problems[0].find("already defined in"), std::string::npos);
}

TEST_F(SpecDirectoryTest, HooksMustBeExecutable) {
  write("hook.sh", "#!/bin/sh\n");
  fs::permissions(dir_ / "hook.sh", fs::perms::owner_read | fs::perms::owner_write);
  write("a.yaml", spec("alpha", "hooks: {post_promote: " + (dir_ / "hook.sh").string() + "}\n"));
  auto loaded = load_spec_directory(dir_.string());
  EXPECT_TRUE(loaded.specs.empty());
  ASSERT_FALSE(loaded.problems.empty());
  EXPECT_NE(loaded.problems[0].find("not executable"), std::string::npos) << loaded.problems[0];
  EXPECT_EQ(check_hook_executable("relative/hook"), "must be an absolute path");
  EXPECT_EQ(check_hook_executable("/nonexistent/hook"), "no such file");
}

TEST_F(SpecDirectoryTest, AnUnsafeLayoutLoadsWithAWarningNamingItsFile) {
  // Two promotable nodes in two AZs: min_replicas 2 is out of reach, az_spread 2 is not.
  write("a.yaml", spec("alpha", "policy: {min_replicas: 1}\n"));
  write("b.yaml", spec("beta"));
  auto loaded = load_spec_directory(dir_.string());
  EXPECT_EQ(loaded.specs.size(), 2u);
  EXPECT_TRUE(loaded.problems.empty());
  EXPECT_EQ(loaded.warnings.count("alpha"), 0u);
  ASSERT_EQ(loaded.warnings.count("beta"), 1u);
  ASSERT_EQ(loaded.warnings.at("beta").size(), 1u);
  const auto& w = loaded.warnings.at("beta")[0];
  EXPECT_EQ(w.rfind((dir_ / "b.yaml").string() + ": policy.min_replicas: 2 can never be met", 0), 0u) << w;
}

TEST_F(SpecDirectoryTest, AMissingDirIsOneProblem) {
  auto loaded = load_spec_directory((dir_ / "nope").string());
  EXPECT_TRUE(loaded.specs.empty());
  ASSERT_EQ(loaded.problems.size(), 1u);
  EXPECT_NE(loaded.problems[0].find("cannot list"), std::string::npos);
}

}  // namespace
}  // namespace pivot::controller
