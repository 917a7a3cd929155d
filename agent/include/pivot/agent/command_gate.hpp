#pragma once
// CommandGate: decides, before anything runs, what becomes of a command that
// reached this agent. Pure (no I/O, no clock):
//   - an id seen before is answered with the stored result and never run
//     again, also when it comes back with a newer epoch after a controller
//     restart (pivotd re-sends until it sees the result);
//   - an id still running is ignored: its result is on its way;
//   - an epoch lower than the highest seen is refused: a stale controller
//     must not act;
//   - args that do not fit the action are refused without touching mysqld.
// Refusals are stored like results, so a re-send gets the same answer.

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>

#include "pivot/protocol/command.hpp"
#include "pivot/protocol/command_result.hpp"

namespace pivot::agent {

struct Admission {
  enum class Kind { run, replay, in_flight, refuse };
  Kind kind = Kind::refuse;
  protocol::CommandResult answer;  // replay and refuse: what to send back
  bool raises_epoch = false;       // run: persist command.epoch before running
};

class CommandGate {
 public:
  explicit CommandGate(std::uint64_t highest_epoch, std::size_t remembered = 4096)
      : highest_epoch_(highest_epoch), capacity_(remembered) {}

  Admission admit(const protocol::Command& command);
  // The command admitted to run ended (or could not start): remember its answer.
  void finished(const protocol::CommandResult& result);

  std::uint64_t highest_epoch() const { return highest_epoch_; }

 private:
  void remember(const protocol::CommandResult& result);

  std::uint64_t highest_epoch_;
  std::size_t capacity_;
  std::map<std::string, protocol::CommandResult> results_;
  std::deque<std::string> order_;  // oldest first, for eviction
  std::set<std::string> in_flight_;
};

// An error result for command `id` (detail.message holds the sentence).
protocol::CommandResult error_result(const std::string& id, const std::string& error, const std::string& message);

}  // namespace pivot::agent
