#pragma once
// The probe's verdict computed from what it recorded: pure functions of the
// acknowledged writes (and, for losses, of the rows read back), no I/O, no
// clock, so that unit tests feed them hand-made timelines.
//
// Times are microseconds since the Unix epoch on the probe's clock (a steady
// clock anchored once to the wall clock, so a wall-clock step cannot fake a
// window).

#include <cstdint>
#include <utility>
#include <vector>

namespace pivot::tools {

// One write the server acknowledged (autocommit INSERT returned OK).
struct Ack {
  std::int64_t seq = 0;       // tick number: every writer sends tick k at the same instant
  int node = 0;               // index into the probe's node list
  std::int64_t sent_us = 0;   // when the INSERT left (also stored in the row)
  std::int64_t acked_us = 0;  // when its OK arrived
};

// The longest interval in which no node acknowledged a write, measured between
// consecutive acknowledgements (by arrival of the OK), the run's first tick and
// its end acting as acknowledgements: a run without a single ack is one window.
struct BlockedWindow {
  std::int64_t length_us = 0;
  std::int64_t from_us = 0;
  std::int64_t to_us = 0;
  bool from_start = false;  // no write had been acknowledged before it
  bool until_end = false;   // writes never came back before the run ended
};

// A tick at which more than one node acknowledged a write: two primaries.
struct SplitBrainTick {
  std::int64_t seq = 0;
  std::vector<int> nodes;  // ascending node indexes
};

struct AckAnalysis {
  std::int64_t acked = 0;
  std::vector<std::int64_t> acked_per_node;
  BlockedWindow blocked;
  std::vector<BlockedWindow> gaps;                // the longest over GapListing::over_us, in time order
  std::vector<SplitBrainTick> split_brain_ticks;  // ascending seq
  std::vector<int> split_brain_nodes;             // every node seen in one, ascending
};

// Which stalls to list beside the longest: a caller that knows when its own
// operation ran (bench/pivot: the job's fence to its hook) finds that
// operation's window among them, apart from stalls the machine made alone.
struct GapListing {
  std::int64_t over_us = 0;   // list intervals longer than this (the probe: 1.5 ticks, a missed tick)
  std::size_t max_count = 0;  // the longest this many; 0: none
};

// start_us: the first tick; end_us: when the probe stopped writing.
AckAnalysis analyze_acks(const std::vector<Ack>& acks, int node_count, std::int64_t start_us, std::int64_t end_us,
                         const GapListing& listing = {});

// A probe row as read back from a server: (seq, node index).
using RowKey = std::pair<std::int64_t, int>;

struct RowComparison {
  std::vector<RowKey> missing;  // acknowledged, absent: lost writes (ascending)
  std::int64_t in_doubt = 0;    // present, never acknowledged: committed but the OK
                                // did not arrive (killed session, timeout); not a loss
};

RowComparison compare_rows(const std::vector<Ack>& acks, std::vector<RowKey> present);

}  // namespace pivot::tools
