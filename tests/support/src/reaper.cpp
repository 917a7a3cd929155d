#include "pivot/test/reaper.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

namespace pivot::test {

Reaper::Reaper(const std::filesystem::path& script, const std::filesystem::path& dir) {
  // A socket pair rather than a pipe: dismiss() can then write with
  // MSG_NOSIGNAL, and a reaper killed by someone costs us no SIGPIPE.
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::system_error(errno, std::generic_category(), "reaper socketpair");
  }
  // `down` refuses a directory without cluster.env (nothing was started in
  // it yet): then only the empty directory is left to remove.
  std::vector<std::string> args{"sh", "-c", "\"$0\" down --dir \"$1\" || rmdir \"$1\"", script.string(),
                                dir.string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::system_error(errno, std::generic_category(), "reaper fork");
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here on.
    setsid();
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGHUP, &ignore, nullptr);
    sigaction(SIGINT, &ignore, nullptr);
    int devnull = open("/dev/null", O_RDWR);
    // Not holding the test's stdout/stderr: ctest waits for those to close.
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    // Nothing else of ours stays open in it (sockets, other clusters' pipes).
    if (fds[0] > 3) close_range(3, static_cast<unsigned>(fds[0]) - 1, 0);
    close_range(static_cast<unsigned>(fds[0]) + 1, ~0U, 0);
    char byte = 0;
    ssize_t n;
    do {
      n = read(fds[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1 && byte == 'd') _exit(0);  // dismissed: the cluster is already down
    execv("/bin/sh", argv.data());
    _exit(127);
  }
  close(fds[0]);
  pid_ = pid;
  write_fd_ = fds[1];
}

Reaper::~Reaper() { dismiss(); }

void Reaper::dismiss() { finish(false); }

void Reaper::fire() { finish(true); }

void Reaper::finish(bool run_down) {
  if (pid_ < 0) return;
  if (!run_down) {
    const char byte = 'd';
    [[maybe_unused]] auto sent = send(write_fd_, &byte, 1, MSG_NOSIGNAL);
  }
  close(write_fd_);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  write_fd_ = -1;
}

}  // namespace pivot::test
