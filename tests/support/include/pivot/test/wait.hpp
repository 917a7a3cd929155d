#pragma once
// A bounded wait for tests above the unit level, where things happen on
// their own time (replication, a server restarting).

#include <gtest/gtest.h>

#include <chrono>
#include <functional>

namespace pivot::test {

// Polls `predicate` until it returns true or `timeout` passes. An exception
// from the predicate counts as "not yet" (a node still restarting), and its
// message is kept for the failure: ASSERT_TRUE(wait_until(...)) then says
// what was last seen.
::testing::AssertionResult wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                                      std::chrono::milliseconds poll = std::chrono::milliseconds(50));

}  // namespace pivot::test
