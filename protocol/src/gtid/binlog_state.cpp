#include "pivot/gtid/binlog_state.hpp"

#include <algorithm>

namespace pivot::gtid {

std::optional<MariadbGtid> BinlogState::find(std::uint32_t domain, std::uint32_t server_id) const {
  auto it = std::find_if(gtids_.begin(), gtids_.end(), [&](const MariadbGtid& g) {
    return g.domain == domain && g.server_id == server_id;
  });
  if (it == gtids_.end()) return std::nullopt;
  return *it;
}

MariadbPosition BinlogState::position() const {
  std::vector<MariadbGtid> highest;
  for (const MariadbGtid& gtid : gtids_) {  // sorted by domain: one run per domain
    if (highest.empty() || highest.back().domain != gtid.domain) {
      highest.push_back(gtid);
    } else if (gtid.seq > highest.back().seq) {
      highest.back() = gtid;
    }
  }
  return MariadbPosition::from_gtids(std::move(highest)).value();  // one per domain by construction
}

std::vector<GtidRange> BinlogState::beyond(const BinlogState& other) const {
  std::vector<GtidRange> ranges;
  for (const MariadbGtid& gtid : gtids_) {
    auto theirs = other.find(gtid.domain, gtid.server_id);
    std::uint64_t after = theirs ? theirs->seq : 0;
    if (gtid.seq > after) ranges.push_back(GtidRange{gtid.domain, gtid.server_id, after, gtid.seq});
  }
  return ranges;
}

}  // namespace pivot::gtid
