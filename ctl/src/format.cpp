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

std::optional<std::uint64_t> parse_duration_ms(const std::string& text) {
  constexpr std::uint64_t kMaxMs = 366ULL * 86400 * 1000;
  std::uint64_t total = 0;
  std::size_t pos = 0;
  if (text.empty()) return std::nullopt;
  while (pos < text.size()) {
    std::uint64_t number = 0;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 9) {
      number = number * 10 + static_cast<std::uint64_t>(text[pos] - '0');
      ++pos;
    }
    if (pos == start || pos == text.size()) return std::nullopt;  // no number, or no unit
    std::uint64_t unit_ms = 0;
    switch (text[pos]) {
      case 's': unit_ms = 1000; break;
      case 'm': unit_ms = 60000; break;
      case 'h': unit_ms = 3600000; break;
      case 'd': unit_ms = 86400000; break;
      default: return std::nullopt;
    }
    ++pos;
    total += number * unit_ms;
    if (total > kMaxMs) return std::nullopt;
  }
  if (total == 0) return std::nullopt;
  return total;
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
