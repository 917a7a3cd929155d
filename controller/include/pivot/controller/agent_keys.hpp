#pragma once
// The agents pivotd admits (--agent-keys DIR): one file <cluster>.<node>.pub
// per agent, holding that agent's CURVE public key (its agent.pub, copied
// under that name). pivotd's ZAP handler admits only these keys and names the
// node each belongs to, so that an agent cannot speak for another.

#include <map>
#include <string>
#include <vector>

namespace pivot::controller {

struct AgentIdentity {
  std::string cluster;
  std::string node;
  // "<cluster>.<node>": the ZAP User-Id, which ZeroMQ attaches to every
  // message received from that key (names have no dots, so it is unambiguous).
  std::string user_id() const { return cluster + "." + node; }
  bool operator==(const AgentIdentity&) const = default;
};

// Z85 public key (40 characters) -> the agent it belongs to.
using AgentKeys = std::map<std::string, AgentIdentity>;

struct AgentKeysLoad {
  AgentKeys keys;                     // every well-formed file
  std::vector<std::string> problems;  // one sentence per bad file, naming it; empty when all is well
  bool ok() const { return problems.empty(); }
};

// Reads every *.pub file of dir (other files are not keys and are skipped).
// A badly named file, a bad key, or a key listed twice is a problem naming
// the file; all are reported at once, so `pivotd --check-config` prints them
// all. A missing or unreadable dir is one problem.
AgentKeysLoad load_agent_keys(const std::string& dir);

}  // namespace pivot::controller
