#pragma once
// Before the first tick: the probe table must exist. The writing account
// (SELECT and INSERT only) cannot create it, so --create-table does it as an
// admin account on the one writable node, from where it replicates; a DDL run
// on a replica would be an errant transaction.

#include "pivot/result.hpp"
#include "probe_config.hpp"
#include "probe_table.hpp"

namespace pivot::tools {

// Error codes: no_writable_node, several_writable_nodes, create_failed.
Result<void> create_probe_table(const ProbeConfig& config, const std::string& admin_password,
                                const ProbeTable& table);

// As the writing account: some node answers and the table exists there.
// Error codes: unreachable, table_missing.
Result<void> check_probe_table(const ProbeConfig& config, const std::string& password, const ProbeTable& table);

}  // namespace pivot::tools
