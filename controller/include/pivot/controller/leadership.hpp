#pragma once
// Leadership: whether this pivotd may act, and the epoch every command it
// sends carries (agents refuse an epoch older than the newest they saw). One
// pivotd today: always the leader, with the epoch raised at its start
// (controller_epoch.hpp). Several pivotd on etcd later replace it behind
// this port: an election hands out the epoch, and a lost lease says so here.

#include <cstdint>

namespace pivot::controller {

class Leadership {
 public:
  virtual ~Leadership() = default;
  virtual bool leader() const = 0;
  // The epoch of every command sent now (read at each send: it may rise).
  virtual std::uint64_t epoch() const = 0;
};

// The only pivotd: leader from its start, at the epoch it raised then.
class SoleLeadership : public Leadership {
 public:
  explicit SoleLeadership(std::uint64_t epoch) : epoch_(epoch) {}
  bool leader() const override { return true; }
  std::uint64_t epoch() const override { return epoch_; }

 private:
  const std::uint64_t epoch_;
};

}  // namespace pivot::controller
