#pragma once
// ProbeWorker: the thread where blocking MySQL calls happen, so that the event
// loop keeps its own time (heartbeats flow while mysqld hangs, and say so).
// One probe at a time; the loop asks, the worker answers through `done`.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "pivot/protocol/node_state.hpp"

namespace pivot::agent {

class ProbeWorker {
 public:
  using ProbeFn = std::function<protocol::NodeState()>;
  // Called on the worker thread with each snapshot: post it to the loop.
  using DoneFn = std::function<void(protocol::NodeState)>;

  ProbeWorker(ProbeFn probe, DoneFn done);
  ~ProbeWorker();  // see stop()

  // Starts a probe unless one is running; false when busy.
  bool request();
  bool busy() const { return busy_; }
  // When the running probe started (meaningful while busy()).
  std::chrono::steady_clock::time_point started() const;

  // Ends the thread. A worker stuck in a hung server cannot be interrupted,
  // so it is detached rather than waited for; the process then exits without
  // running it down (see main). Returns false in that case.
  bool stop();

 private:
  void run();

  ProbeFn probe_;
  DoneFn done_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  std::atomic<bool> busy_{false};
  std::chrono::steady_clock::time_point started_{};
  std::thread thread_;
};

}  // namespace pivot::agent
