#pragma once
// A controller epoch kept in a state dir (file "epoch", one decimal number).
// pivotd stores its own and raises it at every start; pivot-agent stores the
// highest it has seen, so that a restart does not let a stale controller act
// again (`pivot-agent reset-epoch` removes it). One file format, one writer.

#include <cstdint>
#include <string>

#include "pivot/result.hpp"

namespace pivot {

class EpochFile {
 public:
  explicit EpochFile(std::string state_dir) : dir_(std::move(state_dir)) {}

  // 0 when no epoch was ever stored. An unreadable or corrupt file is an
  // error (code state_dir, "... is corrupt ..."), never silently 0: that
  // would re-admit stale controllers. The caller adds what the operator can do.
  Result<std::uint64_t> load() const;
  // Written to a temporary file, synced, renamed: a crash leaves the old or
  // the new value, never a torn one. Creates the state dir (0700).
  Result<void> save(std::uint64_t epoch) const;
  // Forgets the epoch (the agent's escape hatch after a controller rebuild).
  Result<void> reset() const;

  std::string path() const { return dir_ + "/epoch"; }

 private:
  std::string dir_;
};

}  // namespace pivot
