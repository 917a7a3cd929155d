#pragma once
// What both of pivotctl tui's feeds (polling, event stream) do the same way:
// send an operator's action, turn a read into an update, and queue updates
// for the UI loop.

#include <mutex>
#include <string>
#include <vector>

#include "pivot/ctl/api_client.hpp"
#include "pivot/ctl/clock.hpp"
#include "pivot/ctl/tui_model.hpp"

namespace pivot::ctl::tui {

// An update that only says something (unreachable, reconnecting, polling).
Update saying(UpdateKind kind, std::string message);

// Sends the action (POST; maintenance: PUT or DELETE); its answer as an
// update: `started` with the job id (pivot status, dry run, pivot,
// failover), `done` with the job (cancel) or the cluster's answer
// (acknowledge, maintenance), or `failed` with why (pivotd's message, or
// that it was not reached). `wall_ms` is now on the wall clock: a
// maintenance window given as a duration ends that long after it.
Update send_action(ApiClient& api, const Action& action, std::uint64_t wall_ms);

// GET `target`'s reply as an update of `kind`: the body read, `unreachable`
// when pivotd was not reached, or `failed` naming the read (failed_read, key).
Update read_update(const std::string& target, UpdateKind kind, const std::string& key, ApiReply reply);

// The updates waiting for the UI loop, each stamped with the clock as it is
// pushed. push() from the feed's thread, drain() from the loop's.
class UpdateQueue {
 public:
  explicit UpdateQueue(Clock& clock) : clock_(clock) {}
  void push(Update update);
  std::vector<Update> drain();

 private:
  Clock& clock_;
  std::mutex mutex_;
  std::vector<Update> updates_;
};

}  // namespace pivot::ctl::tui
