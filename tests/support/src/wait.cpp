#include "pivot/test/wait.hpp"

#include <exception>
#include <string>
#include <thread>

namespace pivot::test {

::testing::AssertionResult wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                                      std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error;
  while (true) {
    try {
      if (predicate()) return ::testing::AssertionSuccess();
      last_error.clear();
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(poll);
  }
  auto failure = ::testing::AssertionFailure() << "condition not met within " << timeout.count() << " ms";
  if (!last_error.empty()) failure << " (last attempt threw: " << last_error << ")";
  return failure;
}

}  // namespace pivot::test
