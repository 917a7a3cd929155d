#pragma once
// A rollout's selection and order (ARCHITECTURE.md, "Rollouts"): which
// clusters a label selector picks and in which order their pivots run.
// Pure: labels in, an ordered list with groups out; errors are bad_request
// values whose message names what is wrong.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pivot/result.hpp"

namespace pivot::controller {

// One term of a selector: `key=value` or `key!=value`.
struct LabelTerm {
  std::string key;
  std::string value;
  bool equals = true;
};

// `environment=stage,service=sms,tier!=canary`: every term must hold.
struct LabelSelector {
  std::vector<LabelTerm> terms;
};

// Refuses an empty selector (a rollout of everything must be asked for by
// naming what everything shares), an empty key, a term without = or !=, a
// key given twice.
Result<LabelSelector> parse_selector(std::string_view text);
bool selects(const LabelSelector& selector, const std::map<std::string, std::string>& labels);
// The selector as text again (canonical: terms in the order given).
std::string to_string(const LabelSelector& selector);

// `shard`: sort by that label's value, naturally ("2" before "10").
// `environment=development,stage,production`: those values in that order,
// each a group that finishes before the next starts.
struct RolloutOrder {
  std::string label;
  std::vector<std::string> values;  // empty: natural order
};
Result<RolloutOrder> parse_order_by(std::string_view text);

// Natural order: runs of digits compare as numbers, the rest byte by byte
// ("shard2" < "shard10"; "a01" and "a1" tie on the number, then by text).
bool natural_less(std::string_view a, std::string_view b);

struct LabeledCluster {
  std::string name;
  std::map<std::string, std::string> labels;
};

struct RolloutEntry {
  std::string cluster;
  // The explicit order's group (the value's place in it); 0 for all with a
  // natural order, where clusters only follow one another.
  int group = 0;
};

// The selected clusters in rollout order. Natural order: by the label's
// value, clusters without the label last, ties by name (naturally); no
// order_by: by name. Explicit order: a selected cluster whose value is not
// listed (or that lacks the label) is an error, never silently skipped or
// put somewhere. No cluster selected is an error too (a typo in a selector
// must not look like a finished rollout).
Result<std::vector<RolloutEntry>> order_rollout(const LabelSelector& selector, const std::optional<RolloutOrder>& order,
                                                const std::vector<LabeledCluster>& clusters);

}  // namespace pivot::controller
