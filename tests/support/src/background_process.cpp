#include "pivot/test/background_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

extern char** environ;

namespace pivot::test {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::filesystem::path built_binary(const std::string& name, const std::string& fallback_dir) {
  const char* dir = std::getenv("PIVOT_BIN_DIR");
  return std::filesystem::path(dir ? dir : fallback_dir) / name;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "pivot-child-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::system_error(errno, std::generic_category(), "mkdtemp");
  dir_ = tmpl;

  std::vector<std::string> args(argv);
  for (auto& a : args) {
    for (auto at = a.find("{dir}"); at != std::string::npos; at = a.find("{dir}", at)) {
      a.replace(at, 5, dir_.string());
    }
  }
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  // Ours first: the first of duplicate names wins in getenv.
  std::vector<std::string> envs(env);
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  std::vector<char*> cenv;
  for (auto& e : envs) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, (dir_ / "stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&files, 2, (dir_ / "stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int rc = posix_spawn(&pid_, cargv[0], &files, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) {
    // No destructor runs for a constructor that throws: remove the dir here.
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw std::system_error(rc, std::generic_category(), "posix_spawn " + args.at(0));
  }
}

BackgroundProcess::~BackgroundProcess() {
  kill_now();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void BackgroundProcess::signal(int sig) const {
  if (!reaped_ && pid_ > 0) ::kill(pid_, sig);
}

bool BackgroundProcess::exited() {
  if (!reaped_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  return reaped_;
}

std::optional<int> BackgroundProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

void BackgroundProcess::kill_now() {
  if (reaped_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status_, 0);
  reaped_ = true;
}

std::string BackgroundProcess::out() const { return slurp(dir_ / "stdout"); }
std::string BackgroundProcess::err() const { return slurp(dir_ / "stderr"); }

}  // namespace pivot::test
