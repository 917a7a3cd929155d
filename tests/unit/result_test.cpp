#include "pivot/result.hpp"

#include <gtest/gtest.h>

namespace pivot {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return make_error("not_a_digit", std::string("'") + c + "' is not a digit");
  return c - '0';
}

TEST(Result, CarriesAValue) {
  auto r = parse_digit('7');
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(r.value_or(0), 7);
}

TEST(Result, CarriesAnErrorWithCodeAndMessage) {
  auto r = parse_digit('x');
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "not_a_digit");
  EXPECT_EQ(r.error().message, "'x' is not a digit");
  EXPECT_EQ(r.value_or(-1), -1);
}

TEST(Result, VoidResult) {
  Result<void> good = ok();
  Result<void> bad = make_error("nope", "failed");
  EXPECT_TRUE(good.ok());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "nope");
}

TEST(Result, MovesOutAValue) {
  Result<std::string> r = std::string(100, 'a');
  std::string taken = std::move(r).value();
  EXPECT_EQ(taken.size(), 100u);
}

}  // namespace
}  // namespace pivot
