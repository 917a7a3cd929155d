#pragma once
// SqlWorker: a thread where blocking MySQL calls happen, so that the event
// loop keeps its own time (heartbeats flow while mysqld hangs, and say so).
// Tasks run one at a time, in order. The agent has two: one for the probe and
// one for actions, each with its own connection, so a long wait_for_position
// never delays a snapshot.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace pivot::agent {

class SqlWorker {
 public:
  using Task = std::function<void()>;
  using Clock = std::chrono::steady_clock;

  SqlWorker();
  ~SqlWorker();  // see stop()

  void post(Task task);
  // A task is running or waiting.
  bool busy() const;
  // When the running task started (meaningful while busy()).
  Clock::time_point started() const;

  // Ends the thread. A task stuck in a hung server cannot be interrupted, so
  // the thread is then detached rather than waited for, and the process must
  // exit without running it down (see main). Returns false in that case.
  bool stop();

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  bool running_ = false;
  bool stopping_ = false;
  Clock::time_point started_{};
  std::thread thread_;
};

}  // namespace pivot::agent
