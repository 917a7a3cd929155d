#include "pivot/yaml_reader.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <utility>

namespace pivot::yaml {

void Problems::add(const YAML::Mark& mark, const std::string& key, const std::string& problem) {
  // yaml-cpp counts lines from 0; editors from 1. A null mark has line -1.
  const std::string where = mark.line >= 0 ? filename_ + ":" + std::to_string(mark.line + 1) : filename_;
  lines_.push_back(where + ": " + (key.empty() ? problem : key + ": " + problem));
}

std::string Problems::joined() const {
  std::string out;
  for (const auto& line : lines_) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

MapReader::MapReader(YAML::Node node, std::string path, Problems& problems)
    : node_(std::move(node)), path_(std::move(path)), problems_(&problems), mark_(node_.Mark()) {
  if (!node_.IsMap()) {
    valid_ = false;
    problems_->add(mark_, path_, node_.IsNull() ? "is empty, expected a mapping" : "expected a mapping");
  }
}

std::string MapReader::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

std::optional<YAML::Node> MapReader::lookup(const std::string& key) {
  known_.insert(key);
  if (!valid_) return std::nullopt;
  YAML::Node value = node_[key];
  if (!value.IsDefined()) return std::nullopt;
  return value;
}

std::optional<std::string> MapReader::string(const std::string& key) {
  auto value = lookup(key);
  if (!value) return std::nullopt;
  if (!value->IsScalar()) {
    problems_->add(value->Mark(), key_path(key), "expected a string");
    return std::nullopt;
  }
  return value->Scalar();
}

std::optional<int64_t> MapReader::integer(const std::string& key, int64_t min, int64_t max) {
  auto value = lookup(key);
  if (!value) return std::nullopt;
  const std::string text = value->IsScalar() ? value->Scalar() : std::string();
  int64_t number = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (!value->IsScalar() || text.empty() || ec != std::errc() || ptr != end) {
    problems_->add(value->Mark(), key_path(key), "expected a whole number, got '" + text + "'");
    return std::nullopt;
  }
  if (number < min || number > max) {
    problems_->add(value->Mark(), key_path(key),
                   std::to_string(number) + " is out of range [" + std::to_string(min) + ", " +
                       std::to_string(max) + "]");
    return std::nullopt;
  }
  return number;
}

std::optional<bool> MapReader::boolean(const std::string& key) {
  auto value = lookup(key);
  if (!value) return std::nullopt;
  const std::string text = value->IsScalar() ? value->Scalar() : std::string();
  if (text == "true") return true;
  if (text == "false") return false;
  // YAML 1.1's yes/no/on/off are refused on purpose: one spelling, no surprises.
  problems_->add(value->Mark(), key_path(key), "expected true or false, got '" + text + "'");
  return std::nullopt;
}

std::optional<MapReader> MapReader::map(const std::string& key) {
  auto value = lookup(key);
  if (!value) return std::nullopt;
  MapReader child(*value, key_path(key), *problems_);
  if (!child.valid()) return std::nullopt;
  return child;
}

std::optional<YAML::Node> MapReader::node(const std::string& key) { return lookup(key); }

void MapReader::reject_unknown_keys() {
  if (!valid_) return;
  for (const auto& entry : node_) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string("?");
    if (!known_.count(key)) problems_->add(entry.first.Mark(), key_path(key), "unknown key");
  }
}

std::optional<YAML::Node> load(const std::string& text, Problems& problems) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    problems.add(e.mark, "", "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
}

Result<std::string> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("bad_config", path + ": cannot read the config file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Error config_error(const std::optional<std::string>& path, const std::vector<std::string>& problems) {
  const std::string where = path ? *path + ": " : std::string("command line: ");
  std::string message;
  for (const auto& p : problems) message += (message.empty() ? "" : "\n") + where + p;
  return make_error("bad_config", message);
}

}  // namespace pivot::yaml
