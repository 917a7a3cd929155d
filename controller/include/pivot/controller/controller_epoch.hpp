#pragma once
// pivotd's epoch: its generation, carried by every command. Stored in the
// state dir (file "epoch", the format the agents use for theirs) and raised by
// one at every start, so that agents refuse the commands of a controller that
// a newer one has replaced. Later, leadership (etcd) will hand it out.

#include <cstdint>
#include <string>

#include "pivot/result.hpp"

namespace pivot::controller {

// Reads the stored epoch (0 when none), stores it plus one, atomically and
// durably, and returns the new one. Errors (code state_dir) name the file
// and what to do; pivotd must not start without its epoch.
Result<std::uint64_t> raise_controller_epoch(const std::string& state_dir);

}  // namespace pivot::controller
