#include "pivot/agent/probe_worker.hpp"

#include "pivot/mysql/session.hpp"

namespace pivot::agent {

ProbeWorker::ProbeWorker(ProbeFn probe, DoneFn done)
    : probe_(std::move(probe)), done_(std::move(done)), thread_([this] { run(); }) {}

ProbeWorker::~ProbeWorker() { stop(); }

bool ProbeWorker::request() {
  std::lock_guard lock(mutex_);
  if (busy_ || requested_ || stopping_) return false;
  requested_ = true;
  busy_ = true;
  started_ = std::chrono::steady_clock::now();
  wake_.notify_one();
  return true;
}

std::chrono::steady_clock::time_point ProbeWorker::started() const {
  std::lock_guard lock(mutex_);
  return started_;
}

bool ProbeWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (!thread_.joinable()) return true;
  if (busy_) {
    thread_.detach();
    return false;
  }
  thread_.join();
  return true;
}

void ProbeWorker::run() {
  mysql::ThreadScope scope;  // Connector/C++ per-thread state
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return requested_ || stopping_; });
      if (stopping_) return;
      requested_ = false;
    }
    protocol::NodeState state = probe_();
    busy_ = false;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    done_(std::move(state));
  }
}

}  // namespace pivot::agent
