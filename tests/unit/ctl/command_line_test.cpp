// pivotctl's command line: global options on either side of the command,
// usage errors as exit 2 (never CLI11's 100-127), the token's two sources.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "fakes.hpp"
#include "pivot/ctl/invocation.hpp"

namespace pivot::ctl {
namespace {

using testing::Harness;

struct Parsed {
  ParsedCommandLine result;
  std::string out;
  std::string err;
};

Parsed parse(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
  std::ostringstream out, err;
  auto lookup = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  auto result = parse_command_line(args, lookup, out, err);
  return {std::move(result), out.str(), err.str()};
}

// A token file in the test's own temporary directory.
class TokenFile {
 public:
  explicit TokenFile(const std::string& content) {
    path_ = std::filesystem::temp_directory_path() / ("pivotctl-token-" + std::to_string(::getpid()));
    std::ofstream(path_) << content;
  }
  ~TokenFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(CommandLine, GlobalOptionsBeforeOrAfterTheCommand) {
  for (const auto& args : {std::vector<std::string>{"--controller", "http://mha:7780", "--json", "status", "sms-1"},
                           std::vector<std::string>{"status", "sms-1", "--json", "--controller", "http://mha:7780"}}) {
    auto p = parse(args);
    ASSERT_TRUE(p.result.invocation) << args[0] << ": " << p.err;
    EXPECT_EQ(p.result.invocation->command, Command::status) << args[0];
    EXPECT_EQ(p.result.invocation->cluster, "sms-1") << args[0];
    EXPECT_EQ(p.result.invocation->controller, "http://mha:7780") << args[0];
    EXPECT_TRUE(p.result.invocation->json) << args[0];
  }
}

TEST(CommandLine, GlobalOptionsBetweenCommandOptions) {
  auto p = parse({"pivot", "--json", "sms-1", "--candidate", "db3", "--controller", "http://mha:1", "--yes"});
  ASSERT_TRUE(p.result.invocation) << p.err;
  const auto& inv = *p.result.invocation;
  EXPECT_EQ(inv.command, Command::pivot);
  EXPECT_EQ(inv.cluster, "sms-1");
  EXPECT_EQ(inv.candidate, "db3");
  EXPECT_TRUE(inv.yes);
  EXPECT_FALSE(inv.dry_run);
  EXPECT_TRUE(inv.json);
  EXPECT_EQ(inv.controller, "http://mha:1");
}

TEST(CommandLine, EachCommandIsRecognised) {
  const std::vector<std::pair<std::vector<std::string>, Command>> cases = {
      {{"clusters"}, Command::clusters},
      {{"status", "c"}, Command::status},
      {{"pivot-status", "c", "--candidate", "db2"}, Command::pivot_status},
      {{"pivot", "c", "--dry-run"}, Command::pivot},
      {{"failover", "c"}, Command::failover},
      {{"jobs", "--cluster", "c", "--limit", "5"}, Command::jobs},
      {{"job", "j-1", "--follow"}, Command::job},
      {{"cancel", "pv-3-1"}, Command::cancel},
      {{"agents"}, Command::agents},
      {{"tui"}, Command::tui},
  };
  for (const auto& [args, command] : cases) {
    auto p = parse(args);
    ASSERT_TRUE(p.result.invocation) << args[0] << ": " << p.err;
    EXPECT_EQ(p.result.invocation->command, command) << args[0];
  }
  auto jobs = parse({"jobs", "--cluster", "c", "--limit", "5"});
  EXPECT_EQ(jobs.result.invocation->cluster, "c");
  EXPECT_EQ(jobs.result.invocation->limit, 5u);
  auto job = parse({"job", "j-1", "-f"});
  EXPECT_EQ(job.result.invocation->job_id, "j-1");
  EXPECT_TRUE(job.result.invocation->follow);
}

TEST(CommandLine, UsageErrorsExitTwoNotCli11Codes) {
  const std::vector<std::vector<std::string>> bad = {
      {"status"},                            // missing cluster
      {"pivot"},                             // missing cluster
      {"pivot-status"},                      // missing cluster
      {"failover"},                          // missing cluster
      {"job"},                               // missing id
      {"cancel"},                            // missing id
      {"status", "sms-1", "--bogus"},        // unknown option
      {"--bogus", "clusters"},               // unknown global option
      {},                                    // no command
      {"frobnicate"},                        // unknown command
      {"status", "sms-1", "extra"},          // extra positional
      {"jobs", "--limit", "0"},              // out of range
      {"clusters", "--candidate", "db2"},    // another command's option
  };
  for (const auto& args : bad) {
    auto p = parse(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_FALSE(p.result.invocation) << joined;
    EXPECT_EQ(p.result.exit, ExitCode::usage) << joined;
    EXPECT_FALSE(p.err.empty()) << joined << ": the problem is said";
  }
}

TEST(CommandLine, PolicyCommandsTakeTheirOptions) {
  auto ack = parse({"acknowledge", "sms-1", "--comment", "db1's disk replaced", "--rebuilt", "db1", "--rebuilt", "db3"});
  ASSERT_TRUE(ack.result.invocation) << ack.err;
  EXPECT_EQ(ack.result.invocation->command, Command::acknowledge);
  EXPECT_EQ(ack.result.invocation->cluster, "sms-1");
  EXPECT_EQ(ack.result.invocation->comment, "db1's disk replaced");
  EXPECT_EQ(ack.result.invocation->rebuilt, (std::vector<std::string>{"db1", "db3"}));

  for (const std::string until : {"2h", "1h30m", "2026-11-24T22:00:00Z", "2026-11-24T23:00:00+01:00"}) {
    auto set = parse({"maintenance", "sms-1", "--until", until, "--reason", "kernel upgrade"});
    ASSERT_TRUE(set.result.invocation) << until << ": " << set.err;
    EXPECT_EQ(set.result.invocation->command, Command::maintenance);
    EXPECT_EQ(set.result.invocation->until, until);
    EXPECT_EQ(set.result.invocation->reason, "kernel upgrade");
    EXPECT_FALSE(set.result.invocation->end);
  }
  auto end = parse({"maintenance", "sms-1", "--end"});
  ASSERT_TRUE(end.result.invocation) << end.err;
  EXPECT_TRUE(end.result.invocation->end);

  auto reopen = parse({"reopen", "sms-1", "-y"});
  ASSERT_TRUE(reopen.result.invocation) << reopen.err;
  EXPECT_EQ(reopen.result.invocation->command, Command::reopen);
  EXPECT_TRUE(reopen.result.invocation->yes);
}

TEST(CommandLine, PolicyUsageErrorsExitTwoAndSayWhy) {
  struct Case {
    std::vector<std::string> args;
    std::string in_err;
  };
  for (const auto& c : std::vector<Case>{
           {{"acknowledge", "sms-1"}, "--comment"},
           {{"acknowledge"}, "cluster"},
           {{"maintenance", "sms-1"}, "--until T and --reason R"},
           {{"maintenance", "sms-1", "--until", "2h"}, "--reason"},
           {{"maintenance", "sms-1", "--until", "2h", "--reason", "  "}, "--reason"},
           {{"maintenance", "sms-1", "--reason", "x"}, "--until"},
           {{"maintenance", "sms-1", "--until", "tomorrow", "--reason", "x"}, "neither an RFC 3339 time"},
           {{"maintenance", "sms-1", "--until", "2026-11-24T22:00:00", "--reason", "x"}, "with its offset"},
           {{"maintenance", "sms-1", "--until", "0h", "--reason", "x"}, "duration"},
           {{"maintenance", "sms-1", "--end", "--until", "2h"}, "excludes"},
           {{"maintenance", "sms-1", "--end", "--reason", "x"}, "excludes"},
           {{"reopen"}, "cluster"},
       }) {
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    auto p = parse(c.args);
    EXPECT_FALSE(p.result.invocation) << joined;
    EXPECT_EQ(p.result.exit, ExitCode::usage) << joined;
    EXPECT_NE(p.err.find(c.in_err), std::string::npos) << joined << ": " << p.err;
  }
}

TEST(CommandLine, MaintenanceHelpSaysWhatUntilTakes) {
  auto help = parse({"maintenance", "--help"});
  EXPECT_EQ(help.result.exit, ExitCode::ok);
  EXPECT_NE(help.out.find("RFC 3339"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("duration from now"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("--end"), std::string::npos) << help.out;
}

TEST(CommandLine, MissingClusterSaysSo) {
  auto p = parse({"status"});
  EXPECT_NE(p.err.find("cluster"), std::string::npos) << p.err;
}

TEST(CommandLine, HelpAndVersionExitZero) {
  auto help = parse({"--help"});
  EXPECT_EQ(help.result.exit, ExitCode::ok);
  EXPECT_FALSE(help.result.invocation);
  EXPECT_NE(help.out.find("pivot-status"), std::string::npos) << help.out;
  auto command_help = parse({"pivot", "--help"});
  EXPECT_EQ(command_help.result.exit, ExitCode::ok);
  EXPECT_NE(command_help.out.find("--dry-run"), std::string::npos) << command_help.out;
  auto version = parse({"--version"});
  EXPECT_EQ(version.result.exit, ExitCode::ok);
  EXPECT_NE(version.out.find("pivotctl "), std::string::npos) << version.out;
}

TEST(CommandLine, ControllerDefaultsThenEnvironmentThenFlag) {
  EXPECT_EQ(parse({"clusters"}).result.invocation->controller, "http://127.0.0.1:7780");
  EXPECT_EQ(parse({"clusters"}, {{"PIVOT_CONTROLLER", "http://env:1"}}).result.invocation->controller,
            "http://env:1");
  EXPECT_EQ(parse({"clusters", "--controller", "http://flag:2"}, {{"PIVOT_CONTROLLER", "http://env:1"}})
                .result.invocation->controller,
            "http://flag:2");
}

TEST(CommandLine, TokenFromFileWinsOverEnvironment) {
  TokenFile file("  s3cret-token \nsecond line ignored\n");
  auto p = parse({"clusters", "--token-file", file.path()}, {{"PIVOT_TOKEN", "from-env"}});
  ASSERT_TRUE(p.result.invocation) << p.err;
  EXPECT_EQ(p.result.invocation->token, "s3cret-token");
}

TEST(CommandLine, TokenFromEnvironment) {
  auto p = parse({"clusters"}, {{"PIVOT_TOKEN", "from-env"}});
  EXPECT_EQ(p.result.invocation->token, "from-env");
  EXPECT_EQ(parse({"clusters"}).result.invocation->token, "");
}

TEST(CommandLine, UnreadableOrEmptyTokenFileIsUsage) {
  auto missing = parse({"clusters", "--token-file", "/nonexistent/pivot-token"});
  EXPECT_EQ(missing.result.exit, ExitCode::usage);
  EXPECT_NE(missing.err.find("/nonexistent/pivot-token"), std::string::npos) << missing.err;
  TokenFile empty("\n");
  auto blank = parse({"clusters", "--token-file", empty.path()});
  EXPECT_EQ(blank.result.exit, ExitCode::usage);
}

TEST(CommandLine, TheTokenReachesPivotdAsTheBearer) {
  Harness h;
  h.env["PIVOT_TOKEN"] = "tok-1";
  h.transport.on(Method::get, "/v1/clusters", testing::reply(200, nlohmann::json::array()));
  EXPECT_EQ(h.run({"clusters"}), 0) << h.err.str();
  ASSERT_EQ(h.transport.calls.size(), 1u);
  EXPECT_EQ(h.transport.calls[0].token, "tok-1");
}

TEST(CommandLine, ControllerFlagChoosesWhereToConnect) {
  Harness h;
  h.transport.on(Method::get, "/v1/clusters", testing::reply(200, nlohmann::json::array()));
  EXPECT_EQ(h.run({"clusters", "--controller", "http://10.0.0.5:9000"}), 0);
  EXPECT_EQ(h.connected_to, "http://10.0.0.5:9000");
}

TEST(CommandLine, BadControllerUrlIsUsage) {
  Harness h;
  EXPECT_EQ(h.run({"clusters", "--controller", "https://mha:7780"}), 2);
  EXPECT_NE(h.err.str().find("https"), std::string::npos) << h.err.str();
  EXPECT_TRUE(h.transport.calls.empty());
}

TEST(CommandLine, TuiNeedsATerminal) {
  Harness h;
  EXPECT_EQ(h.run({"tui"}), 2);
  EXPECT_NE(h.err.str().find("tui needs a terminal"), std::string::npos) << h.err.str();
  EXPECT_TRUE(h.transport.calls.empty());
}

}  // namespace
}  // namespace pivot::ctl
