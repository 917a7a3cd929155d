#include "probe_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

extern char** environ;

namespace pivot::test {
namespace {

std::filesystem::path fresh_dir() {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("write_probe_test." + std::to_string(getpid()) + "." + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

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

std::filesystem::path ProbeProcess::binary() {
  const char* dir = std::getenv("PIVOT_BIN_DIR");
  return std::filesystem::path(dir ? dir : PIVOT_DEFAULT_BIN_DIR) / "write_probe";
}

ProbeProcess::ProbeProcess(const std::vector<std::string>& args) : dir_(fresh_dir()) {
  std::vector<std::string> strings{binary().string()};
  strings.insert(strings.end(), args.begin(), args.end());
  for (const char* file : {"stop", "ready"}) {
    strings.push_back(std::string("--") + file + "-file");
    strings.push_back((dir_ / file).string());
  }
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, (dir_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, 2, (dir_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc = posix_spawn(&pid_, argv[0], &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "posix_spawn " + strings[0]);
}

ProbeProcess::~ProbeProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

bool ProbeProcess::poll_exit() {
  if (exited_) return true;
  const pid_t done = waitpid(pid_, &status_, WNOHANG);
  exited_ = done == pid_;
  return exited_;
}

bool ProbeProcess::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(dir_ / "ready")) return true;
    if (poll_exit()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

ProbeOutcome ProbeProcess::finish(std::chrono::milliseconds timeout) {
  std::ofstream(dir_ / "stop").put('\n');
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!poll_exit() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ProbeOutcome outcome;
  if (!exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
    exited_ = true;
  } else if (WIFEXITED(status_)) {
    outcome.exit_code = WEXITSTATUS(status_);
  }
  outcome.out = slurp(dir_ / "stdout");
  outcome.err = slurp(dir_ / "stderr");
  outcome.report = last_line_json(outcome.out);
  return outcome;
}

}  // namespace pivot::test
