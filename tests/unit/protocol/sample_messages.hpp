#pragma once
// Realistic messages for the protocol tests and the golden fixtures: a MariaDB
// replica with a multi-domain GTID position, a MySQL primary, a node whose
// mysqld is down, an event, a command and its result.

#include "pivot/protocol/message.hpp"

namespace pivot::protocol::testing {

Message mariadb_replica_state();
Message mysql_primary_state();
Message unreachable_state();
Message mysql_down_event();
Message change_source_command();
Message change_source_result();

}  // namespace pivot::protocol::testing
