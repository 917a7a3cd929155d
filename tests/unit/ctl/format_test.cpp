// The small conversions behind pivotctl's tables, and the controller URL.
#include <gtest/gtest.h>

#include "pivot/ctl/controller_url.hpp"
#include "pivot/ctl/format.hpp"

namespace pivot::ctl {
namespace {

TEST(Format, HeartbeatAges) {
  EXPECT_EQ(format_age_ms(0), "0.0s");
  EXPECT_EQ(format_age_ms(420), "0.4s");
  EXPECT_EQ(format_age_ms(12345), "12.3s");
  EXPECT_EQ(format_age_ms(754000), "12m");
  EXPECT_EQ(format_age_ms(7200000), "2h");
}

TEST(Format, LagSeconds) {
  EXPECT_EQ(format_lag_s(0), "0s");
  EXPECT_EQ(format_lag_s(3), "3s");
  EXPECT_EQ(format_lag_s(0.5), "0.5s");
}

TEST(Format, StepDurations) {
  EXPECT_EQ(format_duration_ms(0), "0 ms");
  EXPECT_EQ(format_duration_ms(12), "12 ms");
  EXPECT_EQ(format_duration_ms(1500), "1.5 s");
  EXPECT_EQ(format_duration_ms(125000), "2m5s");
}

TEST(Format, Rfc3339WithMilliseconds) {
  EXPECT_EQ(parse_rfc3339_ms("2026-11-24T20:15:03.123Z"), 1795551303123);
  EXPECT_EQ(parse_rfc3339_ms("2024-02-29T23:59:59Z"), 1709251199000);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-24T21:15:03.123+01:00"), 1795551303123);
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_FALSE(parse_rfc3339_ms(""));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-24"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-24T20:15:03"));  // no zone
  EXPECT_FALSE(parse_rfc3339_ms("2026-13-24T20:15:03Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-24T20:15:03.Z"));
}

TEST(Format, Rfc3339RefusesImpossibleDatesAndOffsets) {
  EXPECT_FALSE(parse_rfc3339_ms("2026-02-29T00:00:00Z"));  // not a leap year
  EXPECT_TRUE(parse_rfc3339_ms("2028-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-04-31T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-24T20:15:03+24:00"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-24T20:15:03+01"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-24T20:15:03Zjunk"));
  EXPECT_EQ(parse_rfc3339_ms("2026-11-24t20:15:03.123z"), 1795551303123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-24 15:45:03.123-04:30"), 1795551303123);
}

TEST(Format, Rfc3339RoundTripsThroughPivotdsFormat) {
  for (const std::uint64_t ms : {0ULL, 1500ULL, 951868799999ULL, 1709251199000ULL, 1795551303123ULL, 4102444800000ULL}) {
    const auto text = format_rfc3339_ms(ms);
    EXPECT_EQ(parse_rfc3339_ms(text), static_cast<std::int64_t>(ms)) << text;
  }
  EXPECT_EQ(format_rfc3339_ms(1795551303123), "2026-11-24T20:15:03.123Z");
  EXPECT_EQ(format_rfc3339_ms(951868799999), "2000-02-29T23:59:59.999Z");
}

TEST(Format, DurationsAnOperatorTypes) {
  EXPECT_EQ(parse_duration_ms("90s"), 90000u);
  EXPECT_EQ(parse_duration_ms("30m"), 1800000u);
  EXPECT_EQ(parse_duration_ms("2h"), 7200000u);
  EXPECT_EQ(parse_duration_ms("1d"), 86400000u);
  EXPECT_EQ(parse_duration_ms("1h30m"), 5400000u);
  for (const std::string bad : {"", "2", "h", "2x", "2h ", " 2h", "-2h", "0m", "2.5h", "400d", "99999999999h"}) {
    EXPECT_FALSE(parse_duration_ms(bad)) << "'" << bad << "'";
  }
}

TEST(Format, StepDurationAcrossMidnight) {
  nlohmann::json step{{"started_at", "2026-11-24T23:59:59.990Z"}, {"finished_at", "2026-11-25T00:00:00.002Z"}};
  EXPECT_EQ(step_duration(step), "12 ms");
  step["finished_at"] = nullptr;
  EXPECT_EQ(step_duration(step), "-");
}

TEST(Format, ShortTimeAndShorten) {
  EXPECT_EQ(short_time("2026-11-24T20:15:03.123Z"), "2026-11-24 20:15:03");
  EXPECT_EQ(short_time("-"), "-");
  EXPECT_EQ(shorten("0-1-100", 10), "0-1-100");
  EXPECT_EQ(shorten("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", 20), "3e11fa47-71ca-11e...");
}

TEST(Format, CellText) {
  nlohmann::json o{{"s", "db1"}, {"b", true}, {"f", false}, {"n", 3}, {"z", nullptr}};
  EXPECT_EQ(cell_text(o, "s"), "db1");
  EXPECT_EQ(cell_text(o, "b"), "yes");
  EXPECT_EQ(cell_text(o, "f"), "no");
  EXPECT_EQ(cell_text(o, "n"), "3");
  EXPECT_EQ(cell_text(o, "z"), "-");
  EXPECT_EQ(cell_text(o, "absent"), "-");
}

TEST(ControllerUrl, Forms) {
  auto plain = parse_controller_url("http://127.0.0.1:7780");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 7780);
  EXPECT_EQ(plain->base_path, "");
  auto no_scheme = parse_controller_url("mha.example:8080");
  ASSERT_TRUE(no_scheme);
  EXPECT_EQ(no_scheme->host, "mha.example");
  EXPECT_EQ(no_scheme->port, 8080);
  auto default_port = parse_controller_url("http://mha/");
  ASSERT_TRUE(default_port);
  EXPECT_EQ(default_port->port, 7780);
  EXPECT_EQ(default_port->base_path, "");
  auto v6 = parse_controller_url("http://[::1]:7780/pivot/");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->base_path, "/pivot");
}

TEST(ControllerUrl, Refused) {
  for (const char* bad : {"https://mha:7780", "ftp://mha", "http://:7780", "http://mha:0", "http://mha:99999",
                          "http://mha:77x", "http://[::1"}) {
    auto url = parse_controller_url(bad);
    EXPECT_FALSE(url) << bad;
    if (!url) {
      EXPECT_NE(url.error().message.find(bad), std::string::npos) << url.error().message;
    }
  }
}

}  // namespace
}  // namespace pivot::ctl
