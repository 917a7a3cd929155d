#include "pivot/endpoint.hpp"

#include <charconv>

namespace pivot {
namespace {

Error bad(const std::string& text, const std::string& why) {
  return make_error("bad_endpoint", "'" + text + "' is not a tcp://HOST:PORT endpoint: " + why);
}

bool parse_octet(const std::string& s, size_t& pos, int& out) {
  size_t start = pos;
  while (pos < s.size() && pos - start < 3 && s[pos] >= '0' && s[pos] <= '9') ++pos;
  if (pos == start) return false;
  out = std::stoi(s.substr(start, pos - start));
  return out <= 255;
}

}  // namespace

Result<TcpEndpoint> parse_tcp_endpoint(const std::string& text) {
  const std::string scheme = "tcp://";
  if (text.rfind(scheme, 0) != 0) return bad(text, "it must start with tcp://");
  std::string rest = text.substr(scheme.size());
  TcpEndpoint endpoint;
  std::string port_text;
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      return bad(text, "an IPv6 address is written [ADDR]:PORT");
    endpoint.host = rest.substr(1, close - 1);
    port_text = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) return bad(text, "the port is missing");
    endpoint.host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (endpoint.host.find(':') != std::string::npos)
      return bad(text, "write an IPv6 address in brackets");
  }
  if (endpoint.host.empty()) return bad(text, "the host is missing");
  unsigned port = 0;
  const char* end = port_text.data() + port_text.size();
  auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
  if (port_text.empty() || ec != std::errc() || ptr != end || port == 0 || port > 65535)
    return bad(text, "the port must be a number from 1 to 65535");
  endpoint.port = static_cast<uint16_t>(port);
  return endpoint;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8, written as a full dotted quad.
  size_t pos = 0;
  int octet = 0;
  for (int i = 0; i < 4; ++i) {
    if (!parse_octet(host, pos, octet)) return false;
    if (i == 0 && octet != 127) return false;
    if (i < 3) {
      if (pos >= host.size() || host[pos] != '.') return false;
      ++pos;
    }
  }
  return pos == host.size();
}

}  // namespace pivot
