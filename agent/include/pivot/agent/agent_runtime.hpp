#pragma once
// AgentRuntime: the event loop of pivot-agent. It owns the events socket and
// the timers; the ProbeWorker does the blocking MySQL calls. The loop keeps
// its own time, so heartbeats go on (saying mysql_reachable=false and why)
// while a probe hangs in a stopped server.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "pivot/agent/agent_config.hpp"

namespace pivot::agent {

struct RuntimeOptions {
  AgentConfig config;
  std::optional<std::string> config_path;  // re-read on SIGHUP
  AgentOverrides overrides;                // re-applied on SIGHUP
  std::string agent_version;
};

// Runs until SIGTERM or SIGINT. Returns the exit code; a worker stuck in a
// hung server is not waited for (the caller must then _exit, see main).
int run_agent(const RuntimeOptions& options, bool& worker_stuck);

}  // namespace pivot::agent
