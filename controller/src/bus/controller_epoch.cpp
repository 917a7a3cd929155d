#include "pivot/controller/controller_epoch.hpp"

#include <limits>

#include "pivot/epoch_file.hpp"

namespace pivot::controller {

Result<std::uint64_t> raise_controller_epoch(const std::string& state_dir) {
  const EpochFile file(state_dir);
  auto current = file.load();
  if (!current) {
    // Never start over at 1: the agents have seen higher epochs and would
    // refuse every command.
    return make_error(current.error().code,
                      current.error().message + ": restore it, or write a number above every agent's epoch");
  }
  if (*current == std::numeric_limits<std::uint64_t>::max()) {
    return make_error("state_dir", file.path() + " holds the largest epoch there is; it cannot be raised");
  }
  const std::uint64_t next = *current + 1;
  if (auto saved = file.save(next); !saved) return saved.error();
  return next;
}

}  // namespace pivot::controller
