#include "pivot/ctl/controller_url.hpp"

#include <charconv>

namespace pivot::ctl {

namespace {

Error bad_url(const std::string& text, const std::string& why) {
  return make_error("bad_url", "--controller '" + text + "': " + why + " (expected http://HOST:PORT)");
}

}  // namespace

Result<ControllerUrl> parse_controller_url(const std::string& text) {
  ControllerUrl url;
  url.text = text;
  std::string rest = text;
  if (const auto scheme = rest.find("://"); scheme != std::string::npos) {
    const std::string name = rest.substr(0, scheme);
    if (name == "https") return bad_url(text, "https is not supported; reach pivotd over plain HTTP or a tunnel");
    if (name != "http") return bad_url(text, "unknown scheme '" + name + "'");
    rest = rest.substr(scheme + 3);
  }
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    url.base_path = rest.substr(slash);
    while (!url.base_path.empty() && url.base_path.back() == '/') url.base_path.pop_back();
  }
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {  // [::1]:7780
    const auto close = authority.find(']');
    if (close == std::string::npos) return bad_url(text, "unclosed '['");
    url.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(text, "unexpected '" + after + "'");
      port_text = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    url.host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  } else {
    url.host = authority;
  }
  if (url.host.empty()) return bad_url(text, "no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return bad_url(text, "bad port '" + port_text + "'");
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

}  // namespace pivot::ctl
