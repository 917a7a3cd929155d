#pragma once
// HookRunner on POSIX: posix_spawn of the hook in a process group of its own,
// environment = pivotd's + the extras, stdout and stderr on one pipe (cut at
// 64 KiB on a character boundary, invalid UTF-8 replaced by U+FFFD), and at the timeout the whole group gets SIGTERM, then SIGKILL one
// second later, so that a hook's children cannot outlive it.

#include "pivot/controller/ports.hpp"

namespace pivot::controller {

class PosixHookRunner : public HookRunner {
 public:
  static constexpr std::size_t kMaxOutputBytes = 64 * 1024;
  static constexpr std::uint64_t kKillGraceMs = 1000;  // SIGTERM -> SIGKILL

  HookOutcome run(const std::string& path, const std::map<std::string, std::string>& env,
                  std::uint64_t timeout_ms) override;
};

}  // namespace pivot::controller
