#pragma once
// A MySQL GTID set (gtid_executed, gtid_purged, GTID_SUBSET arguments):
// "uuid:1-5:7-9,uuid2:1-3", and MySQL 8.4's tagged GTIDs "uuid:1-5:tag:1-3"
// (a tag applies to the intervals that follow it within that uuid's element).
//
// Kept normalized at all times (intervals sorted, merged when adjacent or
// overlapping, empty sources dropped), so equality is plain ==.

#include "pivot/result.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pivot::gtid {

// A transaction source: server uuid (lowercase) and tag ("" when untagged).
// MySQL 8.4 calls this pair a TSID.
struct Tsid {
  std::string uuid;
  std::string tag;

  friend bool operator==(const Tsid&, const Tsid&) = default;
  friend bool operator<(const Tsid& a, const Tsid& b) {
    return a.uuid != b.uuid ? a.uuid < b.uuid : a.tag < b.tag;
  }
};

// Inclusive range of transaction numbers, 1 <= first <= last <= kMaxGno.
struct GnoInterval {
  std::uint64_t first = 0;
  std::uint64_t last = 0;

  friend bool operator==(const GnoInterval&, const GnoInterval&) = default;
};

inline constexpr std::uint64_t kMaxGno = INT64_MAX;  // MySQL's largest transaction number

using GnoIntervals = std::vector<GnoInterval>;

class MysqlGtidSet {
 public:
  MysqlGtidSet() = default;

  // Case-insensitive uuids and tags, whitespace and newlines tolerated around
  // separators (MySQL prints ",\n"), "" is empty, a uuid may repeat (its
  // intervals are merged). Errors: bad_gtid_set, bad_uuid, bad_tag,
  // bad_interval, number_out_of_range.
  static Result<MysqlGtidSet> parse(std::string_view text);

  // Canonical text: uuids sorted, untagged intervals first then tags sorted,
  // "," between uuids (no newline), e.g. "3e11...:1-5:7,4f22...:9:blue:1-2".
  std::string to_string() const;

  bool empty() const { return sources_.empty(); }
  std::uint64_t count() const;  // transactions in the set; saturates at UINT64_MAX
  const std::map<Tsid, GnoIntervals>& sources() const { return sources_; }

  // Adds transactions first..last of `tsid` (no validation: callers build from parsed data).
  void add(const Tsid& tsid, GnoInterval interval);

  MysqlGtidSet unite(const MysqlGtidSet& other) const;  // this ∪ other
  MysqlGtidSet minus(const MysqlGtidSet& other) const;  // this − other
  bool contains(const MysqlGtidSet& other) const;       // other ⊆ this

  friend bool operator==(const MysqlGtidSet&, const MysqlGtidSet&) = default;

 private:
  std::map<Tsid, GnoIntervals> sources_;
};

// "uuid[:tag]:1-5:7" for one source's intervals: how errant reports name them.
std::string to_string(const Tsid& tsid, const GnoIntervals& intervals);

}  // namespace pivot::gtid
