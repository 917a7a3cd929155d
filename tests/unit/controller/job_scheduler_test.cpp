// The job scheduler: a fixed set of workers, tasks in submission order, the
// rest waiting; everything submitted runs before it is destroyed.
#include "pivot/controller/job_scheduler.hpp"

#include <atomic>
#include <chrono>
#include <future>

#include <gtest/gtest.h>

namespace pivot::controller {
namespace {

using namespace std::chrono_literals;

TEST(JobScheduler, NoMoreTasksRunAtOnceThanItHasWorkers) {
  std::atomic<int> now{0}, most{0}, done{0};
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  {
    JobScheduler scheduler(2);
    for (int i = 0; i < 5; ++i) {
      scheduler.submit([&, gate] {
        const int at = ++now;
        int seen = most.load();
        while (at > seen && !most.compare_exchange_weak(seen, at)) {
        }
        gate.wait();
        --now;
        ++done;
      });
    }
    // Two take a task each and block; three wait their turn.
    for (int i = 0; i < 200 && scheduler.waiting() != 3; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(scheduler.waiting(), 3u);
    EXPECT_EQ(now.load(), 2);
    release.set_value();
  }  // the destructor runs what is left, then joins
  EXPECT_EQ(done.load(), 5);
  EXPECT_EQ(most.load(), 2);
}

TEST(JobScheduler, TasksStartInTheOrderTheyCame) {
  std::vector<int> order;
  std::mutex mu;
  {
    JobScheduler scheduler(1);
    for (int i = 0; i < 10; ++i) {
      scheduler.submit([&, i] {
        std::lock_guard lock(mu);
        order.push_back(i);
      });
    }
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

}  // namespace
}  // namespace pivot::controller
