#pragma once
// Shared by the GTID test tables: parsing a value that must be good, a
// canonical-text round trip, and an input that must fail with a given code
// and a message naming the offending text.

#include "pivot/result.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace pivot::gtid::testing {

// T::parse(text), failing the test (and returning an empty T) when it errs.
template <typename T>
T parsed(std::string_view text) {
  auto result = T::parse(text);
  EXPECT_TRUE(result.ok()) << "'" << text << "': " << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : T{};
}

struct CanonicalCase {
  std::string input;
  std::string canonical;
};

// Parsing gives the canonical text, and the canonical text parses back to the same value.
template <typename T>
void expect_canonical(const CanonicalCase& c) {
  SCOPED_TRACE("input: '" + c.input + "'");
  T value = parsed<T>(c.input);
  EXPECT_EQ(value.to_string(), c.canonical);
  EXPECT_EQ(parsed<T>(value.to_string()), value);
}

struct BadInput {
  std::string text;
  std::string code;
  std::string message_part;  // a fragment the message must contain
};

template <typename T>
void expect_error(const BadInput& bad) {
  SCOPED_TRACE("input: '" + bad.text + "'");
  auto result = T::parse(bad.text);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, bad.code);
  EXPECT_NE(result.error().message.find(bad.message_part), std::string::npos) << result.error().message;
}

}  // namespace pivot::gtid::testing
