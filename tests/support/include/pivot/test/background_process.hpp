#pragma once
// A child process that runs beside a test (an agent, write_probe): started
// with posix_spawn, its stdout and stderr in files of its own directory,
// signalled and reaped by PID. The destructor SIGKILLs it if the test left
// without stopping it, so no child outlives a failed test.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pivot::test {

class BackgroundProcess {
 public:
  // argv[0] is a path; "{dir}" in an argument stands for dir(), so a child
  // can be given files there. env: NAME=VALUE entries that override this
  // process's.
  explicit BackgroundProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  // A directory of its own for files the child and the test share.
  const std::filesystem::path& dir() const { return dir_; }
  void signal(int sig) const;
  // True once it has exited (reaps it).
  bool exited();
  // Waits for the exit: its code, or 128 + the signal that ended it; nullopt
  // if it still runs after timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGKILL and reap, if still running.
  void kill_now();
  std::string out() const;
  std::string err() const;

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// $PIVOT_BIN_DIR/<name> (ctest sets it), else `fallback_dir`/<name>.
std::filesystem::path built_binary(const std::string& name, const std::string& fallback_dir);

}  // namespace pivot::test
