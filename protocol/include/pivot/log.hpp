#pragma once
// pivot::log: one named spdlog logger per component, one line per event with
// key=value fields (cluster= node= job= step=). Never pass a secret in a field.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace pivot::log {

// Identifies what an event is about; empty fields are left out of the line.
struct Ctx {
  std::string_view cluster = {};
  std::string_view node = {};
  std::string_view job = {};
  std::string_view step = {};
};

// " cluster=sms-1 node=db2 job=j-7" (leading space; empty when ctx is empty).
std::string fields(const Ctx& ctx);

// Parses "trace|debug|info|warn|error|critical|off".
std::optional<spdlog::level::level_enum> parse_level(std::string_view name);

// Sets the level of every pivot logger: PIVOT_LOG_LEVEL wins when set and
// valid, else `configured`, else info. Returns the level chosen.
spdlog::level::level_enum init(std::string_view configured = {});

// The logger of a component ("agent.probe", "pivotd.bus", ...), created on
// first use with the project's pattern and the current level.
std::shared_ptr<spdlog::logger> get(const std::string& component);

// logger.info/warn/... with the context fields appended to the message.
template <typename... Args>
void event(spdlog::logger& logger, spdlog::level::level_enum level, const Ctx& ctx,
           fmt::format_string<Args...> format, Args&&... args) {
  if (!logger.should_log(level)) return;
  logger.log(level, "{}{}", fmt::format(format, std::forward<Args>(args)...), fields(ctx));
}

}  // namespace pivot::log
