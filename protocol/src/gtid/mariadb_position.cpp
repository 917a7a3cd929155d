#include "pivot/gtid/mariadb_position.hpp"

#include <algorithm>

namespace pivot::gtid {

std::optional<MariadbGtid> MariadbPosition::find(std::uint32_t domain) const {
  auto it = std::find_if(gtids_.begin(), gtids_.end(), [&](const MariadbGtid& g) { return g.domain == domain; });
  if (it == gtids_.end()) return std::nullopt;
  return *it;
}

std::uint64_t MariadbPosition::seq(std::uint32_t domain) const {
  auto gtid = find(domain);
  return gtid ? gtid->seq : 0;
}

bool MariadbPosition::at_least(const MariadbPosition& other) const { return behind_by(*this, other).empty(); }

std::vector<DomainLag> behind_by(const MariadbPosition& position, const MariadbPosition& target) {
  std::vector<DomainLag> lags;
  for (const MariadbGtid& wanted : target.gtids()) {
    std::uint64_t have = position.seq(wanted.domain);
    if (have < wanted.seq) lags.push_back(DomainLag{wanted.domain, have, wanted.seq, wanted.seq - have});
  }
  return lags;
}

}  // namespace pivot::gtid
