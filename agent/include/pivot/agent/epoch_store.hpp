#pragma once
// The highest controller epoch this agent has seen, kept in its state dir
// (file "epoch", one decimal number) so that a restart does not let a stale
// controller act again. `pivot-agent reset-epoch` removes it.

#include <cstdint>
#include <string>

#include "pivot/result.hpp"

namespace pivot::agent {

class EpochStore {
 public:
  explicit EpochStore(std::string state_dir) : dir_(std::move(state_dir)) {}

  // 0 when no epoch was ever stored. An unreadable or corrupt file is an
  // error, never silently 0: that would re-admit stale controllers.
  Result<std::uint64_t> load() const;
  // Written to a temporary file, synced, renamed: a crash leaves the old or
  // the new value, never a torn one. Creates the state dir (0700).
  Result<void> save(std::uint64_t epoch) const;
  // Forgets the epoch (operator's escape hatch after a controller rebuild).
  Result<void> reset() const;

  std::string path() const { return dir_ + "/epoch"; }

 private:
  std::string dir_;
};

}  // namespace pivot::agent
