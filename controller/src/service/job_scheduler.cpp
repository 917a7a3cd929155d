#include "pivot/controller/job_scheduler.hpp"

namespace pivot::controller {

JobScheduler::JobScheduler(std::size_t workers) {
  threads_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

JobScheduler::~JobScheduler() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

void JobScheduler::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
}

std::size_t JobScheduler::waiting() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void JobScheduler::work() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();  // never throws: the service's tasks catch what their jobs throw
  }
}

}  // namespace pivot::controller
