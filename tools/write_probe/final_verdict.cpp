#include "final_verdict.hpp"

namespace pivot::tools {

FinalVerdict judge_final(const FinalState& state, const std::vector<Ack>& acks) {
  FinalVerdict out;
  const int count = static_cast<int>(state.nodes.size());
  std::vector<int> reachable;
  for (int i = 0; i < count; ++i) {
    const NodeFinal& node = state.nodes[static_cast<std::size_t>(i)];
    if (!node.reachable) continue;
    reachable.push_back(i);
    if (node.read_only == false) out.writable.push_back(i);
  }
  out.reachable = static_cast<int>(reachable.size());
  if (out.writable.size() == 1) out.final_primary = out.writable.front();

  out.missing_per_node.assign(state.nodes.size(), std::nullopt);
  std::vector<RowComparison> comparisons(state.nodes.size());
  for (int i : reachable) {
    const auto& rows = state.nodes[static_cast<std::size_t>(i)].rows;
    if (!rows) continue;
    comparisons[static_cast<std::size_t>(i)] = compare_rows(acks, *rows);
    out.missing_per_node[static_cast<std::size_t>(i)] =
        static_cast<std::int64_t>(comparisons[static_cast<std::size_t>(i)].missing.size());
  }

  const std::vector<int>& candidates = out.writable.empty() ? reachable : out.writable;
  for (int i : candidates) {
    const auto missing = out.missing_per_node[static_cast<std::size_t>(i)];
    if (!missing) continue;
    if (!out.checked_on || *missing < *out.missing_per_node[static_cast<std::size_t>(*out.checked_on)]) {
      out.checked_on = i;
    }
  }
  if (out.checked_on) out.on_checked = comparisons[static_cast<std::size_t>(*out.checked_on)];

  out.checksums_equal = !reachable.empty();
  const std::optional<std::string>* first = nullptr;
  for (int i : reachable) {
    const auto& checksum = state.nodes[static_cast<std::size_t>(i)].checksum;
    if (!checksum) {
      out.checksums_equal = false;
      continue;
    }
    if (!first) first = &checksum;
    else if (**first != *checksum) out.checksums_equal = false;
  }

  out.settled = out.final_primary.has_value();
  for (int i : reachable) {
    if (i == out.final_primary) continue;
    if (state.nodes[static_cast<std::size_t>(i)].settled != true) out.settled = false;
  }
  return out;
}

}  // namespace pivot::tools
