#pragma once
// --route FILE: the file stands in for a proxy and names the one host:port a
// client should write to, on its last complete line (route_text.hpp). It is
// read once per tick and the answer shared by every writer, so a change of
// route never makes two writers think they are the target of the same tick.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "node_address.hpp"

namespace pivot::tools {

class RouteFile {
 public:
  RouteFile(std::string path, std::vector<NodeAddress> nodes);

  // The index of the node the file names at this tick; nullopt when the file
  // is missing, empty, or names a node outside the probe's list.
  std::optional<int> target_for(std::int64_t tick);

 private:
  std::optional<int> read_target();

  std::string path_;
  std::vector<NodeAddress> nodes_;
  std::mutex mutex_;
  std::map<std::int64_t, std::optional<int>> recent_;  // a few ticks back, for late writers
  std::string last_text_;                              // to log a change once
};

}  // namespace pivot::tools
