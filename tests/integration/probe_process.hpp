#pragma once
// write_probe running in the background of an integration test: started with
// posix_spawn (stdout and stderr to files in its own directory), stopped
// through its --stop-file, its JSON line parsed. The destructor SIGKILLs it by
// PID if the test left before finish(), so no probe outlives a failed test;
// --duration-ms bounds it even if this process dies first.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pivot/test/background_process.hpp"

namespace pivot::test {

struct ProbeOutcome {
  int exit_code = -1;           // -1: killed by a signal or timed out
  std::string out;              // stdout: the JSON line
  std::string err;              // stderr: its log
  std::optional<nlohmann::json> report;  // parsed from the last line of stdout
  std::string describe() const;  // exit code and log, for assertion messages
};

class ProbeProcess {
 public:
  // args: everything after the binary but --stop-file and --ready-file,
  // which this adds (in its own directory). $PIVOT_BIN_DIR/write_probe (ctest
  // sets it), else the build tree this test was built in.
  explicit ProbeProcess(const std::vector<std::string>& args);

  // Waits until the probe writes (its --ready-file exists); false if it exited
  // or the time ran out.
  bool wait_ready(std::chrono::milliseconds timeout);
  // Creates the stop file, waits for the exit, reads its output.
  ProbeOutcome finish(std::chrono::milliseconds timeout);

  static std::filesystem::path binary();

 private:
  static std::vector<std::string> command_line(const std::vector<std::string>& args);

  BackgroundProcess process_;
};

}  // namespace pivot::test
