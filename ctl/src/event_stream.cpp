#include "pivot/ctl/event_stream.hpp"

#include "pivot/ctl/sse_parser.hpp"

namespace pivot::ctl {

std::optional<ApiError> EventStream::read(const StreamHandlers& handlers) {
  SseParser parser;
  bool opened = false;
  const bool resumed = !last_id_.empty();
  return api_.stream(
      target_,
      [&](std::string_view bytes) {
        if (!opened) {
          opened = true;
          if (handlers.on_open && !handlers.on_open(resumed)) return false;
        }
        for (auto& event : parser.feed(bytes)) {
          // Counted as handled once handed over: a resume starts after it.
          if (!event.id.empty()) last_id_ = event.id;
          auto data = nlohmann::json::parse(event.data, nullptr, /*allow_exceptions=*/false);
          if (!data.is_object()) continue;
          if (handlers.on_event && !handlers.on_event(event.type, std::move(data))) return false;
        }
        return !handlers.on_tick || handlers.on_tick();
      },
      last_id_);
}

}  // namespace pivot::ctl
