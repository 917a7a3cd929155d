#include "pivot/ctl/format.hpp"

#include <cstdio>

namespace pivot::ctl {

std::string cell_text(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return "-";
  const auto& v = object[key];
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  return v.dump();
}

std::string string_of(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

const nlohmann::json& member(const nlohmann::json& object, const std::string& key) {
  static const nlohmann::json null_value;
  if (!object.is_object() || !object.contains(key)) return null_value;
  return object[key];
}

std::optional<std::uint64_t> uint_of(const nlohmann::json& object, const std::string& key) {
  const nlohmann::json& v = member(object, key);
  if (v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0)) return v.get<std::uint64_t>();
  if (v.is_number_float() && v.get<double>() >= 0) return static_cast<std::uint64_t>(v.get<double>());
  return std::nullopt;
}

namespace {

std::string one_decimal(double value, const char* unit) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%s", value, unit);
  return buf;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(const std::string& s, std::size_t pos, std::size_t n, int& value) {
  if (pos + n > s.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string format_age_ms(std::uint64_t ms) {
  if (ms < 100000) return one_decimal(static_cast<double>(ms) / 1000.0, "s");
  if (ms < 3600000) return std::to_string(ms / 60000) + "m";
  return std::to_string(ms / 3600000) + "h";
}

std::string format_lag_s(double seconds) {
  if (seconds == static_cast<double>(static_cast<std::int64_t>(seconds))) {
    return std::to_string(static_cast<std::int64_t>(seconds)) + "s";
  }
  return one_decimal(seconds, "s");
}

std::string format_duration_ms(std::uint64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 60000) return one_decimal(static_cast<double>(ms) / 1000.0, " s");
  return std::to_string(ms / 60000) + "m" + std::to_string(ms % 60000 / 1000) + "s";
}

std::optional<std::int64_t> parse_rfc3339_ms(const std::string& s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = 19;
  std::int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
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
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_s = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  return seconds * 1000 + millis;
}

std::string short_time(const std::string& rfc3339) {
  if (!parse_rfc3339_ms(rfc3339)) return rfc3339;
  return rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 8);
}

std::string step_duration(const nlohmann::json& step) {
  const auto started = parse_rfc3339_ms(string_of(step, "started_at"));
  const auto finished = parse_rfc3339_ms(string_of(step, "finished_at"));
  if (!started || !finished || *finished < *started) return "-";
  return format_duration_ms(static_cast<std::uint64_t>(*finished - *started));
}

std::string labels_text(const nlohmann::json& labels) {
  std::string text;
  if (!labels.is_object()) return text;
  for (const auto& [key, value] : labels.items()) {
    if (!text.empty()) text += ", ";
    text += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return text;
}

std::string shorten(const std::string& text, std::size_t max_chars) {
  if (text.size() <= max_chars || max_chars < 4) return text;
  std::size_t cut = max_chars - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  return text.substr(0, cut) + "...";
}

}  // namespace pivot::ctl
