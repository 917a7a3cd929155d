#pragma once
// A watchdog process that takes a test cluster down when the test process
// dies without doing it: a crash, an abort, SIGKILL from ctest's timeout.

#include <sys/types.h>

#include <filesystem>

namespace pivot::test {

class Reaper {
 public:
  // Forks the watchdog. It blocks reading a socket whose other end only this
  // process holds (close-on-exec, so no child we spawn inherits it): EOF
  // means we are gone, and it runs `script down --dir dir`. It runs in its
  // own session so that a signal to our process group spares it.
  // Throws std::system_error when it cannot be created.
  Reaper(const std::filesystem::path& script, const std::filesystem::path& dir);
  ~Reaper();  // dismiss()
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // The cluster is down: the watchdog exits without doing anything.
  void dismiss();
  // Let the watchdog run `down` now (a second chance after our own failed),
  // and wait for it.
  void fire();

 private:
  void finish(bool run_down);

  pid_t pid_ = -1;
  int write_fd_ = -1;
};

}  // namespace pivot::test
