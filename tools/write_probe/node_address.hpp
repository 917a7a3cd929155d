#pragma once
// A MySQL server as the probe names it: "host:port". The same text is the value
// of the probe table's `node` column and the node's name in the report.

#include <string>
#include <vector>

#include "pivot/result.hpp"

namespace pivot::tools {

struct NodeAddress {
  std::string host;
  int port = 0;

  std::string name() const { return host + ":" + std::to_string(port); }
};

bool operator==(const NodeAddress& a, const NodeAddress& b);

// Parses "host:port" (host: letters, digits, '.', '-', '_'; port 1-65535).
// The name goes verbatim into SQL text, hence the narrow alphabet.
// Error code: bad_node.
Result<NodeAddress> parse_node_address(const std::string& text);

// Parses "h:p,h:p,..." (spaces around commas allowed). Error code: bad_node.
Result<std::vector<NodeAddress>> parse_node_list(const std::string& text);

}  // namespace pivot::tools
