// PosixHookRunner against small shell scripts in a temp dir: exit codes,
// environment, output, the timeout (SIGTERM, then SIGKILL, to the whole
// process group) and paths that cannot run. Time bounds are generous: they
// tell "killed at the timeout" from "waited for the script", nothing finer.
#include "pivot/controller/posix_hook_runner.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sstream>
#include <thread>

namespace pivot::controller {
namespace {

using ::testing::HasSubstr;

class PosixHookRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pivot-hooks-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string script(const std::string& name, const std::string& body, bool executable = true) {
    const auto path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), executable ? 0700 : 0600);
    return path.string();
  }
  std::string read(const std::string& name) {
    std::ifstream in(dir_ / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // A process that is gone or a zombie no longer runs.
  static bool running(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    return stat >> pid_field >> comm >> state && state != "Z";
  }

  std::filesystem::path dir_;
  PosixHookRunner runner;
  const std::map<std::string, std::string> env{{"PIVOT_CLUSTER", "sms-1"}, {"PIVOT_JOB", "j7"}};
};

TEST_F(PosixHookRunnerTest, ExitZeroIsOkWithItsOutput) {
  auto o = runner.run(script("ok", "echo switched"), env, 5000);
  EXPECT_TRUE(o.ok());
  EXPECT_TRUE(o.started);
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_FALSE(o.timed_out);
  EXPECT_EQ(o.output, "switched\n");
  EXPECT_EQ(o.error, "");
  EXPECT_LT(o.duration_ms, 5000u);
}

TEST_F(PosixHookRunnerTest, AHookInheritsNoDescriptorButItsThree) {
  // As Asio's sockets are: open without close-on-exec. A hook holding
  // pivotd's API socket kept a restarted pivotd from binding it.
  const int inheritable = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(inheritable, 3);
  auto o = runner.run(script("fds", "ls /proc/self/fd | sort -n | tr '\\n' ' '"), env, 5000);
  ::close(inheritable);
  ASSERT_TRUE(o.ok()) << o.output;
  // 0, 1, 2, and the descriptor ls opens to read the directory.
  EXPECT_EQ(o.output, "0 1 2 3 ") << "pivotd's descriptors leaked into the hook";
}

TEST_F(PosixHookRunnerTest, ANonZeroExitIsReported) {
  auto o = runner.run(script("three", "echo 'proxy refused' >&2; exit 3"), env, 5000);
  EXPECT_FALSE(o.ok());
  EXPECT_TRUE(o.started);
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_EQ(o.output, "proxy refused\n");
}

TEST_F(PosixHookRunnerTest, TheHookSeesItsVariablesOnTopOfTheParentEnvironment) {
  ::setenv("PIVOT_TEST_INHERITED", "from pivotd", 1);
  ::setenv("PIVOT_JOB", "the parent's", 1);
  auto o = runner.run(script("env", "echo \"$PIVOT_CLUSTER|$PIVOT_JOB|$PIVOT_TEST_INHERITED\""), env, 5000);
  ::unsetenv("PIVOT_TEST_INHERITED");
  ::unsetenv("PIVOT_JOB");
  EXPECT_TRUE(o.ok()) << o.error;
  EXPECT_EQ(o.output, "sms-1|j7|from pivotd\n");
}

TEST_F(PosixHookRunnerTest, StdoutAndStderrShareOneOutputCutAt64KiB) {
  auto o = runner.run(script("both", "echo out; echo err >&2; echo out2"), env, 5000);
  EXPECT_EQ(o.output, "out\nerr\nout2\n");

  o = runner.run(script("chatty", "head -c 300000 /dev/zero | tr '\\0' x; echo tail >&2"), env, 5000);
  EXPECT_TRUE(o.ok()) << "a hook writing more than the cap must not block";
  EXPECT_EQ(o.output.size(), PosixHookRunner::kMaxOutputBytes);
  EXPECT_EQ(o.output.find_first_not_of('x'), std::string::npos);
  EXPECT_TRUE(o.output_truncated);
  EXPECT_FALSE(runner.run(script("short", "echo short"), env, 5000).output_truncated);
}

TEST_F(PosixHookRunnerTest, TheOutputIsValidUtf8CutOnACharacterBoundary) {
  // 64 KiB - 1 bytes, then "é" (2 bytes) straddling the cap, then more: the
  // cut must not leave its first byte alone (a JSON dump would throw on it).
  auto o = runner.run(script("straddle", "head -c 65535 /dev/zero | tr '\\0' x; printf '\\303\\251 and more'"),
                      env, 5000);
  ASSERT_TRUE(o.ok()) << o.error;
  EXPECT_EQ(o.output, std::string(PosixHookRunner::kMaxOutputBytes - 1, 'x'));
  EXPECT_TRUE(o.output_truncated);

  // Exactly at the cap, the character fits whole.
  o = runner.run(script("fits", "head -c 65534 /dev/zero | tr '\\0' x; printf '\\303\\251'"), env, 5000);
  EXPECT_EQ(o.output, std::string(PosixHookRunner::kMaxOutputBytes - 2, 'x') + "\xC3\xA9");
  EXPECT_FALSE(o.output_truncated);

  // Bytes that are not UTF-8 (latin1 "café") become U+FFFD.
  o = runner.run(script("latin1", "printf 'caf\\351\\n'"), env, 5000);
  EXPECT_EQ(o.output, "caf\xEF\xBF\xBD\n");
}

TEST_F(PosixHookRunnerTest, ASleepingHookIsKilledAtTheTimeout) {
  auto o = runner.run(script("sleeper", "echo before; sleep 30"), env, 300);
  EXPECT_FALSE(o.ok());
  EXPECT_TRUE(o.started);
  EXPECT_TRUE(o.timed_out);
  EXPECT_EQ(o.exit_code, -1);
  EXPECT_EQ(o.output, "before\n");
  EXPECT_GE(o.duration_ms, 300u);
  EXPECT_LT(o.duration_ms, 5000u);
}

TEST_F(PosixHookRunnerTest, AHookIgnoringSigtermGetsSigkillAfterTheGraceAndItsChildrenDieWithIt) {
  const auto pid_file = (dir_ / "child.pid").string();
  auto o = runner.run(script("stubborn", "trap '' TERM; sleep 30 & echo $! > " + pid_file + "; wait; wait"), env, 300);
  EXPECT_TRUE(o.timed_out);
  EXPECT_EQ(o.exit_code, -1);
  EXPECT_GE(o.duration_ms, 300u + PosixHookRunner::kKillGraceMs);
  EXPECT_LT(o.duration_ms, 8000u);
  const pid_t child = std::stoi(read("child.pid"));
  // SIGKILL went to the group with the hook's; it may take a moment to land.
  for (int i = 0; i < 200 && running(child); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(running(child)) << "the hook's child outlived it";
  if (running(child)) ::kill(child, SIGKILL);
}

TEST_F(PosixHookRunnerTest, AChildHoldingTheOutputOpenDoesNotDelayTheAnswer) {
  const auto pid_file = (dir_ / "bg.pid").string();
  auto o = runner.run(script("leaves", "sleep 30 & echo $! > " + pid_file + "; echo done"), env, 20000);
  const pid_t child = std::stoi(read("bg.pid"));
  ::kill(child, SIGKILL);
  EXPECT_TRUE(o.ok());
  EXPECT_EQ(o.output, "done\n");
  EXPECT_LT(o.duration_ms, 5000u);
}

TEST_F(PosixHookRunnerTest, APathThatCannotRunIsNotStartedAndSaysWhy) {
  auto o = runner.run(script("plain", "exit 0", false), env, 5000);
  EXPECT_FALSE(o.started);
  EXPECT_FALSE(o.ok());
  EXPECT_EQ(o.exit_code, -1);
  EXPECT_THAT(o.error, HasSubstr("is not executable"));
  EXPECT_THAT(o.error, HasSubstr("plain"));

  o = runner.run((dir_ / "absent").string(), env, 5000);
  EXPECT_FALSE(o.started);
  EXPECT_THAT(o.error, HasSubstr("No such file"));

  o = runner.run(dir_.string(), env, 5000);
  EXPECT_FALSE(o.started);
  EXPECT_THAT(o.error, HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace pivot::controller
