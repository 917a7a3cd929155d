#include "pivot/log.hpp"

#include <cstdlib>
#include <memory>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

namespace pivot::log {
namespace {

TEST(Log, FieldsLeaveOutEmptyOnes) {
  EXPECT_EQ(fields({}), "");
  EXPECT_EQ(fields({.cluster = "sms-1", .node = "db2"}), " cluster=sms-1 node=db2");
  EXPECT_EQ(fields({.cluster = "sms-1", .job = "j-7", .step = "fence"}),
            " cluster=sms-1 job=j-7 step=fence");
}

TEST(Log, ParsesLevels) {
  EXPECT_EQ(parse_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_level("error"), spdlog::level::err);
  EXPECT_FALSE(parse_level("loud").has_value());
}

TEST(Log, EnvironmentWinsOverConfig) {
  ::setenv("PIVOT_LOG_LEVEL", "error", 1);
  EXPECT_EQ(init("debug"), spdlog::level::err);
  ::setenv("PIVOT_LOG_LEVEL", "nonsense", 1);
  EXPECT_EQ(init("debug"), spdlog::level::debug);
  ::unsetenv("PIVOT_LOG_LEVEL");
  EXPECT_EQ(init(""), spdlog::level::info);
}

TEST(Log, EventAppendsContextToOneLine) {
  std::ostringstream out;
  auto logger = std::make_shared<spdlog::logger>(
      "log_test", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("%l %v");
  event(*logger, spdlog::level::info, {.cluster = "sms-1", .node = "db1", .job = "j-1"},
        "fenced in {} ms", 8);
  EXPECT_EQ(out.str(), "info fenced in 8 ms cluster=sms-1 node=db1 job=j-1\n");
}

TEST(Log, NamedLoggerIsReused) {
  auto a = get("pivotd.bus");
  auto b = get("pivotd.bus");
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->name(), "pivotd.bus");
}

}  // namespace
}  // namespace pivot::log
