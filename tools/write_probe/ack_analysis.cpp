#include "ack_analysis.hpp"

#include <algorithm>

namespace pivot::tools {
namespace {

// Every interval between consecutive acknowledgements, in time order, the
// first tick and the end acting as acknowledgements.
std::vector<BlockedWindow> intervals(std::vector<std::int64_t> times, std::int64_t start_us, std::int64_t end_us) {
  std::sort(times.begin(), times.end());
  // A write acknowledged after the stop (a writer finishing its last INSERT)
  // still counts; the run then ends with it.
  if (!times.empty()) end_us = std::max(end_us, times.back());
  std::vector<BlockedWindow> out;
  out.reserve(times.size() + 1);
  std::int64_t previous = start_us;
  auto add = [&](std::int64_t t, bool is_end) {
    out.push_back(
        BlockedWindow{std::max<std::int64_t>(t - previous, 0), previous, std::max(previous, t), out.empty(), is_end});
    previous = std::max(previous, t);
  };
  for (std::int64_t t : times) add(std::max(t, start_us), false);
  add(end_us, true);
  return out;
}

// The first of the longest (a run without acks is one window).
BlockedWindow longest(const std::vector<BlockedWindow>& all) {
  BlockedWindow best;
  for (const auto& w : all) {
    if (w.length_us > best.length_us) best = w;
  }
  return best;
}

// The `max_count` longest intervals over `over_us`, in time order.
std::vector<BlockedWindow> longest_over(std::vector<BlockedWindow> all, std::int64_t over_us, std::size_t max_count) {
  std::erase_if(all, [&](const BlockedWindow& w) { return w.length_us <= over_us; });
  std::stable_sort(all.begin(), all.end(),
                   [](const BlockedWindow& a, const BlockedWindow& b) { return a.length_us > b.length_us; });
  if (all.size() > max_count) all.resize(max_count);
  std::stable_sort(all.begin(), all.end(),
                   [](const BlockedWindow& a, const BlockedWindow& b) { return a.from_us < b.from_us; });
  return all;
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

AckAnalysis analyze_acks(const std::vector<Ack>& acks, int node_count, std::int64_t start_us, std::int64_t end_us,
                         const GapListing& listing) {
  AckAnalysis out;
  out.acked = static_cast<std::int64_t>(acks.size());
  out.acked_per_node.assign(static_cast<std::size_t>(std::max(node_count, 0)), 0);
  std::vector<std::int64_t> times;
  times.reserve(acks.size());
  for (const Ack& ack : acks) {
    times.push_back(ack.acked_us);
    if (ack.node >= 0 && ack.node < node_count) ++out.acked_per_node[static_cast<std::size_t>(ack.node)];
  }
  auto all = intervals(std::move(times), start_us, end_us);
  out.blocked = longest(all);
  if (listing.max_count > 0) out.gaps = longest_over(std::move(all), listing.over_us, listing.max_count);
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
