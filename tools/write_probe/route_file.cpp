#include "route_file.hpp"

#include <fstream>
#include <sstream>

#include "pivot/log.hpp"
#include "route_text.hpp"

namespace pivot::tools {
namespace {
constexpr std::size_t kTicksKept = 64;
}

RouteFile::RouteFile(std::string path, std::vector<NodeAddress> nodes)
    : path_(std::move(path)), nodes_(std::move(nodes)) {}

std::optional<int> RouteFile::target_for(std::int64_t tick) {
  std::lock_guard lock(mutex_);
  if (auto it = recent_.find(tick); it != recent_.end()) return it->second;
  const auto target = read_target();
  recent_.emplace(tick, target);
  if (recent_.size() > kTicksKept) recent_.erase(recent_.begin());
  return target;
}

std::optional<int> RouteFile::read_target() {
  std::ifstream in(path_);
  std::ostringstream whole;
  whole << in.rdbuf();
  const std::string text = route_line(whole.str());
  const bool changed = text != last_text_;
  last_text_ = text;
  auto log = pivot::log::get("write_probe");
  if (text.empty()) {
    if (changed) log->warn("route file names no node: writes paused path={}", path_);
    return std::nullopt;
  }
  auto named = parse_node_address(text);
  for (std::size_t i = 0; named && i < nodes_.size(); ++i) {
    if (nodes_[i] == *named) {
      if (changed) log->info("route now names node={}", named->name());
      return static_cast<int>(i);
    }
  }
  if (changed) log->warn("route file names '{}', not one of --node: writes paused path={}", text, path_);
  return std::nullopt;
}

}  // namespace pivot::tools
