#include "node_address.hpp"

#include <cctype>

namespace pivot::tools {
namespace {

bool valid_host(const std::string& host) {
  if (host.empty() || host.size() > 48) return false;  // node VARCHAR(64) holds host:port
  for (char c : host) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

bool operator==(const NodeAddress& a, const NodeAddress& b) {
  return a.host == b.host && a.port == b.port;
}

Result<NodeAddress> parse_node_address(const std::string& raw) {
  const std::string text = trim(raw);
  const auto colon = text.rfind(':');
  auto bad = [&](const std::string& why) {
    return make_error("bad_node", "node '" + text + "' " + why + " (expected host:port, e.g. 127.0.0.1:3306)");
  };
  if (colon == std::string::npos) return bad("has no port");
  NodeAddress node;
  node.host = text.substr(0, colon);
  if (!valid_host(node.host)) return bad("has an invalid host");
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    return bad("has an invalid port");
  }
  node.port = std::stoi(port);
  if (node.port < 1 || node.port > 65535) return bad("has a port out of range");
  return node;
}

Result<std::vector<NodeAddress>> parse_node_list(const std::string& text) {
  std::vector<NodeAddress> nodes;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto end = comma == std::string::npos ? text.size() : comma;
    auto node = parse_node_address(text.substr(start, end - start));
    if (!node) return node.error();
    nodes.push_back(std::move(*node));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return nodes;
}

}  // namespace pivot::tools
