#include "pivot/controller/pivotd_setup.hpp"

#include "pivot/curve_keys.hpp"

namespace pivot::controller {

PivotdSetup load_pivotd_setup(const std::optional<std::string>& config_path, const PivotdOverrides& overrides) {
  PivotdSetup setup;
  auto config = load_pivotd_config(config_path, overrides);
  if (!config) {
    setup.fatal.push_back(config.error().message);
    return setup;
  }
  setup.config = std::move(config).value();
  const auto& c = setup.config;
  setup.clusters = load_spec_directory(c.clusters_dir);
  setup.refused = setup.clusters.problems;
  if (c.insecure) return setup;

  // A wrong key or token file is fatal: half an authentication is none.
  if (auto secret = curve::read_key_file(c.key); !secret) {
    setup.fatal.push_back("key: " + secret.error().message);
  } else if (auto pub = curve::public_of(*secret); !pub) {
    setup.fatal.push_back("key: " + c.key + ": " + pub.error().message);
  } else {
    setup.secret_key = *secret;
  }
  if (auto tokens = Tokens::load(c.tokens_file); !tokens) {
    setup.fatal.push_back(tokens.error().message);
  } else {
    setup.tokens = std::move(tokens).value();
  }
  auto keys = load_agent_keys(c.agent_keys);
  // Like a bad spec: that agent is not admitted, the others are.
  for (auto& problem : keys.problems) setup.refused.push_back("agent_keys: " + problem);
  setup.agent_keys = std::move(keys.keys);
  return setup;
}

}  // namespace pivot::controller
