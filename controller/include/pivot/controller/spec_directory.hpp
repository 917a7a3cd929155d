#pragma once
// Loads every cluster spec of a directory (`clusters_dir`): *.yaml and *.yml,
// in name order. A bad spec is refused with its problems and the others load,
// so that one typo in one shard's file does not take every cluster away. A
// spec that loads but whose layout can never satisfy its policy is warned about.

#include <map>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec_yaml.hpp"

namespace pivot::controller {

struct SpecDirectory {
  std::map<std::string, ClusterSpec> specs;  // by cluster name
  std::vector<std::string> problems;         // "FILE:LINE: key: problem", one per entry
  std::vector<std::string> refused_files;    // files with at least one problem
  // A loaded spec whose own policy its layout can never satisfy
  // (spec_layout.hpp): by cluster name, "FILE: key: warning" each. The spec
  // loads anyway; --check-config prints these and a start or reload logs them.
  std::map<std::string, std::vector<std::string>> warnings;
  std::map<std::string, std::string> file_of;  // loaded cluster name -> the file that defined it
};

// The real hook check: the path is absolute, exists, is a regular file and executable.
std::optional<std::string> check_hook_executable(const std::string& path);

SpecDirectory load_spec_directory(const std::string& dir, const HookCheck& check_hook = check_hook_executable);

// A reload whose file for a loaded cluster is refused keeps that cluster's
// loaded spec in `reloaded` (and returns the clusters kept): a typo saved
// into a spec must not take a cluster from pivotd's watch, its automatic
// failover included, until someone notices. A file removed, or a cluster
// renamed in a valid file, still drops the cluster: that is a decision.
std::vector<std::string> keep_loaded_specs_of_refused_files(const SpecDirectory& loaded, SpecDirectory& reloaded);

}  // namespace pivot::controller
