#include "pivot/gtid/mariadb_gtid.hpp"

#include "mariadb_gtid_piece.hpp"

#include <cstdint>

namespace pivot::gtid {
namespace detail {

Result<MariadbGtid> parse_gtid(const Piece& piece) {
  if (piece.text.empty()) {
    return piece_error("bad_gtid", piece, "empty GTID (a trailing or doubled comma?)");
  }
  auto parts = split(piece, '-');
  if (parts.size() != 3) {
    return piece_error("bad_gtid", piece, "expected a GTID domain-server-seq of three unsigned numbers");
  }
  constexpr std::uint64_t max32 = UINT32_MAX;
  auto domain = parse_number(parts[0], max32, "GTID domain", "bad_gtid");
  if (!domain) return domain.error();
  auto server = parse_number(parts[1], max32, "GTID server_id", "bad_gtid");
  if (!server) return server.error();
  auto seq = parse_number(parts[2], UINT64_MAX, "GTID seq", "bad_gtid");
  if (!seq) return seq.error();
  return MariadbGtid{static_cast<std::uint32_t>(*domain), static_cast<std::uint32_t>(*server), *seq};
}

}  // namespace detail

Result<MariadbGtid> MariadbGtid::parse(std::string_view text) {
  return detail::parse_gtid(detail::trim(detail::Piece{text, 0}));
}

std::string MariadbGtid::to_string() const {
  return std::to_string(domain) + "-" + std::to_string(server_id) + "-" + std::to_string(seq);
}

}  // namespace pivot::gtid
