#include "route_text.hpp"

namespace pivot::tools {

std::string route_line(std::string_view text) {
  constexpr auto npos = std::string_view::npos;
  const auto end = text.rfind('\n');
  if (end == npos) return std::string(text);
  const auto before = end == 0 ? npos : text.rfind('\n', end - 1);
  const auto from = before == npos ? 0 : before + 1;
  return std::string(text.substr(from, end - from));
}

}  // namespace pivot::tools
