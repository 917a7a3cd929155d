#include "pivot/log.hpp"

#include <cstdlib>
#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace pivot::log {
namespace {

std::mutex g_mutex;
spdlog::level::level_enum g_level = spdlog::level::info;

void append(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out += ' ';
  out += key;
  out += '=';
  out += value;
}

}  // namespace

std::string fields(const Ctx& ctx) {
  std::string out;
  append(out, "cluster", ctx.cluster);
  append(out, "node", ctx.node);
  append(out, "job", ctx.job);
  append(out, "step", ctx.step);
  return out;
}

std::optional<spdlog::level::level_enum> parse_level(std::string_view name) {
  static constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
      {"critical", spdlog::level::critical}, {"off", spdlog::level::off}};
  for (const auto& [key, level] : kLevels) {
    if (key == name) return level;
  }
  return std::nullopt;
}

spdlog::level::level_enum init(std::string_view configured) {
  auto level = spdlog::level::info;
  if (auto from_config = parse_level(configured)) level = *from_config;
  if (const char* env = std::getenv("PIVOT_LOG_LEVEL")) {
    if (auto from_env = parse_level(env)) level = *from_env;
  }
  std::lock_guard lock(g_mutex);
  g_level = level;
  spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
  return level;
}

std::shared_ptr<spdlog::logger> get(const std::string& component) {
  std::lock_guard lock(g_mutex);
  if (auto existing = spdlog::get(component)) return existing;
  // stderr: stdout belongs to command output (pivotctl --json, write_probe's JSON line).
  auto logger = spdlog::stderr_color_mt(component);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%n] %v");
  logger->set_level(g_level);
  logger->flush_on(spdlog::level::warn);
  return logger;
}

}  // namespace pivot::log
