#pragma once
// Reads a YAML mapping strictly, collecting every problem as
// "FILE:LINE: key.path: problem" instead of stopping at the first one: an
// operator fixing a config wants the whole list. Unknown keys are problems
// (a typo must never silently fall back to a default). Used by agent.yaml,
// pivotd.yaml and the cluster specs.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "pivot/result.hpp"

namespace pivot::yaml {

class Problems {
 public:
  explicit Problems(std::string filename) : filename_(std::move(filename)) {}
  void add(const YAML::Mark& mark, const std::string& key, const std::string& problem);
  void add(const std::string& problem) { lines_.push_back(filename_ + ": " + problem); }
  bool empty() const { return lines_.empty(); }
  const std::vector<std::string>& lines() const { return lines_; }
  std::string joined() const;  // one problem per line
  const std::string& filename() const { return filename_; }

 private:
  std::string filename_;
  std::vector<std::string> lines_;
};

class MapReader {
 public:
  // `path` prefixes key names in messages ("mysql" -> "mysql.port").
  MapReader(YAML::Node node, std::string path, Problems& problems);

  bool valid() const { return valid_; }
  const YAML::Mark& mark() const { return mark_; }

  std::optional<std::string> string(const std::string& key);
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max);
  std::optional<bool> boolean(const std::string& key);
  std::optional<MapReader> map(const std::string& key);
  // The raw node of a key (marked known), for sequences and free-form maps.
  std::optional<YAML::Node> node(const std::string& key);

  // Reports every key that no getter asked for. Call once, after the getters.
  void reject_unknown_keys();

  std::string key_path(const std::string& key) const;
  Problems& problems() { return *problems_; }

 private:
  std::optional<YAML::Node> lookup(const std::string& key);

  YAML::Node node_;
  std::string path_;
  Problems* problems_;
  YAML::Mark mark_;
  std::set<std::string> known_;
  bool valid_ = true;
};

// Copies a value read by a getter into a config field, leaving the field's
// default when the key was absent or had a problem.
template <typename T, typename Field>
void set_if(std::optional<T> value, Field& field) {
  if (value) field = static_cast<Field>(std::move(*value));
}

// Loads a YAML document from text; a syntax error becomes a problem with its line.
std::optional<YAML::Node> load(const std::string& text, Problems& problems);

// The text of a config file; error bad_config "PATH: cannot read the config file".
Result<std::string> read_config_file(const std::string& path);

// One bad_config error from the problems of a loaded config, one per line,
// each prefixed with the file it came from (or "command line: ").
Error config_error(const std::optional<std::string>& path, const std::vector<std::string>& problems);

}  // namespace pivot::yaml
