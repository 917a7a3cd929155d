#include "position_beyond.hpp"

#include "old_primary_writes.hpp"

namespace pivot::controller::plan {

// One comparison, not two: what a node wrote beyond `captured` is what
// verify asks of the old primary, with nothing else holding more than the
// captured position.
Result<std::string> transactions_beyond(const Position& captured, const Position& now) {
  return old_primary_writes(captured, now, captured);
}

}  // namespace pivot::controller::plan
