#pragma once
// Runs a child process to completion with a deadline and captures its output:
// how the fixture drives scripts/cluster and the mariadb client.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace pivot::test {

// Variables added to (or replacing theirs in) the child's environment.
using Environment = std::vector<std::pair<std::string, std::string>>;

struct ProcessResult {
  int exit_code = -1;     // -1 when killed by a signal (see signal)
  int signal = 0;         // the signal that ended it, 0 if none
  bool timed_out = false; // killed because the deadline passed
  std::string out;        // standard output
  std::string err;        // standard error
  bool ok() const { return exit_code == 0; }
  // "exit 3", "killed by signal 9", "timed out after ...": for messages.
  std::string describe() const;
};

// argv[0] is looked up in PATH; the child is SIGKILLed once `timeout` has
// passed. Never throws for a failing child: only when the process cannot be
// created at all (std::system_error).
ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const Environment& env = {});

}  // namespace pivot::test
