#pragma once
// Where pivotd listens: `--controller URL`, `PIVOT_CONTROLLER`, or the default.

#include <cstdint>
#include <string>

#include "pivot/result.hpp"

namespace pivot::ctl {

inline constexpr const char* kDefaultController = "http://127.0.0.1:7780";

struct ControllerUrl {
  std::string text;       // as given, for messages ("cannot reach pivotd at ...")
  std::string host;       // name or address, IPv6 without brackets
  std::uint16_t port = 7780;
  std::string base_path;  // prefix before /v1 when pivotd sits behind a proxy; "" or "/x" (no trailing slash)
};

// http://HOST[:PORT][/PREFIX]; the scheme may be left out. https is refused
// (pivotctl speaks plain HTTP: run it on the controller host or through a tunnel).
Result<ControllerUrl> parse_controller_url(const std::string& text);

}  // namespace pivot::ctl
