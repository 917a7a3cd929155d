#include "pivot/gtid/mariadb_gtid_list.hpp"

#include "mariadb_gtid_piece.hpp"

#include <algorithm>
#include <cstdint>
#include <tuple>

namespace pivot::gtid::detail {
namespace {

bool same_slot(const MariadbGtid& a, const MariadbGtid& b, SlotKey key) {
  return a.domain == b.domain && (key == SlotKey::domain || a.server_id == b.server_id);
}

}  // namespace

Result<std::vector<MariadbGtid>> canonical_gtids(std::vector<MariadbGtid> gtids, SlotKey key) {
  std::sort(gtids.begin(), gtids.end(), [](const MariadbGtid& a, const MariadbGtid& b) {
    return std::tie(a.domain, a.server_id) < std::tie(b.domain, b.server_id);
  });
  for (std::size_t i = 1; i < gtids.size(); ++i) {
    if (!same_slot(gtids[i - 1], gtids[i], key)) continue;
    std::string both = "'" + gtids[i - 1].to_string() + "' and '" + gtids[i].to_string() + "'";
    if (key == SlotKey::domain) {
      return make_error("duplicate_domain", "domain " + std::to_string(gtids[i].domain) + " appears twice (" +
                                                both + "); a position holds one GTID per domain");
    }
    return make_error("duplicate_domain_server",
                      "domain " + std::to_string(gtids[i].domain) + " and server " +
                          std::to_string(gtids[i].server_id) + " appear twice (" + both +
                          "); a binlog state holds one GTID per domain and server");
  }
  return gtids;
}

Result<std::vector<MariadbGtid>> parse_gtid_list(std::string_view text) {
  std::vector<MariadbGtid> gtids;
  if (is_blank(text)) return gtids;
  for (const Piece& piece : split(Piece{text, 0}, ',')) {
    auto gtid = parse_gtid(piece);
    if (!gtid) return gtid.error();
    gtids.push_back(*gtid);
  }
  return gtids;
}

std::string join_gtids(const std::vector<MariadbGtid>& gtids) {
  std::string out;
  for (const MariadbGtid& gtid : gtids) {
    if (!out.empty()) out += ',';
    out += gtid.to_string();
  }
  return out;
}

}  // namespace pivot::gtid::detail
