#pragma once
// A fixed set of worker threads that run pivotd's jobs in the order they were
// submitted (issue 13: no thread per job). A job beyond the workers waits in
// the queue, and its job reads `queued` until a worker takes it. A job's
// steps wait on agents without the service's lock, so a worker blocked on an
// agent holds nothing but itself.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pivot::controller {

class JobScheduler {
 public:
  explicit JobScheduler(std::size_t workers);
  // Runs what was submitted, then joins the workers.
  ~JobScheduler();
  JobScheduler(const JobScheduler&) = delete;
  JobScheduler& operator=(const JobScheduler&) = delete;

  void submit(std::function<void()> task);
  std::size_t workers() const { return threads_.size(); }
  // Tasks submitted and not yet taken by a worker.
  std::size_t waiting() const;

 private:
  void work();

  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace pivot::controller
