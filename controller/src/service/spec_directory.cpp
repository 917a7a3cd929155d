#include "pivot/controller/spec_directory.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pivot/controller/cluster_spec_yaml.hpp"
#include "pivot/controller/spec_layout.hpp"

namespace pivot::controller {
namespace fs = std::filesystem;

std::optional<std::string> check_hook_executable(const std::string& path) {
  if (path.empty() || path.front() != '/') return "must be an absolute path";
  std::error_code ec;
  if (!fs::exists(path, ec)) return "no such file";
  if (!fs::is_regular_file(path, ec)) return "not a regular file";
  if (::access(path.c_str(), X_OK) != 0) return "not executable";
  return std::nullopt;
}

SpecDirectory load_spec_directory(const std::string& dir, const HookCheck& check_hook) {
  SpecDirectory out;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto ext = it->path().extension();
    if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) {
    out.problems.push_back(dir + ": cannot list the clusters dir: " + ec.message());
    return out;
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::string> file_of;  // cluster name -> file that defined it
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      out.problems.push_back(file.string() + ": cannot read");
      out.refused_files.push_back(file.string());
      continue;
    }
    auto spec = parse_cluster_spec(text.str(), file.string(), check_hook);
    if (!spec) {
      std::istringstream lines(spec.error().message);
      for (std::string line; std::getline(lines, line);) out.problems.push_back(line);
      out.refused_files.push_back(file.string());
      continue;
    }
    if (auto seen = file_of.find(spec->name); seen != file_of.end()) {
      // Two files for one cluster: the first (in name order) stays, the later one
      // is refused, so a copy left behind never silently replaces a spec.
      out.problems.push_back(file.string() + ": cluster '" + spec->name + "' is already defined in " + seen->second);
      out.refused_files.push_back(file.string());
      continue;
    }
    file_of[spec->name] = file.string();
    for (const auto& w : layout_warnings(*spec)) {
      out.warnings[spec->name].push_back(file.string() + ": " + w.key + ": " + w.message);
    }
    out.specs.emplace(spec->name, std::move(spec).value());
  }
  out.file_of = std::move(file_of);
  return out;
}

std::vector<std::string> keep_loaded_specs_of_refused_files(const SpecDirectory& loaded, SpecDirectory& reloaded) {
  std::vector<std::string> kept;
  for (const auto& [cluster, file] : loaded.file_of) {
    const bool refused =
        std::find(reloaded.refused_files.begin(), reloaded.refused_files.end(), file) != reloaded.refused_files.end();
    if (!refused || reloaded.specs.count(cluster) != 0) continue;
    auto spec = loaded.specs.find(cluster);
    if (spec == loaded.specs.end()) continue;
    reloaded.specs.emplace(cluster, spec->second);
    reloaded.file_of.emplace(cluster, file);
    kept.push_back(cluster);
  }
  return kept;
}

}  // namespace pivot::controller
