#include "pivot/gtid/errant.hpp"

#include "gno_intervals.hpp"

#include <algorithm>
#include <cctype>

namespace pivot::gtid {
namespace {

std::string transactions(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " transaction" : " transactions"); }

// Who wrote them, as the start of the sentence.
std::string written_by(bool by_replica, const std::string& writer) {
  return by_replica ? "written locally on this replica (" + writer + ")" : "written by " + writer;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string mariadb_reason(const GtidRange& range, const BinlogState& primary, bool by_replica) {
  std::string who = written_by(by_replica, "server_id " + std::to_string(range.server_id));
  std::string where = "domain " + std::to_string(range.domain);
  if (range.after_seq == 0) {
    bool domain_known = primary.position().find(range.domain).has_value();
    return who + "; the primary's binlog state has " +
           (domain_known ? "no transaction from server_id " + std::to_string(range.server_id) + " in " + where
                         : "nothing in " + where + " at all");
  }
  MariadbGtid last_on_primary{range.domain, range.server_id, range.after_seq};
  std::uint64_t gap = range.last_seq - range.after_seq;
  // "up to": other servers may own some seq numbers of the gap (see GtidRange).
  std::string extra = gap == 1 ? "seq " + std::to_string(range.last_seq) + " exists"
                               : "up to " + transactions(gap) + " (seq " + std::to_string(range.after_seq + 1) +
                                     " to " + std::to_string(range.last_seq) + ") exist";
  return who + "; the primary's last from that server in " + where + " is " + last_on_primary.to_string() +
         ", so " + extra + " only on the replica";
}

std::string mysql_reason(const Tsid& tsid, const GnoIntervals& extra, const MysqlGtidSet& primary, bool by_replica) {
  std::string who = written_by(by_replica, "source " + tsid.uuid + (tsid.tag.empty() ? "" : " tag " + tsid.tag));
  bool source_known = primary.sources().count(tsid) != 0;
  return transactions(detail::count(extra)) + " " + who + (source_known ? " beyond what the primary executed from it"
                                                                        : ", a source the primary never executed");
}

}  // namespace

std::vector<ErrantGtids> find_errant(const BinlogState& replica, const BinlogState& primary,
                                     std::optional<std::uint32_t> replica_server_id) {
  std::vector<ErrantGtids> errant;
  for (const GtidRange& range : replica.beyond(primary)) {
    bool by_replica = replica_server_id == range.server_id;
    errant.push_back(ErrantGtids{range.last().to_string(), mariadb_reason(range, primary, by_replica)});
  }
  return errant;
}

std::vector<ErrantGtids> find_errant(const MysqlGtidSet& replica_executed, const MysqlGtidSet& primary_executed,
                                     std::optional<std::string> replica_server_uuid) {
  std::optional<std::string> own = replica_server_uuid ? std::optional(lowercase(*replica_server_uuid)) : std::nullopt;
  std::vector<ErrantGtids> errant;
  // Named: looping over a temporary's member would dangle.
  const MysqlGtidSet beyond = replica_executed.minus(primary_executed);
  for (const auto& [tsid, extra] : beyond.sources()) {
    bool by_replica = own == tsid.uuid;
    errant.push_back(ErrantGtids{to_string(tsid, extra), mysql_reason(tsid, extra, primary_executed, by_replica)});
  }
  return errant;
}

}  // namespace pivot::gtid
