// GTID comparisons between the candidate and the primary, through pivot_gtid
// (never a second parser): MariaDB compares the candidate's gtid_current_pos
// with the primary's gtid_binlog_pos and binlog states for errant
// transactions; MySQL compares gtid_executed sets.
//
// The snapshots compared were taken at different moments: under a write load
// a replica's newer snapshot often holds transactions the primary wrote after
// its own last snapshot. Those carry the primary's server_id (MariaDB) or
// server_uuid (MySQL) and are not "ahead" nor errant: the primary has them.
// Only transactions of other origins can be, which no timing explains.

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

#include "checks.hpp"
#include "pivot/gtid/errant.hpp"
#include "pivot/gtid/mariadb_position.hpp"

namespace pivot::controller::rules {

namespace {

using protocol::Flavor;

using Field = std::optional<std::string> protocol::NodeState::*;

// A GTID field of a node, parsed; a nil field or a parse error is a sentence.
template <typename T>
Result<T> read_field(const NodeView& node, Field field, const char* name) {
  const auto& text = node.state->*field;
  if (!text) return make_error("unknown", node.name() + "'s " + name + " is unknown");
  auto parsed = T::parse(*text);
  if (!parsed) return make_error("bad_gtid", node.name() + "'s " + name + " cannot be read: " + parsed.error().message);
  return parsed;
}

// The candidate's field and the primary's, both parsed.
template <typename T>
Result<std::pair<T, T>> read_pair(const NodeView& candidate, Field mine, const char* mine_name, const NodeView& primary,
                                  Field theirs, const char* theirs_name) {
  auto a = read_field<T>(candidate, mine, mine_name);
  if (!a) return a.error();
  auto b = read_field<T>(primary, theirs, theirs_name);
  if (!b) return b.error();
  return std::pair<T, T>{std::move(a).value(), std::move(b).value()};
}

// Both nodes must be of one known flavor for their GTIDs to compare.
Result<Flavor> common_flavor(const NodeView& candidate, const NodeView& primary) {
  const auto& a = candidate.state->flavor;
  const auto& b = primary.state->flavor;
  if (!a) return make_error("unknown", candidate.name() + "'s server flavor is unknown");
  if (!b) return make_error("unknown", primary.name() + "'s server flavor is unknown");
  if (*a != *b) {
    return make_error("mixed", candidate.name() + " runs " + std::string(protocol::to_string(*a)) +
                                   " but the primary " + primary.name() + " runs " +
                                   std::string(protocol::to_string(*b)));
  }
  return *a;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return b > std::numeric_limits<std::uint64_t>::max() - a ? std::numeric_limits<std::uint64_t>::max() : a + b;
}

bool same_uuid(std::string a, std::string b) {
  auto lower = [](std::string& s) { std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); }); };
  lower(a);
  lower(b);
  return a == b;
}

// Whether a GTID (MariaDB "d-s-n", MySQL "uuid[:tag]:intervals") was written by the primary itself.
bool written_by_primary(const std::string& gtids, const NodeView& primary) {
  if (primary.state->flavor == Flavor::mariadb) {
    auto gtid = gtid::MariadbGtid::parse(gtids);
    return gtid && primary.state->server_id && gtid->server_id == *primary.state->server_id;
  }
  return primary.state->server_uuid && same_uuid(gtids.substr(0, gtids.find(':')), *primary.state->server_uuid);
}

Result<GtidDistance> mariadb_distance(const NodeView& candidate, const NodeView& primary) {
  using protocol::NodeState;
  auto pair = read_pair<gtid::MariadbPosition>(candidate, &NodeState::gtid_current_pos, "gtid_current_pos", primary,
                                               &NodeState::gtid_binlog_pos, "gtid_binlog_pos");
  if (!pair) return pair.error();
  const auto& [applied, target] = *pair;
  GtidDistance d{0, "", applied.to_string(), target.to_string()};
  for (const auto& lag : gtid::behind_by(applied, target)) d.behind = saturating_add(d.behind, lag.behind);
  std::vector<std::string> ahead;
  for (const auto& lead : gtid::behind_by(target, applied)) {
    if (auto last = applied.find(lead.domain); last && written_by_primary(last->to_string(), primary)) continue;
    ahead.push_back(std::to_string(lead.behind) + " in domain " + std::to_string(lead.domain));
  }
  d.ahead = join(ahead);
  return d;
}

Result<std::pair<gtid::MysqlGtidSet, gtid::MysqlGtidSet>> read_executed(const NodeView& candidate,
                                                                        const NodeView& primary) {
  using protocol::NodeState;
  return read_pair<gtid::MysqlGtidSet>(candidate, &NodeState::gtid_executed, "gtid_executed", primary,
                                       &NodeState::gtid_executed, "gtid_executed");
}

Result<GtidDistance> mysql_distance(const NodeView& candidate, const NodeView& primary) {
  auto pair = read_executed(candidate, primary);
  if (!pair) return pair.error();
  const auto& [applied, target] = *pair;
  GtidDistance d{target.minus(applied).count(), "", applied.to_string(), target.to_string()};
  gtid::MysqlGtidSet extra;
  const auto beyond = applied.minus(target);  // named: a temporary would die before the loop body
  for (const auto& [tsid, intervals] : beyond.sources()) {
    if (primary.state->server_uuid && same_uuid(tsid.uuid, *primary.state->server_uuid)) continue;
    for (const auto& interval : intervals) extra.add(tsid, interval);
  }
  if (!extra.empty()) d.ahead = extra.to_string();
  return d;
}

std::string range_text(const gtid::GtidRange& range) {
  const gtid::MariadbGtid first{range.domain, range.server_id, range.after_seq + 1};
  if (range.last_seq == first.seq) return first.to_string();
  return first.to_string() + " to " + range.last().to_string();
}

}  // namespace

Result<GtidHoldings> gtid_holdings(const NodeView& node) {
  const auto& flavor = node.state->flavor;
  if (!flavor) return make_error("unknown", node.name() + "'s server flavor is unknown");
  GtidHoldings h;
  h.flavor = *flavor;
  using protocol::NodeState;
  if (*flavor == Flavor::mariadb) {
    auto state = read_field<gtid::BinlogState>(node, &NodeState::gtid_binlog_state, "gtid_binlog_state");
    if (!state) return state.error();
    h.mariadb = std::move(state).value();
  } else {
    auto executed = read_field<gtid::MysqlGtidSet>(node, &NodeState::gtid_executed, "gtid_executed");
    if (!executed) return executed.error();
    h.mysql = std::move(executed).value();
  }
  return h;
}

bool holds_all(const GtidHoldings& a, const GtidHoldings& b) {
  if (a.flavor != b.flavor) return false;
  return a.flavor == Flavor::mariadb ? a.mariadb.covers(b.mariadb) : a.mysql.contains(b.mysql);
}

GtidLack lacking(const GtidHoldings& a, const GtidHoldings& b) {
  GtidLack lack;
  if (a.flavor == Flavor::mariadb) {
    std::vector<std::string> ranges;
    for (const auto& range : b.mariadb.beyond(a.mariadb)) {
      ranges.push_back(range_text(range));
      lack.count = saturating_add(lack.count, range.last_seq - range.after_seq);
    }
    lack.gtids = join(ranges);
  } else {
    const auto extra = b.mysql.minus(a.mysql);
    lack.gtids = extra.to_string();
    lack.count = extra.count();
  }
  return lack;
}

std::string holdings_text(const GtidHoldings& holdings) {
  return holdings.flavor == Flavor::mariadb ? holdings.mariadb.to_string() : holdings.mysql.to_string();
}

std::string transactions(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " transaction" : " transactions"); }

Result<GtidDistance> gtid_distance(const NodeView& candidate, const NodeView& primary) {
  auto flavor = common_flavor(candidate, primary);
  if (!flavor) return flavor.error();
  return *flavor == Flavor::mariadb ? mariadb_distance(candidate, primary) : mysql_distance(candidate, primary);
}

Result<std::vector<std::string>> errant_gtids(const NodeView& candidate, const NodeView& primary) {
  auto flavor = common_flavor(candidate, primary);
  if (!flavor) return flavor.error();
  std::vector<gtid::ErrantGtids> errant;
  if (*flavor == Flavor::mariadb) {
    using protocol::NodeState;
    auto pair = read_pair<gtid::BinlogState>(candidate, &NodeState::gtid_binlog_state, "gtid_binlog_state", primary,
                                             &NodeState::gtid_binlog_state, "gtid_binlog_state");
    if (!pair) return pair.error();
    errant = gtid::find_errant(pair->first, pair->second, candidate.state->server_id);
  } else {
    auto pair = read_executed(candidate, primary);
    if (!pair) return pair.error();
    errant = gtid::find_errant(pair->first, pair->second, candidate.state->server_uuid);
  }
  std::vector<std::string> sentences;
  for (const auto& e : errant) {
    if (!written_by_primary(e.gtids, primary)) sentences.push_back(e.gtids + ": " + e.reason);
  }
  return sentences;
}

}  // namespace pivot::controller::rules
