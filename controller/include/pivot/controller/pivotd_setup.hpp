#pragma once
// Everything pivotd reads before it starts, loaded and checked in one place so
// that `pivotd --check-config` and a real start agree on what is wrong.

#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/agent_keys.hpp"
#include "pivot/controller/pivotd_config.hpp"
#include "pivot/controller/spec_directory.hpp"
#include "pivot/controller/tokens.hpp"

namespace pivot::controller {

struct PivotdSetup {
  PivotdConfig config;
  SpecDirectory clusters;
  AgentKeys agent_keys;                  // empty when insecure
  std::optional<Tokens> tokens;          // nullopt when insecure
  std::optional<std::string> secret_key; // Z85; nullopt when insecure
  // Problems that stop pivotd from starting (config, key, tokens).
  std::vector<std::string> fatal;
  // Problems that refuse one spec or agent key file and let the rest run.
  std::vector<std::string> refused;
};

// Loads pivotd.yaml (+ flags), the clusters dir, the agent keys, the tokens
// file and the CURVE key. Never throws; a config that cannot be read leaves
// the rest unloaded and says so in `fatal`.
PivotdSetup load_pivotd_setup(const std::optional<std::string>& config_path, const PivotdOverrides& overrides);

}  // namespace pivot::controller
