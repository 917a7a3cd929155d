// hook_cost HOOK [RUNS]: runs HOOK (an executable that does nothing, e.g.
// /bin/true) RUNS times through PosixHookRunner, as pivotd runs a hook
// (environment, pipe, process group, pidfd, poll, output cut), and RUNS times
// as a bare process start (posix_spawn + waitpid, nothing else), alternately,
// and prints the median, p99 and max of each in microseconds. The difference
// is the runner's own cost. Figures, never a verdict (bench/hook_runner).
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "pivot/controller/posix_hook_runner.hpp"

extern char** environ;

namespace {

using Steady = std::chrono::steady_clock;

double us_since(Steady::time_point from) {
  return std::chrono::duration<double, std::micro>(Steady::now() - from).count();
}

// The floor: a process started and waited for, with nothing around it.
bool bare_start(const std::string& path) {
  std::string arg0 = path;
  char* argv[] = {arg0.data(), nullptr};
  pid_t pid = -1;
  if (posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv, environ) != 0) return false;
  int status = 0;
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void print(const char* what, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  const std::size_t n = us.size();
  const double median = n % 2 ? us[n / 2] : (us[n / 2 - 1] + us[n / 2]) / 2;
  std::size_t rank = (n * 99 + 99) / 100;  // nearest rank
  std::printf("%-34s median %8.0f us, p99 %8.0f us, max %8.0f us (%zu runs)\n", what, median,
              us[std::max<std::size_t>(rank, 1) - 1], us.back(), n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: hook_cost HOOK [RUNS (200)]\n");
    return 2;
  }
  const std::string hook = argv[1];
  const int runs = argc == 3 ? std::atoi(argv[2]) : 200;
  if (runs < 1) {
    std::fprintf(stderr, "hook_cost: RUNS must be a positive number\n");
    return 2;
  }
  // The environment pivotd gives a pivot's hooks (plan::hook_env).
  const std::map<std::string, std::string> env{{"PIVOT_KIND", "pivot"},
                                               {"PIVOT_CLUSTER", "bench"},
                                               {"PIVOT_JOB", "pv-1-1"},
                                               {"PIVOT_OLD_NODE", "db1"},
                                               {"PIVOT_NEW_NODE", "db2"},
                                               {"PIVOT_OLD_PRIMARY", "127.0.0.1:3306"},
                                               {"PIVOT_NEW_PRIMARY", "127.0.0.1:3307"}};
  pivot::controller::PosixHookRunner runner;
  std::vector<double> through_runner, bare;
  for (int i = 0; i < runs; ++i) {
    auto t = Steady::now();
    const auto outcome = runner.run(hook, env, 10000);
    through_runner.push_back(us_since(t));
    if (!outcome.ok()) {
      std::fprintf(stderr, "hook_cost: %s did not succeed through the runner: %s exit %d\n", hook.c_str(),
                   outcome.error.c_str(), outcome.exit_code);
      return 1;
    }
    t = Steady::now();
    if (!bare_start(hook)) {
      std::fprintf(stderr, "hook_cost: %s did not succeed as a bare start\n", hook.c_str());
      return 1;
    }
    bare.push_back(us_since(t));
  }
  std::printf("hook: %s\n", hook.c_str());
  print("PosixHookRunner::run", through_runner);
  print("posix_spawn + waitpid (floor)", bare);
  return 0;
}
