#include "position_beyond.hpp"

#include "pivot/gtid/mariadb_position.hpp"
#include "pivot/gtid/mysql_gtid_set.hpp"

namespace pivot::controller::plan {
namespace {

Result<std::string> mariadb_beyond(const std::string& captured_text, const std::string& now_text) {
  auto captured = gtid::MariadbPosition::parse(captured_text);
  if (!captured) return make_error("bad_gtid", "the captured position '" + captured_text + "' cannot be read");
  auto now = gtid::MariadbPosition::parse(now_text);
  if (!now) return make_error("bad_gtid", "the position '" + now_text + "' cannot be read");
  std::string out;
  // Domains where the captured position is behind the node's: the node has more.
  for (const auto& lag : gtid::behind_by(*captured, *now)) {
    const auto last = now->find(lag.domain);
    const auto before = captured->find(lag.domain);
    out += (out.empty() ? "" : ", ") + last->to_string() + " (" + std::to_string(lag.behind) + " past " +
           (before ? before->to_string() : "nothing in domain " + std::to_string(lag.domain)) + ")";
  }
  return out;
}

Result<std::string> mysql_beyond(const std::string& captured_text, const std::string& now_text) {
  auto captured = gtid::MysqlGtidSet::parse(captured_text);
  if (!captured) return make_error("bad_gtid", "the captured gtid_executed '" + captured_text + "' cannot be read");
  auto now = gtid::MysqlGtidSet::parse(now_text);
  if (!now) return make_error("bad_gtid", "gtid_executed '" + now_text + "' cannot be read");
  return now->minus(*captured).to_string();
}

}  // namespace

Result<std::string> transactions_beyond(const Position& captured, const Position& now) {
  if (captured.use_gtid != now.use_gtid) {
    return make_error("mixed", "one position is a MariaDB gtid_binlog_pos and the other a MySQL gtid_executed");
  }
  return captured.use_gtid == "auto_position" ? mysql_beyond(captured.gtid, now.gtid)
                                              : mariadb_beyond(captured.gtid, now.gtid);
}

}  // namespace pivot::controller::plan
