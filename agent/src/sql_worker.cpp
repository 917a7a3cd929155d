#include "pivot/agent/sql_worker.hpp"

#include "pivot/mysql/session.hpp"

namespace pivot::agent {

SqlWorker::SqlWorker() : thread_([this] { run(); }) {}

SqlWorker::~SqlWorker() { stop(); }

void SqlWorker::post(Task task) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  queue_.push_back(std::move(task));
  wake_.notify_one();
}

bool SqlWorker::busy() const {
  std::lock_guard lock(mutex_);
  return running_ || !queue_.empty();
}

SqlWorker::Clock::time_point SqlWorker::started() const {
  std::lock_guard lock(mutex_);
  return started_;
}

bool SqlWorker::stop() {
  bool stuck = false;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
    stuck = running_;
    wake_.notify_one();
  }
  if (!thread_.joinable()) return true;
  if (stuck) {
    thread_.detach();
    return false;
  }
  thread_.join();
  return true;
}

void SqlWorker::run() {
  mysql::ThreadScope scope;  // Connector/C++ per-thread state
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      running_ = true;
      started_ = Clock::now();
    }
    task();
    std::lock_guard lock(mutex_);
    running_ = false;
  }
}

}  // namespace pivot::agent
