// judge_returned_primary: the old primary kept read-only on sight, then
// compared with the new primary (see the header).

#include "pivot/controller/returned_primary.hpp"

#include "checks.hpp"

namespace pivot::controller {

namespace {

using rules::NodeView;

// The sentence that keeps it read-only, or "" when it is read-only already.
std::string read_only_sentence(const NodeView& old) {
  const auto& read_only = old.state->read_only;
  if (read_only == true) return "";
  return old.name() + (read_only ? " is writable" : "'s read_only is unknown") +
         ": it is made read-only at once, before anything else.";
}

}  // namespace

const char* to_string(ReturnVerdict verdict) {
  switch (verdict) {
    case ReturnVerdict::absent:
      return "absent";
    case ReturnVerdict::cannot_tell:
      return "cannot_tell";
    case ReturnVerdict::rejoin:
      return "rejoin";
    case ReturnVerdict::rejoined:
      return "rejoined";
    case ReturnVerdict::needs_rebuild:
      break;
  }
  return "needs_rebuild";
}

ReturnedPrimary judge_returned_primary(const ReturnedPrimaryInput& input) {
  const auto view = rules::make_view(input.spec, input.observed, input.now_ms);
  ReturnedPrimary r;
  const auto* old = view.find(input.old_primary);
  if (old == nullptr) {
    r.verdict = ReturnVerdict::cannot_tell;
    r.reasons.push_back("The old primary " + input.old_primary + " is not in the cluster spec.");
    return r;
  }
  const auto& o = old->name();
  if (old->state == nullptr) {
    r.reasons.push_back(old->unknown + ": nothing to judge until it reports with mysqld up (it is kept read-only on "
                                       "sight).");
    return r;
  }
  // Whatever follows, a writable old primary is fenced first.
  const auto fence = read_only_sentence(*old);
  r.make_read_only = !fence.empty();
  auto decide = [&](ReturnVerdict verdict, std::string sentence) {
    r.verdict = verdict;
    r.reasons.push_back(std::move(sentence));
    if (!fence.empty()) r.reasons.push_back(fence);
    return r;
  };
  const auto never = " stays read-only and is never made writable or a source until an operator clears it.";
  if (input.marked_needs_rebuild) {
    return decide(ReturnVerdict::needs_rebuild, o + " is marked needs_rebuild and no operator has cleared it: it" + never);
  }

  const auto* fresh = view.find(input.new_primary);
  if (fresh == nullptr) {
    return decide(ReturnVerdict::cannot_tell,
                  "The new primary " + input.new_primary + " is not in the cluster spec: " + o + " stays read-only.");
  }
  const auto& n = fresh->name();
  const auto cannot = [&](const std::string& why) {
    return decide(ReturnVerdict::cannot_tell,
                  "Cannot compare " + o + " with the new primary " + n + ": " + why + ". " + o + " stays read-only.");
  };
  if (fresh->state == nullptr) return cannot(fresh->unknown);
  auto mine = rules::gtid_holdings(*old);
  if (!mine) return cannot(mine.error().message);
  auto theirs = rules::gtid_holdings(*fresh);
  if (!theirs) return cannot(theirs.error().message);
  if (mine->flavor != theirs->flavor) {
    return cannot(o + " runs " + std::string(protocol::to_string(mine->flavor)) + " and " + n + " runs " +
                  std::string(protocol::to_string(theirs->flavor)));
  }

  if (!rules::holds_all(*theirs, *mine)) {
    const auto extra = rules::lacking(*theirs, *mine);
    r.extra_gtids = extra.gtids;
    r.extra_count = extra.count;
    return decide(ReturnVerdict::needs_rebuild,
                  o + " holds " + (mine->flavor == protocol::Flavor::mariadb ? "at most " : "") +
                      rules::transactions(extra.count) + " the new primary " + n + " lacks (" + extra.gtids +
                      "): it needs a rebuild (needs_rebuild), its extra transactions are not replayed anywhere; it" +
                      never);
  }
  const auto positions = " (" + o + " " + rules::holdings_text(*mine) + ", " + n + " " +
                         rules::holdings_text(*theirs) + ")";
  const auto& replica = old->state->replica;
  if (replica && rules::replicates_from(*replica, *fresh->spec, fresh->state)) {
    return decide(ReturnVerdict::rejoined, o + " replicates from the new primary " + n + " and holds nothing " + n +
                                               " lacks" + positions + ": it has rejoined, read-only.");
  }
  return decide(ReturnVerdict::rejoin, o + " holds no transaction the new primary " + n + " lacks" + positions +
                                           ": it rejoins as a replica of " + n +
                                           " (its gtid_slave_pos seeded from its own gtid_binlog_pos), read-only.");
}

}  // namespace pivot::controller
