#pragma once
// The probe's one JSON line (keys documented in docs/write_probe.md) and its
// exit code, built from plain data so that unit tests can check both.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ack_analysis.hpp"
#include "final_verdict.hpp"

namespace pivot::tools {

// What one node's writer counted (acks themselves are kept apart).
struct WriterStats {
  std::int64_t attempts = 0;          // INSERTs sent
  std::int64_t failed = 0;            // INSERTs that got an error (read_only included)
  std::int64_t connect_failures = 0;  // connection attempts that failed
  std::string last_error;             // the latest error text, empty when none
};

// --proxy: the one writer, writing through a proxy. Its acks and rows carry
// the index node_names.size().
struct ProxyWriter {
  std::string name;  // host:port, as the rows name it
  WriterStats stats;
};

struct ReportInput {
  std::vector<std::string> node_names;
  std::vector<WriterStats> writers;  // per node
  std::string mode;                  // "all_nodes", "route" or "proxy"
  std::optional<ProxyWriter> proxy;  // --proxy
  std::int64_t interval_ms = 0;
  std::int64_t first_seq = 0;  // this run's ticks (the rows' seq values)
  std::int64_t last_seq = 0;
  std::int64_t start_us = 0;   // first tick
  std::int64_t end_us = 0;    // stop
  AckAnalysis analysis;
  FinalState final_state;
  FinalVerdict verdict;
  std::size_t max_listed = 20;  // longest list of lost rows / split-brain ticks printed
};

enum ExitCode : int {
  kExitClean = 0,
  kExitLostOrSplit = 1,  // lost writes, split brain, or no writable node at the end
  kExitUsage = 2,
  kExitCouldNotRun = 3,  // nothing to write to, table missing, nothing reachable at the end
};

// "2026-11-24T17:54:33.123Z" (UTC, milliseconds).
std::string rfc3339_ms(std::int64_t epoch_us);

// split_brain: two nodes acknowledged the same tick, or several nodes were
// writable at the end (the only way a routed client can see it).
bool split_brain(const ReportInput& in);

int exit_code_for(const ReportInput& in);

nlohmann::ordered_json build_report(const ReportInput& in);

}  // namespace pivot::tools
