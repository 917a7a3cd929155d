#include "ack_analysis.hpp"

#include <algorithm>

namespace pivot::tools {
namespace {

BlockedWindow longest_gap(std::vector<std::int64_t> times, std::int64_t start_us, std::int64_t end_us) {
  std::sort(times.begin(), times.end());
  // A write acknowledged after the stop (a writer finishing its last INSERT)
  // still counts; the run then ends with it.
  if (!times.empty()) end_us = std::max(end_us, times.back());
  BlockedWindow best;
  std::int64_t previous = start_us;
  bool first = true;
  auto consider = [&](std::int64_t t, bool is_end) {
    if (t - previous > best.length_us) {
      best = BlockedWindow{t - previous, previous, t, first, is_end};
    }
    previous = std::max(previous, t);
    first = false;
  };
  for (std::int64_t t : times) consider(std::max(t, start_us), false);
  consider(end_us, true);
  return best;
}

std::vector<SplitBrainTick> ticks_with_several_nodes(std::vector<Ack> acks) {
  std::sort(acks.begin(), acks.end(), [](const Ack& a, const Ack& b) {
    return a.seq != b.seq ? a.seq < b.seq : a.node < b.node;
  });
  std::vector<SplitBrainTick> ticks;
  for (std::size_t i = 0; i < acks.size();) {
    std::size_t j = i;
    std::vector<int> nodes;
    for (; j < acks.size() && acks[j].seq == acks[i].seq; ++j) {
      if (nodes.empty() || nodes.back() != acks[j].node) nodes.push_back(acks[j].node);
    }
    if (nodes.size() > 1) ticks.push_back(SplitBrainTick{acks[i].seq, std::move(nodes)});
    i = j;
  }
  return ticks;
}

}  // namespace

AckAnalysis analyze_acks(const std::vector<Ack>& acks, int node_count, std::int64_t start_us,
                         std::int64_t end_us) {
  AckAnalysis out;
  out.acked = static_cast<std::int64_t>(acks.size());
  out.acked_per_node.assign(static_cast<std::size_t>(std::max(node_count, 0)), 0);
  std::vector<std::int64_t> times;
  times.reserve(acks.size());
  for (const Ack& ack : acks) {
    times.push_back(ack.acked_us);
    if (ack.node >= 0 && ack.node < node_count) ++out.acked_per_node[static_cast<std::size_t>(ack.node)];
  }
  out.blocked = longest_gap(std::move(times), start_us, end_us);
  out.split_brain_ticks = ticks_with_several_nodes(acks);
  for (const auto& tick : out.split_brain_ticks) {
    out.split_brain_nodes.insert(out.split_brain_nodes.end(), tick.nodes.begin(), tick.nodes.end());
  }
  std::sort(out.split_brain_nodes.begin(), out.split_brain_nodes.end());
  out.split_brain_nodes.erase(std::unique(out.split_brain_nodes.begin(), out.split_brain_nodes.end()),
                              out.split_brain_nodes.end());
  return out;
}

RowComparison compare_rows(const std::vector<Ack>& acks, std::vector<RowKey> present) {
  std::vector<RowKey> acked;
  acked.reserve(acks.size());
  for (const Ack& ack : acks) acked.emplace_back(ack.seq, ack.node);
  std::sort(acked.begin(), acked.end());
  acked.erase(std::unique(acked.begin(), acked.end()), acked.end());
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());

  RowComparison out;
  std::set_difference(acked.begin(), acked.end(), present.begin(), present.end(),
                      std::back_inserter(out.missing));
  std::vector<RowKey> unacked;
  std::set_difference(present.begin(), present.end(), acked.begin(), acked.end(),
                      std::back_inserter(unacked));
  out.in_doubt = static_cast<std::int64_t>(unacked.size());
  return out;
}

}  // namespace pivot::tools
