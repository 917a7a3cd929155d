#include "probe_process.hpp"

#include <fstream>
#include <sstream>
#include <thread>

namespace pivot::test {
namespace {

std::optional<nlohmann::json> last_line_json(const std::string& out) {
  std::string line;
  std::istringstream lines(out);
  for (std::string next; std::getline(lines, next);) {
    if (!next.empty()) line = next;
  }
  auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

}  // namespace

std::string ProbeOutcome::describe() const {
  return "write_probe exit " + std::to_string(exit_code) + "\n--- stdout\n" + out + "--- stderr\n" + err;
}

std::filesystem::path ProbeProcess::binary() { return built_binary("write_probe", PIVOT_DEFAULT_BIN_DIR); }

std::vector<std::string> ProbeProcess::command_line(const std::vector<std::string>& args) {
  std::vector<std::string> line{binary().string()};
  line.insert(line.end(), args.begin(), args.end());
  line.insert(line.end(), {"--stop-file", "{dir}/stop", "--ready-file", "{dir}/ready"});
  return line;
}

ProbeProcess::ProbeProcess(const std::vector<std::string>& args) : process_(command_line(args)) {}

bool ProbeProcess::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(process_.dir() / "ready")) return true;
    if (process_.exited()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

ProbeOutcome ProbeProcess::finish(std::chrono::milliseconds timeout) {
  std::ofstream(process_.dir() / "stop").put('\n');
  ProbeOutcome outcome;
  if (auto code = process_.wait_exit(timeout); code && *code < 128) {
    outcome.exit_code = *code;
  } else {
    process_.kill_now();  // -1: killed by a signal or timed out
  }
  outcome.out = process_.out();
  outcome.err = process_.err();
  outcome.report = last_line_json(outcome.out);
  return outcome;
}

}  // namespace pivot::test
