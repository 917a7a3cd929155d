#pragma once
// The cluster and the pivot status the executor's tests start from (the
// pivot, its recovery after a crash).
#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/pivot_status.hpp"

namespace pivot::controller::test {

// db1 primary; db2 and db3 replicas; db4 a backup node; all MariaDB at 0-1-100.
inline ClusterSpec four_nodes() {
  ClusterSpec spec;
  spec.name = "sms-1";
  spec.nodes = {{"db1", "10.0.1.11", 3306, "a", Role::primary, 0},
                {"db2", "10.0.2.11", 3307, "b", Role::replica, 10},
                {"db3", "10.0.3.11", 3306, "c", Role::replica, 0},
                {"db4", "10.0.2.12", 3306, "b", Role::backup, 0}};
  spec.policy.catch_up_timeout_ms = 5000;
  spec.policy.hook_timeout_ms = 7000;
  return spec;
}

inline PivotStatus eligible_db1_to_db2() {
  PivotStatus s;
  s.eligible = true;
  s.primary = "db1";
  s.candidate = "db2";
  s.candidate_reason = "named by the operator";
  s.rejected = {{"db3", "db2 was named"}, {"db4", "db4 is a backup node"}};
  for (const char* id : {"agents_fresh", "single_writable_primary", "gtid_replication", "candidate_promotable"}) {
    s.checks.push_back({id, true, "ok"});
  }
  return s;
}

}  // namespace pivot::controller::test
