#include "pivot/controller/agent_keys.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>

#include <zmq.h>

#include "pivot/curve_keys.hpp"
#include "pivot/protocol/names.hpp"

namespace pivot::controller {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSuffix = ".pub";

// "sms-1.db2.pub" -> {sms-1, db2}, or the problem with the name.
Result<AgentIdentity> identity_of(const fs::path& path) {
  const std::string name = path.filename().string();
  const std::string stem = name.substr(0, name.size() - kSuffix.size());
  const auto dot = stem.find('.');
  if (dot == std::string::npos || stem.find('.', dot + 1) != std::string::npos) {
    return make_error("bad_agent_key", "key file '" + path.string() + "' is not named <cluster>.<node>.pub");
  }
  AgentIdentity identity{stem.substr(0, dot), stem.substr(dot + 1)};
  for (const auto& [value, what] : {std::pair{&identity.cluster, "cluster"}, std::pair{&identity.node, "node"}}) {
    if (auto valid = protocol::validate_name(*value, what); !valid) {
      return make_error("bad_agent_key", "key file '" + path.string() + "': " + valid.error().message);
    }
  }
  return identity;
}

// read_key_file checks the length; this checks that it decodes (Z85 alphabet).
bool is_z85_key(const std::string& key) {
  std::uint8_t binary[32];
  return zmq_z85_decode(binary, key.c_str()) != nullptr;
}

}  // namespace

AgentKeysLoad load_agent_keys(const std::string& dir) {
  AgentKeysLoad load;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > kSuffix.size() && name.ends_with(kSuffix) && !it->is_directory()) files.push_back(it->path());
  }
  if (ec) {
    load.problems.push_back("agent keys dir '" + dir + "' cannot be read: " + ec.message());
    return load;
  }
  // In name order, so that problems and "same key as" read the same every run.
  std::sort(files.begin(), files.end());
  std::map<std::string, fs::path> file_of_key;
  for (const auto& path : files) {
    auto identity = identity_of(path);
    if (!identity) {
      load.problems.push_back(identity.error().message);
      continue;
    }
    auto key = curve::read_key_file(path.string());
    if (!key) {
      load.problems.push_back(key.error().message);
      continue;
    }
    if (!is_z85_key(*key)) {
      load.problems.push_back("key file '" + path.string() + "' does not hold a Z85 public key");
      continue;
    }
    if (auto [first, inserted] = file_of_key.emplace(*key, path); !inserted) {
      load.problems.push_back("key file '" + path.string() + "' holds the same key as '" + first->second.string() +
                              "': each agent needs its own key pair");
      continue;
    }
    load.keys.emplace(*key, std::move(*identity));
  }
  return load;
}

}  // namespace pivot::controller
