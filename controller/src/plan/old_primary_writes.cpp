#include "old_primary_writes.hpp"

#include "pivot/gtid/mariadb_position.hpp"
#include "pivot/gtid/mysql_gtid_set.hpp"

namespace pivot::controller::plan {
namespace {

template <typename Parsed>
Result<Parsed> read(const std::string& text, const char* what) {
  auto parsed = Parsed::parse(text);
  if (!parsed) return make_error("bad_gtid", std::string(what) + " '" + text.substr(0, 200) + "' cannot be read");
  return parsed;
}

Result<std::string> mariadb_writes(const Position& captured_pos, const Position& old_pos, const Position& new_pos) {
  auto captured = read<gtid::MariadbPosition>(captured_pos.gtid, "the captured position");
  auto old_now = read<gtid::MariadbPosition>(old_pos.gtid, "the old primary's position");
  auto new_now = read<gtid::MariadbPosition>(new_pos.gtid, "the new primary's position");
  if (!captured) return captured.error();
  if (!old_now) return old_now.error();
  if (!new_now) return new_now.error();
  std::string out;
  for (const gtid::MariadbGtid& last : old_now->gtids()) {
    const auto before = captured->find(last.domain);
    if (last.seq <= (before ? before->seq : 0)) continue;  // nothing past the fence in this domain
    const auto held = new_now->find(last.domain);
    if (held && held->server_id == last.server_id && last.seq <= held->seq) continue;  // replicated from it
    out += (out.empty() ? "" : ", ") + last.to_string() + " (" +
           std::to_string(last.seq - (before ? before->seq : 0)) + " past " +
           (before ? before->to_string() : "nothing in domain " + std::to_string(last.domain)) + ")";
  }
  return out;
}

Result<std::string> mysql_writes(const Position& old_pos, const Position& new_pos) {
  auto old_now = read<gtid::MysqlGtidSet>(old_pos.gtid, "the old primary's gtid_executed");
  auto new_now = read<gtid::MysqlGtidSet>(new_pos.gtid, "the new primary's gtid_executed");
  if (!old_now) return old_now.error();
  if (!new_now) return new_now.error();
  return old_now->minus(*new_now).to_string();
}

}  // namespace

Result<std::string> old_primary_writes(const Position& captured, const Position& old_now,
                                       const Position& candidate_now) {
  if (captured.use_gtid != old_now.use_gtid || old_now.use_gtid != candidate_now.use_gtid) {
    return make_error("mixed", "the positions are not all of one flavor");
  }
  return captured.use_gtid == "auto_position" ? mysql_writes(old_now, candidate_now)
                                              : mariadb_writes(captured, old_now, candidate_now);
}

}  // namespace pivot::controller::plan
