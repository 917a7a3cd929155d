#pragma once
// RFC 3339 timestamps, the REST API's times, both ways: pivotd writes them
// (UTC, milliseconds, "2026-11-24T20:15:03.123Z") and reads the ones an
// operator sends (a maintenance window's `until`); pivotctl reads pivotd's
// and writes the operator's. One header-only pair, so that both binaries
// agree without linking each other, and without the C library's time zone
// state (no gmtime, no timegm): proleptic Gregorian days, H. Hinnant's
// algorithms.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace pivot {

namespace rfc3339_detail {

// Days since 1970-01-01 of a proleptic Gregorian date (days_from_civil).
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month, day;
};

// The date of a day count since 1970-01-01 (civil_from_days).
inline Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

inline unsigned days_in_month(std::int64_t year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

inline bool digits(std::string_view s, std::size_t pos, std::size_t n, int& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace rfc3339_detail

// "2026-11-24T20:15:03.123Z", "2026-11-24t20:15:03+02:00", "2026-11-24
// 20:15:03.5-05:30" -> milliseconds since the Unix epoch (fractions past the
// millisecond are dropped). Anything else, an impossible date (February 30)
// or a time without its offset included, is nullopt: a time an operator
// typed must never be guessed at.
inline std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) {
  using rfc3339_detail::digits;
  int year, month, day, hour, minute, second;
  if (s.size() < 20 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || static_cast<unsigned>(day) > rfc3339_detail::days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (s[pos] == '.') {
    ++pos;
    int scale = 100;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;  // digits past the third add nothing
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = rfc3339_detail::days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  return seconds * 1000 + millis;
}

// Milliseconds since the Unix epoch -> "2026-11-24T20:15:03.123Z".
inline std::string format_rfc3339_ms(std::uint64_t unix_ms) {
  const auto seconds = static_cast<std::int64_t>(unix_ms / 1000);
  const auto date = rfc3339_detail::civil_from_days(seconds / 86400);
  const auto of_day = seconds % 86400;
  char text[40];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lluZ", static_cast<long long>(date.year),
                date.month, date.day, static_cast<long long>(of_day / 3600), static_cast<long long>(of_day % 3600 / 60),
                static_cast<long long>(of_day % 60), static_cast<unsigned long long>(unix_ms % 1000));
  return text;
}

}  // namespace pivot
