#pragma once
// What the cluster looked like once the probe stopped and replication settled
// (FinalState, filled by final_check.cpp), and the pure judgement of it
// against the recorded acks (FinalVerdict).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ack_analysis.hpp"

namespace pivot::tools {

struct NodeFinal {
  bool reachable = false;
  std::string error;                       // the last thing that failed on this node, if any
  std::optional<bool> read_only;           // @@read_only, read on its own
  std::string gtid_binlog_pos;
  std::optional<bool> settled;             // reached the final primary's position; nullopt: not waited for
  std::optional<std::string> checksum;     // CHECKSUM TABLE of the probe table
  std::optional<std::vector<RowKey>> rows; // this run's rows on this node
};

struct FinalState {
  std::vector<NodeFinal> nodes;  // same order as the probe's node list
  std::int64_t settle_ms = 0;    // time spent waiting for replicas
};

struct FinalVerdict {
  std::vector<int> writable;           // reachable nodes with read_only=0
  std::optional<int> final_primary;    // the one writable node, if exactly one
  std::optional<int> checked_on;       // the node `lost` was measured on
  RowComparison on_checked;            // acked rows missing there, rows in doubt there
  std::vector<std::optional<std::int64_t>> missing_per_node;  // nullopt: rows not read
  bool checksums_equal = false;
  bool settled = false;                // every reachable non-primary reached the primary
  int reachable = 0;
};

// Losses are measured on the one writable node. With several writable nodes
// (a split brain left standing) or none (no primary), on the candidate that
// misses the fewest acknowledged rows: the most optimistic reading, so that a
// reported loss is a loss whatever node ends up primary.
FinalVerdict judge_final(const FinalState& state, const std::vector<Ack>& acks);

}  // namespace pivot::tools
