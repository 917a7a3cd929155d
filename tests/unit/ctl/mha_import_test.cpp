// pivotctl import-mha's conversion (ctl/src/mha_import.cpp) on MHA
// application configs written from mha4mysql-manager's documented format
// (its wiki's Parameters and Tutorial pages; MHA::Config's parameter list).
// Every spec it prints is read back by pivotd's own spec parser.
#include "pivot/ctl/mha_import.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fakes.hpp"
#include "pivot/controller/cluster_spec_yaml.hpp"

namespace pivot::ctl {
namespace {

using controller::Role;
namespace fs = std::filesystem;

// An MHA config of tests/fixtures/mha (shared with tests/integration/ctl/import_mha_test.sh).
std::string fixture(const std::string& name) {
  const char* root = std::getenv("PIVOT_SOURCE_DIR");
  std::ifstream in(fs::path(root != nullptr ? root : ".") / "tests/fixtures/mha" / name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(in) << "cannot read tests/fixtures/mha/" << name;
  return text.str();
}

MhaImportOptions options(const std::string& source = "/etc/masterha/app1.cnf") {
  MhaImportOptions o;
  o.source = source;
  return o;
}

MhaImport imported(const std::string& text, const MhaImportOptions& o) {
  auto result = import_mha(text, o);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : MhaImport{};
}

// What pivotd would load from the printed spec (a hook check that accepts all).
controller::ClusterSpec loaded(const MhaImport& import) {
  auto spec = controller::parse_cluster_spec(import.yaml, "app1.yaml", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message) << "\n" << import.yaml;
  return spec.ok() ? *spec : controller::ClusterSpec{};
}

std::string all_warnings(const MhaImport& import) {
  std::string out;
  for (const auto& w : import.warnings) out += w + "\n";
  return out;
}

// The warning that starts with `prefix` (a setting's name), or "".
std::string warning_about(const MhaImport& import, const std::string& prefix) {
  for (const auto& w : import.warnings) {
    if (w.rfind(prefix, 0) == 0) return w;
  }
  ADD_FAILURE() << "no warning starts with '" << prefix << "':\n" << all_warnings(import);
  return "";
}

std::string error_of(const std::string& text, const MhaImportOptions& o) {
  auto result = import_mha(text, o);
  EXPECT_FALSE(result.ok()) << "accepted:\n" << text;
  return result.ok() ? "" : result.error().code + ": " + result.error().message;
}

TEST(MhaImport, TheTutorialConfigBecomesASpecPivotdLoads) {
  const auto import = imported(fixture("tutorial.cnf"), options());
  const auto spec = loaded(import);
  EXPECT_EQ(spec.name, "app1");  // the file's base name
  ASSERT_EQ(spec.nodes.size(), 3u);
  EXPECT_EQ(spec.nodes[0].name, "host1");
  EXPECT_EQ(spec.nodes[0].host, "host1");
  EXPECT_EQ(spec.nodes[0].port, 3306);
  EXPECT_EQ(spec.nodes[0].role, Role::primary);  // the first server, with a warning
  EXPECT_EQ(spec.nodes[1].role, Role::replica);
  EXPECT_EQ(spec.nodes[2].role, Role::replica);
  for (const auto& n : spec.nodes) EXPECT_EQ(n.az, kMhaAzPlaceholder);
  EXPECT_NE(warning_about(import, "no --primary: host1 (host1:3306, [server1])").find("--primary HOST:PORT"),
            std::string::npos);
  EXPECT_NE(warning_about(import, "no AZ given for host1 (host1:3306), host2 (host2:3306), host3 (host3:3306)")
                .find("--az HOST:PORT=AZ"),
            std::string::npos);
  // One AZ for all: the spec's own az_spread can never be met, and it is said now.
  EXPECT_NE(warning_about(import, "the spec's policy.az_spread: 2 can never be met").find("unknown: host1, host2, host3"),
            std::string::npos);
  EXPECT_NE(warning_about(import, "user ([server default])").find("mysql.user: root"), std::string::npos);
  EXPECT_NE(warning_about(import, "password ([server default])").find("not copied"), std::string::npos);
  const auto ssh = warning_about(import, "ssh_user ([server default]), remote_workdir ([server default])");
  EXPECT_NE(ssh.find("pivot uses no ssh"), std::string::npos) << ssh;
  EXPECT_NE(warning_about(import, "manager_workdir ([server default])").find("pivotd.yaml"), std::string::npos);
  // MHA fails over by itself; the spec does not until told to.
  EXPECT_NE(warning_about(import, "automatic failover:").find("policy.auto_failover false"), std::string::npos);
  EXPECT_FALSE(loaded(import).policy.auto_failover);
  EXPECT_EQ(all_warnings(import).find("tutorial-Secret1"), std::string::npos);
  EXPECT_EQ(import.yaml.find("tutorial-Secret1"), std::string::npos);
}

TEST(MhaImport, RolesPrioritiesAndAzsFromTheOptions) {
  auto o = options();
  o.name = "orders-7";
  o.primary = "db2.example.com:3306";
  o.azs = {"db1.example.com:3306=eu-1a", "db2.example.com=eu-1b", "db3.example.com:3306=eu-1c", "db4.example.com=eu-1c"};
  const auto import = imported(fixture("production.cnf"), o);
  const auto spec = loaded(import);
  EXPECT_EQ(spec.name, "orders-7");
  ASSERT_EQ(spec.nodes.size(), 4u);
  EXPECT_EQ(spec.nodes[0].name, "db1");
  EXPECT_EQ(spec.nodes[0].host, "db1.example.com");
  EXPECT_EQ(spec.nodes[0].role, Role::replica);
  EXPECT_EQ(spec.nodes[1].role, Role::primary);
  EXPECT_EQ(spec.nodes[2].role, Role::replica);
  // candidate_master=1: preferred, and MHA's order kept (it elects the first listed).
  EXPECT_GT(spec.nodes[0].priority, spec.nodes[2].priority);
  EXPECT_GT(spec.nodes[2].priority, 0);
  EXPECT_EQ(spec.nodes[3].role, Role::backup);  // no_master=1: never promoted
  EXPECT_EQ(spec.nodes[3].priority, 0);
  EXPECT_EQ(spec.nodes[0].az, "eu-1a");
  EXPECT_EQ(spec.nodes[1].az, "eu-1b");
  EXPECT_EQ(spec.nodes[2].az, "eu-1c");
  EXPECT_EQ(spec.nodes[3].az, "eu-1c");
  const auto text = all_warnings(import);
  EXPECT_EQ(text.find("no --primary"), std::string::npos);
  EXPECT_EQ(text.find("no AZ given"), std::string::npos);
  // Three promotable nodes in three AZs: the default policy can be met.
  EXPECT_EQ(text.find("can never be met"), std::string::npos) << text;
}

TEST(MhaImport, EverySettingWithoutACounterpartIsWarnedWithWhatToDo) {
  auto o = options();
  o.primary = "db1.example.com:3306";
  const auto import = imported(fixture("production.cnf"), o);
  EXPECT_NE(warning_about(import, "master_ip_failover_script ([server default])").find("hooks.post_promote"),
            std::string::npos);
  EXPECT_NE(warning_about(import, "master_ip_online_change_script ([server default])").find("hooks.pre_pivot"),
            std::string::npos);
  EXPECT_NE(warning_about(import, "shutdown_script ([server default])").find("hooks.pre_failover"), std::string::npos);
  EXPECT_NE(warning_about(import, "report_script ([server default])").find("hooks.post_pivot"), std::string::npos);
  EXPECT_NE(warning_about(import, "secondary_check_script ([server default])").find("replicas have lost it"),
            std::string::npos);
  EXPECT_NE(warning_about(import, "master_binlog_dir ([server default])").find("durability: semi_sync"),
            std::string::npos);
  EXPECT_NE(warning_about(import, "ping_interval ([server default])").find("4 x 3 s"), std::string::npos);
  EXPECT_NE(warning_about(import, "check_repl_delay=0 ([server default])").find("max_lag_seconds"), std::string::npos);
  EXPECT_NE(warning_about(import, "[server4] ignore_fail=1").find("agents_fresh"), std::string::npos);
  EXPECT_NE(warning_about(import, "repl_user ([server default])").find("replication.user: repl"), std::string::npos);
  EXPECT_NE(warning_about(import, "repl_password ([server default])").find("replication.password_file"),
            std::string::npos);
  // Never a password, in the spec or a warning, quoted or not.
  for (const char* secret : {"prod-Secret2", "repl-Secret3"}) {
    EXPECT_EQ(import.yaml.find(secret), std::string::npos) << import.yaml;
    EXPECT_EQ(all_warnings(import).find(secret), std::string::npos) << all_warnings(import);
  }
  loaded(import);
}

TEST(MhaImport, ServersComeInMhasOrderAndNamesFallBackWhenTaken) {
  // server10 after server2 (by number, as MHA orders them); an IP has no name
  // of its own, so its block's name; node_label wins over the hostname;
  // a second "db" falls back to its block's name.
  const std::string text = R"([server default]
port=3307
[server10]
hostname=db.a.example.com
[server2]
hostname=10.0.0.2
port=3306
[server1]
hostname="db.b.example.com"
node_label=Orders_Primary
)";
  auto o = options("shard.cnf");
  o.primary = "10.0.0.2:3306";
  o.azs = {"10.0.0.2=z"};
  const auto spec = loaded(imported(text, o));
  ASSERT_EQ(spec.nodes.size(), 3u);
  EXPECT_EQ(spec.nodes[0].name, "orders_primary");
  EXPECT_EQ(spec.nodes[0].host, "db.b.example.com");  // quotes dropped, as MHA does
  EXPECT_EQ(spec.nodes[0].port, 3307);                 // [server default]'s port
  EXPECT_EQ(spec.nodes[1].name, "server2");
  EXPECT_EQ(spec.nodes[1].host, "10.0.0.2");
  EXPECT_EQ(spec.nodes[1].role, Role::primary);
  EXPECT_EQ(spec.nodes[1].az, "z");
  EXPECT_EQ(spec.nodes[2].name, "db");
  EXPECT_EQ(spec.name, "shard");
}

TEST(MhaImport, TheNameComesFromTheFileOrNameAndMustBeOne) {
  EXPECT_EQ(loaded(imported(fixture("tutorial.cnf"), options("/etc/masterha/My App.cnf"))).name, "my-app");
  auto o = options();
  o.name = "Bad Name";
  EXPECT_NE(error_of(fixture("tutorial.cnf"), o).find("usage: --name"), std::string::npos);
  EXPECT_NE(error_of(fixture("tutorial.cnf"), options("/etc/..cnf")).find("give --name"), std::string::npos);
}

TEST(MhaImport, OptionsThatNameNoServerOrSeveralAreRefused) {
  auto o = options();
  o.primary = "host9:3306";
  EXPECT_NE(error_of(fixture("tutorial.cnf"), o).find("--primary host9:3306: no server of the config is there (servers: host1:3306"),
            std::string::npos);
  o = options();
  o.azs = {"host1:3306"};
  EXPECT_NE(error_of(fixture("tutorial.cnf"), o).find("expected HOST:PORT=AZ"), std::string::npos);
  o.azs = {"host1=a", "host1:3306=b"};
  EXPECT_NE(error_of(fixture("tutorial.cnf"), o).find("has an AZ already"), std::string::npos);
  const std::string two_on_one_host = "[server1]\nhostname=h\nport=3306\n[server2]\nhostname=h\nport=3307\n";
  o = options();
  o.primary = "h";
  EXPECT_NE(error_of(two_on_one_host, o).find("several servers are on h: give HOST:PORT"), std::string::npos);
  o.primary = "h:3307";
  const auto two = imported(two_on_one_host, o);
  EXPECT_EQ(loaded(two).nodes[1].role, Role::primary);
  // Two promotable nodes: min_replicas' default of 2 is out of reach, and said.
  EXPECT_NE(warning_about(two, "the spec's policy.min_replicas: 2 can never be met").find("h (replica, az unknown)"),
            std::string::npos);
}

TEST(MhaImport, FilesMhaRefusesAreRefusedWithTheirLine) {
  const auto o = options("app1.cnf");
  EXPECT_NE(error_of("[server1]\nhostname host1\n", o).find("app1.cnf:2: not a [block] nor key=value"), std::string::npos);
  EXPECT_NE(error_of("[mysql1]\nhostname=h\n", o).find("app1.cnf:1: block [mysql1]"), std::string::npos);
  EXPECT_NE(error_of("user=root\n[server1]\nhostname=h\n", o).find("app1.cnf:1: user: outside any block"),
            std::string::npos);
  EXPECT_NE(error_of("[server default]\nuser=root\n", o).find("no [server...] block"), std::string::npos);
  EXPECT_NE(error_of("[server1]\nport=3306\n", o).find("app1.cnf:1: [server1]: no hostname"), std::string::npos);
  EXPECT_NE(error_of("[server1]\nhostname=h\nport=70000\n", o).find("app1.cnf:3: [server1] port: '70000'"),
            std::string::npos);
  EXPECT_NE(error_of("[server1]\nhostname=h\n[server2]\nhostname=h\n", o).find("h:3306 is another server's address"),
            std::string::npos);
}

TEST(MhaImport, SettingsMhaIgnoresOrDoesNotKnowAreWarned) {
  const std::string text = R"([server default]
candidate_master=1
ping_intervall=5
[server1]
hostname=h1
[server2]
hostname=h2
candidate_master=1
no_master=1
)";
  const auto import = imported(text, options());
  EXPECT_NE(warning_about(import, "[server default] candidate_master").find("does nothing there"), std::string::npos);
  EXPECT_NE(warning_about(import, "[server default] ping_intervall (line 3)").find("not an MHA parameter"),
            std::string::npos);
  EXPECT_NE(warning_about(import, "[server2] has candidate_master=1 and no_master=1").find("h2 is a backup"),
            std::string::npos);
  const auto spec = loaded(import);
  EXPECT_EQ(spec.nodes[0].priority, 0);  // [server default]'s candidate_master did nothing
  EXPECT_EQ(spec.nodes[1].role, Role::backup);
  // A lone promotable node: no pivot can ever have a candidate.
  EXPECT_NE(warning_about(import, "the spec's nodes: only h1").find("no pivot or failover"), std::string::npos);
}

TEST(MhaImport, HostsAndAzsThatYamlWouldMisreadAreQuoted) {
  auto o = options();
  o.primary = "[fd00::1]:3306";
  o.azs = {"[fd00::1]:3306=1", "h2=yes"};
  const auto import = imported("[server1]\nhostname=fd00::1\n[server2]\nhostname=h2\n", o);
  EXPECT_NE(import.yaml.find("host: \"fd00::1\""), std::string::npos) << import.yaml;
  const auto spec = loaded(import);
  EXPECT_EQ(spec.nodes[0].host, "fd00::1");
  EXPECT_EQ(spec.nodes[0].az, "1");
  EXPECT_EQ(spec.nodes[1].az, "yes");
  EXPECT_EQ(spec.nodes[0].name, "server1");
}

// The command as an operator types it: no pivotd reached (a URL pivotctl
// would refuse does not matter), --az before the file, the spec on stdout.
TEST(MhaImportCommand, PrintsTheSpecWithoutPivotdAndExitsTwoOnABadFile) {
  const char* root = std::getenv("PIVOT_SOURCE_DIR");
  const auto file = (fs::path(root != nullptr ? root : ".") / "tests/fixtures/mha/tutorial.cnf").string();
  testing::Harness h;
  EXPECT_EQ(h.run({"import-mha", "--az", "host1=a", "--az", "host2:3306=b", file, "--primary", "host2:3306",
                   "--controller", "https://unused.example"}),
            0)
      << h.err.str();
  EXPECT_EQ(h.connected_to, "");  // no transport was made
  EXPECT_NE(h.out.str().find("name: tutorial\n"), std::string::npos) << h.out.str();
  EXPECT_NE(h.out.str().find("{name: host2, host: host2, port: 3306, az: b, role: primary}"), std::string::npos)
      << h.out.str();
  EXPECT_NE(h.err.str().find("warning: no AZ given for host3 (host3:3306)"), std::string::npos) << h.err.str();
  EXPECT_EQ(h.out.str().find("warning"), std::string::npos);

  testing::Harness missing;
  EXPECT_EQ(missing.run({"import-mha", "/nonexistent/app1.cnf"}), 2);
  EXPECT_NE(missing.err.str().find("/nonexistent/app1.cnf: cannot be read"), std::string::npos) << missing.err.str();
  testing::Harness unknown;
  EXPECT_EQ(unknown.run({"import-mha", file, "--primary", "host9"}), 2);
  EXPECT_EQ(unknown.out.str(), "");
  EXPECT_NE(unknown.err.str().find("pivotctl: import-mha: --primary host9: no server"), std::string::npos)
      << unknown.err.str();
}

}  // namespace
}  // namespace pivot::ctl
