// libFuzzer target for the cluster spec parser: a spec file is operator input
// that pivotd reads at start and on every SIGHUP, so no text may crash it.
// Beyond "no crash, no leak, no UB" it checks what a spec that parses must
// hold: at least one node, names unique, at most one expected primary.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/cluster_spec_yaml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pivot::controller;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto accept_hooks = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto spec = parse_cluster_spec(text, "fuzz.yaml", accept_hooks);
  if (!spec) return 0;
  std::set<std::string> names;
  int primaries = 0;
  for (const auto& node : spec->nodes) {
    if (!names.insert(node.name).second) {
      std::fprintf(stderr, "fuzz_spec: duplicate node %s accepted\n", node.name.c_str());
      std::abort();
    }
    primaries += node.role == Role::primary;
  }
  if (spec->nodes.empty() || primaries > 1) {
    std::fprintf(stderr, "fuzz_spec: %zu nodes, %d primaries accepted\n", spec->nodes.size(), primaries);
    std::abort();
  }
  return 0;
}
