// The tokens file: `operator|viewer NAME TOKEN`, problems by FILE:LINE, and
// never a token in a message.
#include "pivot/controller/tokens.hpp"

#include <cstdio>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pivot::controller {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string problems_of(const std::string& text) {
  auto tokens = Tokens::parse(text, "/etc/pivot/tokens");
  EXPECT_FALSE(tokens.ok()) << text;
  if (tokens.ok()) return "";
  EXPECT_EQ(tokens.error().code, "bad_tokens");
  return tokens.error().message;
}

TEST(Tokens, CommentsBlankLinesAndTwoRoles) {
  auto tokens = Tokens::parse("# deploy pipelines\n\noperator deploy s3cret-deploy\n  viewer\tgrafana  s3cret-graf \r\n"
                              "operator deploy s3cret-deploy-next  # rotation: same name twice is fine\n",
                              "tokens");
  // The trailing comment is a fourth field: comments take whole lines only.
  EXPECT_FALSE(tokens.ok());

  tokens = Tokens::parse("# deploy pipelines\n\noperator deploy s3cret-deploy\n  viewer\tgrafana  s3cret-graf \r\n"
                         "operator deploy s3cret-deploy-next",
                         "tokens");
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  EXPECT_EQ(tokens->size(), 3u);
  EXPECT_EQ(tokens->find("s3cret-deploy"), (Caller{TokenRole::operator_, "deploy"}));
  EXPECT_EQ(tokens->find("s3cret-deploy-next"), (Caller{TokenRole::operator_, "deploy"}));
  EXPECT_EQ(tokens->find("s3cret-graf"), (Caller{TokenRole::viewer, "grafana"}));
}

TEST(Tokens, NearMissesAreNotFound) {
  auto tokens = Tokens::parse("operator alice abcdef", "tokens");
  ASSERT_TRUE(tokens.ok());
  for (const std::string guess : {"", "abcde", "abcdeg", "abcdefg", "ABCDEF", "bcdef", " abcdef"}) {
    EXPECT_FALSE(tokens->find(guess)) << guess;
  }
}

TEST(Tokens, AnEmptyFileHasNoTokens) {
  auto tokens = Tokens::parse("# nobody yet\n", "tokens");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->size(), 0u);
  EXPECT_FALSE(tokens->find("x"));
}

TEST(Tokens, EveryProblemByFileAndLine) {
  const auto problems = problems_of(
      "operator alice tok-alice\n"
      "admin bob tok-bob\n"          // line 2
      "viewer carol\n"               // line 3
      "viewer dave tok-dave extra\n"  // line 4
      "# fine\n"
      "viewer erin tok-alice\n");    // line 6
  EXPECT_THAT(problems, HasSubstr("/etc/pivot/tokens:2: unknown role 'admin'"));
  EXPECT_THAT(problems, HasSubstr("/etc/pivot/tokens:3: missing fields"));
  EXPECT_THAT(problems, HasSubstr("/etc/pivot/tokens:4: extra fields"));
  EXPECT_THAT(problems, HasSubstr("/etc/pivot/tokens:6: duplicate token (already on line 1)"));
  EXPECT_THAT(problems, Not(HasSubstr("tok-")));  // never a token in a message
}

TEST(Tokens, LoadNamesAnUnreadableFile) {
  auto tokens = Tokens::load("/nonexistent/pivot/tokens");
  ASSERT_FALSE(tokens.ok());
  EXPECT_EQ(tokens.error().code, "bad_tokens");
  EXPECT_THAT(tokens.error().message, HasSubstr("/nonexistent/pivot/tokens"));
}

TEST(Tokens, LoadReadsTheFile) {
  const std::string path = ::testing::TempDir() + "pivot_tokens_test";
  std::ofstream(path) << "viewer grafana tok-graf\n";
  auto tokens = Tokens::load(path);
  std::remove(path.c_str());
  ASSERT_TRUE(tokens.ok()) << tokens.error().message;
  EXPECT_EQ(tokens->find("tok-graf"), (Caller{TokenRole::viewer, "grafana"}));
}

}  // namespace
}  // namespace pivot::controller
