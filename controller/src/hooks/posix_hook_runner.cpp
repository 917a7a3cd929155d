#include "pivot/controller/posix_hook_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <vector>

#include "pivot/controller/utf8_text.hpp"

extern char** environ;

namespace pivot::controller {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::uint64_t ms_since(SteadyClock::time_point from) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - from).count());
}

// pivotd's environment with the extras on top (an extra replaces a variable of the same name).
std::vector<std::string> environment(const std::map<std::string, std::string>& extras) {
  std::vector<std::string> entries;
  for (const auto& [name, value] : extras) entries.push_back(name + "=" + value);
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    if (!extras.contains(std::string(entry.substr(0, entry.find('='))))) entries.emplace_back(entry);
  }
  return entries;
}

// Why a path cannot be run as a hook, or "" when it can.
std::string unrunnable(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "hook " + path + " cannot be run: " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "hook " + path + " is not a regular file";
  if (::access(path.c_str(), X_OK) != 0) return "hook " + path + " is not executable: " + std::strerror(errno);
  return "";
}

// The child: its own process group (so the timeout kills its children too),
// stdin from /dev/null, stdout and stderr into the pipe, default signal
// dispositions (pivotd's ignored SIGPIPE must not leak into hooks), and no
// other descriptor of pivotd's: Asio's sockets are not close-on-exec, and a
// hook (or a child it leaves behind) holding the API's listening socket kept
// the next pivotd from binding it after a restart.
int spawn(const std::string& path, const std::vector<std::string>& env, int out_fd, pid_t& pid) {
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&files, out_fd, 1);
  posix_spawn_file_actions_adddup2(&files, out_fd, 2);
  posix_spawn_file_actions_addclosefrom_np(&files, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, defaults;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attr, &defaults);

  std::string arg0 = path;
  char* argv[] = {arg0.data(), nullptr};
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int rc = posix_spawn(&pid, path.c_str(), &files, &attr, argv, envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&files);
  return rc;
}

enum class Read { data, nothing_now, closed };

// Raw bytes kept: the cap plus room for one UTF-8 character that straddles
// it, so that the cut to the cap falls on a whole character (valid_utf8).
constexpr std::size_t kRawBytes = PosixHookRunner::kMaxOutputBytes + 3;

// Appends what the pipe holds, up to kRawBytes; the rest is read and dropped
// (counted in `dropped`) so the hook never blocks on a full pipe.
Read read_some(int fd, std::string& output, std::size_t& dropped) {
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n < 0) return errno == EINTR || errno == EAGAIN ? Read::nothing_now : Read::closed;
  if (n == 0) return Read::closed;
  const std::size_t room = kRawBytes - std::min(output.size(), kRawBytes);
  const std::size_t kept = std::min(room, static_cast<std::size_t>(n));
  output.append(buffer, kept);
  dropped += static_cast<std::size_t>(n) - kept;
  return Read::data;
}

}  // namespace

HookOutcome PosixHookRunner::run(const std::string& path, const std::map<std::string, std::string>& env,
                                 std::uint64_t timeout_ms) {
  HookOutcome out;
  const auto started = SteadyClock::now();
  if (out.error = unrunnable(path); !out.error.empty()) return out;

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    out.error = std::string("hook output pipe: ") + std::strerror(errno);
    return out;
  }
  pid_t pid = -1;
  const int rc = spawn(path, environment(env), fds[1], pid);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    out.error = "hook " + path + " could not be started: " + std::strerror(rc);
    return out;
  }
  out.started = true;

  // Wait on the pipe and on the process itself (a pidfd), so that neither a
  // silent hook nor a child that keeps the pipe open delays the answer.
  // glibc 2.36's <sys/pidfd.h> has no extern "C": call the system call itself.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  bool pipe_open = true, exited = false, killed = false;
  std::size_t dropped = 0;
  int status = 0;
  std::uint64_t kill_at_ms = 0;
  while (!exited) {
    const std::uint64_t now = ms_since(started);
    if (!out.timed_out && now >= timeout_ms) {
      ::kill(-pid, SIGTERM);
      out.timed_out = true;
      kill_at_ms = now + kKillGraceMs;
    } else if (out.timed_out && !killed && now >= kill_at_ms) {
      ::kill(-pid, SIGKILL);
      killed = true;
    }
    const std::uint64_t wake_ms = !out.timed_out ? timeout_ms : (!killed ? kill_at_ms : now + 1000);
    int wait = static_cast<int>(wake_ms > now ? wake_ms - now : 0);
    if (pidfd < 0) wait = std::min(wait, 20);  // no pidfd (old kernel): look at the child every 20 ms

    pollfd polled[2] = {{pipe_open ? fds[0] : -1, POLLIN, 0}, {pidfd, POLLIN, 0}};
    if (::poll(polled, 2, wait) < 0 && errno != EINTR) break;
    if (pipe_open && (polled[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      pipe_open = read_some(fds[0], out.output, dropped) != Read::closed;
    }
    if (pidfd < 0 || (polled[1].revents & POLLIN)) exited = ::waitpid(pid, &status, pidfd < 0 ? WNOHANG : 0) == pid;
  }
  if (!exited) {  // poll itself failed: do not leave the hook behind
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  // What the hook wrote before it ended; a child still holding the pipe is
  // not waited for, and a chatty one is read for at most 64 buffers.
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  for (int i = 0; pipe_open && i < 64 && read_some(fds[0], out.output, dropped) == Read::data; ++i) {
  }
  ::close(fds[0]);
  if (pidfd >= 0) ::close(pidfd);

  // Bounded and valid UTF-8 (the job's JSON must always dump): cut on a
  // character boundary, anything that is not UTF-8 replaced by U+FFFD.
  const std::string whole = valid_utf8(out.output);
  out.output = valid_utf8(whole, kMaxOutputBytes);
  out.output_truncated = dropped > 0 || out.output.size() < whole.size();
  out.exit_code = WIFEXITED(status) && !out.timed_out ? WEXITSTATUS(status) : -1;
  out.duration_ms = ms_since(started);
  return out;
}

}  // namespace pivot::controller
