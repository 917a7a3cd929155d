#pragma once
// Small text conversions for pivotctl's tables: JSON values as cells, ages,
// durations, RFC 3339 timestamps, long GTID sets.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pivot/rfc3339.hpp"

namespace pivot::ctl {

// A JSON value as a cell: strings as they are, booleans yes/no, numbers,
// "-" for null or absent.
std::string cell_text(const nlohmann::json& object, const std::string& key);
// object[key] when it is a string, else "".
std::string string_of(const nlohmann::json& object, const std::string& key);
// object[key], or null when object is not an object or lacks the key.
const nlohmann::json& member(const nlohmann::json& object, const std::string& key);
// object[key] when it is a non-negative number.
std::optional<std::uint64_t> uint_of(const nlohmann::json& object, const std::string& key);

// 420 -> "0.4s", 12345 -> "12.3s", 754000 -> "12m", 7200000 -> "2h".
std::string format_age_ms(std::uint64_t ms);
// Replication lag in seconds: 3 -> "3s", 0.5 -> "0.5s".
std::string format_lag_s(double seconds);
// 12 -> "12 ms", 1500 -> "1.5 s", 125000 -> "2m5s".
std::string format_duration_ms(std::uint64_t ms);
// RFC 3339 both ways: pivot::parse_rfc3339_ms and format_rfc3339_ms
// (pivot/rfc3339.hpp, pivotd's own), found here by the enclosing namespace.
// A duration an operator types: a number and a unit (s, m, h, d), or several
// ("1h30m"), -> milliseconds; nullopt for anything else, for 0 and past a year.
std::optional<std::uint64_t> parse_duration_ms(const std::string& text);
// "2026-11-24T20:15:03.123Z" -> "2026-11-24 20:15:03"; other text unchanged.
std::string short_time(const std::string& rfc3339);
// finished_at - started_at of a step, as a duration; "-" while unfinished.
std::string step_duration(const nlohmann::json& step);
// A cluster's labels as "key=value, key=value" ("" for none).
std::string labels_text(const nlohmann::json& labels);
// Keeps the first max_chars - 3 characters and adds "..." when longer.
std::string shorten(const std::string& text, std::size_t max_chars);

}  // namespace pivot::ctl
