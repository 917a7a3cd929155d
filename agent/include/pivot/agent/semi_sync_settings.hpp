#pragma once
// Semi-synchronous replication as the agent reads and sets it (the
// set_semi_sync action, and set_read_only's semi_sync_timeout_ms on a
// promotion). Pure: the statements are planned from what the server showed
// and what pivotd asks, and tested on that; the executor runs them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pivot/mysql/session.hpp"
#include "pivot/protocol/node_state.hpp"
#include "pivot/protocol/value.hpp"

namespace pivot::agent {

// The only wait point pivot sets: a transaction is committed in the engine
// (visible, acknowledged) only once a replica has it, so no acknowledged
// write is lost with the primary.
inline constexpr const char* kLosslessWaitPoint = "AFTER_SYNC";

// rpl_semi_sync_slave_kill_conn_timeout (MariaDB) wherever the replica side
// is kept on: STOP SLAVE IO_THREAD waits up to this many seconds trying to
// kill its source's dump thread (measured on 10.11: 2.03 s cut by the
// agent's 2 s read timeout at the default 5, 1.03 s at 1, 97 ms with the
// replica side off), and a failover stops every survivor's IO thread while
// the primary is hung or silent.
inline constexpr std::int64_t kKillConnTimeoutS = 1;

// The variables (enabled sides, wait point, timeout) and the status
// (whether the source side waits for acknowledgements now), name/value rows.
std::string semi_sync_variables_sql(protocol::Flavor flavor);
std::string semi_sync_status_sql(protocol::Flavor flavor);
// What those rows say (the state's semi_sync, same reading as the probe's).
protocol::SemiSync semi_sync_of(const mysql::Rows& variables, const mysql::Rows& status);

// What pivotd asks; an unset side is left as it is.
struct SemiSyncWanted {
  std::optional<bool> source;
  std::optional<bool> replica;
  std::optional<std::int64_t> timeout_ms;  // with source true
  // With source true: a source side that is on but inactive (fallen back to
  // asynchronous after a timeout) is turned off and on again, so that it
  // waits for an acknowledgement from the next commit on. A promotion asks
  // it: MariaDB would otherwise acknowledge writes asynchronously until a
  // semi-sync replica has caught up. Never asked of a running primary, whose
  // commits would then wait a whole timeout again each time.
  bool fresh = false;
};

struct SemiSyncPlan {
  std::vector<std::string> statements;  // in order; empty: nothing to change
  // The replica side changes: it takes effect when the IO thread reconnects,
  // so a running IO thread is restarted after the statements.
  bool replica_changed = false;
};

SemiSyncPlan plan_semi_sync(protocol::Flavor flavor, const protocol::SemiSync& now, const SemiSyncWanted& wanted);

// set_semi_sync's detail: the settings read after the change, whether
// anything changed and whether the IO thread was restarted.
protocol::ValueMap semi_sync_detail(const protocol::SemiSync& after, bool changed, bool io_restarted);

}  // namespace pivot::agent
