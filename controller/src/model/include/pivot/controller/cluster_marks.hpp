#pragma once
// What pivotd decided about a cluster and must remember across a restart
// (ARCHITECTURE.md, "Failover", policy and the old primary): the last
// failover and whether an operator acknowledged it (the cooldown), a
// maintenance window, the nodes marked needs_rebuild, the automatic failovers
// of the last hour (the fleet's cap) and the last writable primary with its
// last position (a dead primary's identity is not observable any more). The
// journal keeps one ClusterMarks per cluster, written whole at every change.
// Pure data: times are wall-clock milliseconds since the epoch. Members have
// initializers so that designated initializers may name any subset.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pivot::controller {

struct FailoverMemo {
  std::string job_id = {};
  std::string old_primary = {};
  std::string new_primary = {};  // "" until the failover promoted one
  bool automatic = false;
  std::uint64_t started_ms = 0;
  // An operator acknowledged it: the cooldown no longer holds back an
  // automatic failover of this cluster.
  bool acknowledged = false;
  std::string acknowledged_by = {};
  std::string comment = {};
  std::uint64_t acknowledged_ms = 0;
  // The old primary has been judged since it returned (rejoined or marked
  // needs_rebuild): pivotd stops watching for its return.
  bool old_primary_settled = false;
  bool operator==(const FailoverMemo&) const = default;
};

struct MaintenanceWindow {
  std::uint64_t until_ms = 0;
  std::string reason = {};
  std::string set_by = {};
  std::uint64_t set_ms = 0;
  bool operator==(const MaintenanceWindow&) const = default;
};

struct RebuildMark {
  std::string extra_gtids = {};  // what it holds that the new primary lacked ("" when unknown)
  std::uint64_t extra_count = 0;
  std::string job_id = {};  // the failover that replaced it
  std::uint64_t marked_ms = 0;
  bool operator==(const RebuildMark&) const = default;
};

// The last primary pivotd saw writable and enough of its last state with
// mysqld up for a failover to judge survivors against it after a restart
// (errant transactions, what may be lost): refreshed every few seconds.
struct LastPrimary {
  std::string node = {};
  std::string flavor = {};             // "mariadb", "mysql", "" unknown
  std::optional<std::uint32_t> server_id = {};
  std::string server_uuid = {};        // MySQL
  std::string gtid_binlog_pos = {};    // "" when the agent did not report one
  std::string gtid_binlog_state = {};  // MariaDB
  std::string gtid_executed = {};      // MySQL's set, "" on MariaDB
  std::optional<std::uint64_t> uptime_s = {};
  std::uint64_t seen_ms = 0;  // when that state was received
  bool operator==(const LastPrimary&) const = default;
};

struct ClusterMarks {
  std::optional<FailoverMemo> last_failover = {};
  std::optional<MaintenanceWindow> maintenance = {};
  std::map<std::string, RebuildMark> needs_rebuild = {};  // by node
  std::vector<std::uint64_t> auto_failovers_ms = {};      // starts of this cluster's automatic failovers, last hour
  std::optional<LastPrimary> last_primary = {};

  bool empty() const {
    return !last_failover && !maintenance && needs_rebuild.empty() && auto_failovers_ms.empty() && !last_primary;
  }
  bool operator==(const ClusterMarks&) const = default;
};

}  // namespace pivot::controller
