#include "pivot/controller/pivot_status.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::Topology;
using ::testing::HasSubstr;

const std::vector<std::string> kIds = {
    "agents_fresh",  "single_writable_primary",  "gtid_replication", "candidate_promotable", "candidate_replicating",
    "candidate_lag", "candidate_no_errant_gtid", "candidate_binlog", "candidate_version",    "replicas_after_pivot",
    "az_spread",     "no_job_in_progress",       "gtid_strict_mode", "candidate_gtid_domains",
    "old_primary_demotable", "semi_sync_settings", "slave_net_timeout"};

std::vector<std::string> ids_of(const PivotStatus& s) {
  std::vector<std::string> ids;
  for (const auto& c : s.checks) ids.push_back(c.id);
  return ids;
}

std::vector<std::string> failing(const PivotStatus& s) {
  std::vector<std::string> ids;
  for (const auto& c : s.checks) {
    if (!c.ok) ids.push_back(c.id);
  }
  return ids;
}

std::string reason_for(const PivotStatus& s, const std::string& node) {
  for (const auto& r : s.rejected) {
    if (r.node == node) return r.reason;
  }
  return "(not rejected)";
}

// Turns db1..db5 into MySQL 8.0 nodes: gtid_executed instead of MariaDB's positions.
void make_mysql(Topology& t, const std::string& primary_executed) {
  for (auto& [name, node] : t.observed.nodes) {
    auto& s = *node.state;
    s.flavor = protocol::Flavor::mysql;
    s.version = "8.0.36";
    s.server_uuid = "00000000-0000-0000-0000-00000000000" + name.substr(2);
    s.gtid_binlog_pos = s.gtid_binlog_state = s.gtid_current_pos = s.gtid_slave_pos = std::nullopt;
    s.gtid_domain_id = std::nullopt;
    s.gtid_executed = primary_executed;
    if (s.replica) s.replica->using_gtid = protocol::GtidMode::auto_position;
  }
}

constexpr const char* kUuid1 = "00000000-0000-0000-0000-000000000001";

// The one list of ids others read (tests and fakes) is the documented one,
// whatever the cluster: kIds above is this test's own oracle.
TEST(PivotStatus, CheckIdsAreTheDocumentedOnesInOrder) {
  EXPECT_EQ(pivot_check_ids(), kIds);
  auto t = Topology::healthy();
  t.heard("db2", 5000);
  EXPECT_EQ(ids_of(t.status()), pivot_check_ids());
}

TEST(PivotStatus, AHealthyClusterIsEligibleWithEveryCheckInOrder) {
  const auto s = Topology::healthy().status();
  EXPECT_EQ(ids_of(s), kIds);
  EXPECT_TRUE(s.eligible) << ::testing::PrintToString(failing(s));
  EXPECT_EQ(s.primary, "db1");
  EXPECT_EQ(s.candidate, "db2");
}

// One scenario, one check: its verdict and the sentence the operator reads.
struct CheckCase {
  const char* scenario;
  std::function<void(Topology&)> change;
  std::optional<std::string> candidate;
  const char* check;
  bool ok;
  const char* detail;  // a substring of the check's detail
  bool job = false;
};

// Table rows print as their scenario in test names and failures.
template <typename Case>
  requires requires(const Case& c) { c.scenario; }
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.scenario;
}

// The healthy cluster after `change`, evaluated.
PivotStatus healthy_after(const std::function<void(Topology&)>& change, std::optional<std::string> candidate = {},
                          bool job_in_progress = false) {
  auto t = Topology::healthy();
  change(t);
  return t.status(std::move(candidate), job_in_progress);
}

class OneCheck : public ::testing::TestWithParam<CheckCase> {};

TEST_P(OneCheck, SaysWhy) {
  const auto& c = GetParam();
  const auto s = healthy_after(c.change, c.candidate, c.job);
  const auto* check = s.find(c.check);
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->ok, c.ok) << check->detail;
  EXPECT_THAT(check->detail, HasSubstr(c.detail));
  if (!c.ok) {
    EXPECT_FALSE(s.eligible);
  }
}

auto no_change = [](Topology&) {};

INSTANTIATE_TEST_SUITE_P(
    AgentsFresh, OneCheck,
    ::testing::Values(
        CheckCase{"all fresh", no_change, {}, "agents_fresh", true, "All 5 agents reported within 3000 ms."},
        CheckCase{"db3 stale",
                  [](Topology& t) { t.heard("db3", 5000); },
                  {},
                  "agents_fresh",
                  false,
                  "db3's agent has not reported for 5000 ms (limit 3000 ms)."},
        CheckCase{"db5 never heard",
                  [](Topology& t) { t.forget("db5"); },
                  {},
                  "agents_fresh",
                  false,
                  "db5's agent has never reported."},
        CheckCase{"db4 sent no state yet",
                  [](Topology& t) { t.observed.nodes["db4"].state.reset(); },
                  {},
                  "agents_fresh",
                  false,
                  "db4's agent has not sent its state yet."},
        CheckCase{"db5's mysqld down, its agent fresh",
                  [](Topology& t) { t.down("db5"); },
                  {},
                  "agents_fresh",
                  true,
                  "All 5 agents"}));

INSTANTIATE_TEST_SUITE_P(
    SingleWritablePrimary, OneCheck,
    ::testing::Values(
        CheckCase{
            "db1 alone writable", no_change, {}, "single_writable_primary", true, "db1 is the only writable node."},
        CheckCase{"db1 fenced",
                  [](Topology& t) { t.state("db1").read_only = true; },
                  {},
                  "single_writable_primary",
                  false,
                  "No node is writable: the cluster has no primary."},
        CheckCase{"db1 down",
                  [](Topology& t) { t.down("db1"); },
                  {},
                  "single_writable_primary",
                  false,
                  "No node is writable"},
        CheckCase{"db3 writable too",
                  [](Topology& t) { t.state("db3").read_only = false; },
                  {},
                  "single_writable_primary",
                  false,
                  "2 nodes are writable: db1, db3."},
        CheckCase{"only a replica writable",
                  [](Topology& t) {
                    t.state("db1").read_only = true;
                    t.state("db2").read_only = false;
                  },
                  {},
                  "single_writable_primary",
                  false,
                  "db2 is the only writable node but it replicates from 10.0.1.11:3306."},
        CheckCase{"db4's read_only unknown",
                  [](Topology& t) { t.state("db4").read_only.reset(); },
                  {},
                  "single_writable_primary",
                  false,
                  "Cannot tell whether db4 is writable: its read_only is unknown."},
        CheckCase{"db5 never heard",
                  [](Topology& t) { t.forget("db5"); },
                  {},
                  "single_writable_primary",
                  false,
                  "Cannot tell whether db5 is writable: db5's agent has never reported."},
        CheckCase{"db5's mysqld down takes no writes",
                  [](Topology& t) { t.down("db5"); },
                  {},
                  "single_writable_primary",
                  true,
                  "db1 is the only writable node."}));

INSTANTIATE_TEST_SUITE_P(
    GtidReplication, OneCheck,
    ::testing::Values(
        CheckCase{"all slave_pos",
                  no_change,
                  {},
                  "gtid_replication",
                  true,
                  "Every replica uses GTID: db2 (slave_pos), db3 (slave_pos), db4 (slave_pos), db5 (slave_pos)."},
        CheckCase{"db4 by file and position",
                  [](Topology& t) { t.replica_of("db4").using_gtid = protocol::GtidMode::no; },
                  {},
                  "gtid_replication",
                  false,
                  "db4 replicates by binlog file and position, not GTID."},
        CheckCase{"db3 down",
                  [](Topology& t) { t.down("db3"); },
                  {},
                  "gtid_replication",
                  false,
                  "Cannot tell whether db3 replicates with GTID: db3's mysqld is unreachable (Can't connect"},
        CheckCase{"nobody replicates",
                  [](Topology& t) {
                    for (const char* n : {"db2", "db3", "db4", "db5"}) t.state(n).replica.reset();
                  },
                  {},
                  "gtid_replication",
                  false,
                  "No node replicates: cannot tell whether the cluster uses GTID."},
        CheckCase{"mysql auto_position",
                  [](Topology& t) { make_mysql(t, std::string(kUuid1) + ":1-100"); },
                  {},
                  "gtid_replication",
                  true,
                  "db2 (auto_position)"}));

INSTANTIATE_TEST_SUITE_P(CandidatePromotable, OneCheck,
                         ::testing::Values(CheckCase{"chosen replica",
                                                     no_change,
                                                     {},
                                                     "candidate_promotable",
                                                     true,
                                                     "db2 is a replica node of the spec: promotable."},
                                           CheckCase{"named backup", no_change, "db4", "candidate_promotable", false,
                                                     "db4 is a backup node: never promoted."},
                                           CheckCase{"named analytics", no_change, "db5", "candidate_promotable", false,
                                                     "db5 is an analytics node: never promoted."},
                                           CheckCase{"named primary", no_change, "db1", "candidate_promotable", false,
                                                     "db1 is the current primary: name a replica."},
                                           CheckCase{"named stranger", no_change, "db9", "candidate_promotable", false,
                                                     "db9 is not in the cluster spec."},
                                           CheckCase{"named stranger, later checks", no_change, "db9", "candidate_lag",
                                                     false, "No candidate to check: db9 is not in the cluster spec."}));

INSTANTIATE_TEST_SUITE_P(
    CandidateReplicating, OneCheck,
    ::testing::Values(
        CheckCase{"replicating from db1",
                  no_change,
                  {},
                  "candidate_replicating",
                  true,
                  "db2 replicates from the primary db1 (10.0.1.11:3306), IO and SQL threads running."},
        CheckCase{"IO connecting",
                  [](Topology& t) {
                    t.replica_of("db2").io_running = protocol::IoThread::connecting;
                    t.replica_of("db2").last_io_error = "error reconnecting to master";
                  },
                  "db2", "candidate_replicating", false,
                  "db2's IO thread is connecting (error reconnecting to master)."},
        CheckCase{"SQL stopped",
                  [](Topology& t) {
                    t.replica_of("db2").sql_running = false;
                    t.replica_of("db2").last_sql_error = "Duplicate entry '7' for key 'PRIMARY'";
                  },
                  "db2", "candidate_replicating", false, "db2's SQL thread is stopped (Duplicate entry '7'"},
        CheckCase{"source is db3", [](Topology& t) { t.replica("db2", "db3", "0-1-100", 0); }, "db2",
                  "candidate_replicating", false,
                  "db2 replicates from 10.0.3.11:3306, not from the primary db1 (10.0.1.11:3306)."},
        CheckCase{"source port differs", [](Topology& t) { t.replica_of("db2").source_port = 3307; }, "db2",
                  "candidate_replicating", false, "db2 replicates from 10.0.1.11:3307, not from the primary db1"},
        CheckCase{"source is db1's report_host",
                  [](Topology& t) {
                    t.state("db1").report_host = "DB1.internal";
                    t.state("db1").report_port = 3306;
                    t.replica_of("db2").source_host = "db1.internal";
                  },
                  "db2", "candidate_replicating", true, "db2 replicates from the primary db1 (db1.internal:3306)"},
        CheckCase{"no source", [](Topology& t) { t.state("db2").replica.reset(); }, "db2", "candidate_replicating",
                  false, "db2 does not replicate (no source configured)."},
        CheckCase{"db2 never heard", [](Topology& t) { t.forget("db2"); }, "db2", "candidate_replicating", false,
                  "Cannot tell whether db2 replicates: db2's agent has never reported."},
        CheckCase{"no primary", [](Topology& t) { t.state("db1").read_only = true; }, "db2", "candidate_replicating",
                  false, "Cannot check db2's source: there is no single writable primary to compare with."}));

INSTANTIATE_TEST_SUITE_P(
    CandidateLag, OneCheck,
    ::testing::Values(
        CheckCase{"2 s and 2 transactions behind", [](Topology& t) { t.replica("db2", "db1", "0-1-98", 2); }, "db2",
                  "candidate_lag", true,
                  "db2 lags 2 s (max 5 s) and is 2 transactions behind db1 (0-1-98 vs 0-1-100)."},
        CheckCase{"at the limit", [](Topology& t) { t.replica_of("db2").seconds_behind = 5; }, "db2", "candidate_lag",
                  true, "db2 lags 5 s (max 5 s)"},
        CheckCase{"12 s behind", [](Topology& t) { t.replica_of("db2").seconds_behind = 12; }, "db2", "candidate_lag",
                  false, "db2 lags 12 s (max 5 s)."},
        CheckCase{"seconds unknown", [](Topology& t) { t.replica_of("db2").seconds_behind.reset(); }, "db2",
                  "candidate_lag", false, "db2's seconds behind its source is unknown (IO thread not running)."},
        // Snapshots differ in time: db2's newer one holds db1's own later writes.
        CheckCase{"a newer snapshot than the primary's", [](Topology& t) { t.state("db2").gtid_current_pos = "0-1-103"; },
                  "db2", "candidate_lag", true, "and is 0 transactions behind db1 (0-1-103 vs 0-1-100)."},
        CheckCase{"ahead of the primary", [](Topology& t) { t.state("db2").gtid_current_pos = "0-3-103"; }, "db2",
                  "candidate_lag", false,
                  "db2 has applied transactions the primary db1 has not (3 in domain 0) (0-3-103 vs 0-1-100)."},
        CheckCase{"ahead in another domain", [](Topology& t) { t.state("db2").gtid_current_pos = "0-1-100,1-2-4"; },
                  "db2", "candidate_lag", false, "(4 in domain 1)"},
        CheckCase{"behind in two domains",
                  [](Topology& t) {
                    t.primary("db1", "0-1-100,1-1-50");
                    t.state("db2").gtid_current_pos = "0-1-90,1-1-45";
                  },
                  "db2", "candidate_lag", true, "is 15 transactions behind db1"},
        CheckCase{"applied position unknown", [](Topology& t) { t.state("db2").gtid_current_pos.reset(); }, "db2",
                  "candidate_lag", false, "db2 lags 0 s (max 5 s) but db2's gtid_current_pos is unknown."},
        CheckCase{"primary position unknown", [](Topology& t) { t.state("db1").gtid_binlog_pos.reset(); }, "db2",
                  "candidate_lag", false, "db1's gtid_binlog_pos is unknown."},
        CheckCase{"unreadable position", [](Topology& t) { t.state("db2").gtid_current_pos = "0-1-x"; }, "db2",
                  "candidate_lag", false, "db2's gtid_current_pos cannot be read: "},
        CheckCase{"flavors differ", [](Topology& t) { t.state("db2").flavor = protocol::Flavor::mysql; }, "db2",
                  "candidate_lag", false, "db2 runs mysql but the primary db1 runs mariadb."},
        CheckCase{"flavor unknown", [](Topology& t) { t.state("db2").flavor.reset(); }, "db2", "candidate_lag", false,
                  "db2's server flavor is unknown."},
        CheckCase{"db2 down", [](Topology& t) { t.down("db2"); }, "db2", "candidate_lag", false,
                  "Cannot tell how far db2 lags: db2's mysqld is unreachable"},
        CheckCase{"named primary has no lag", no_change, "db1", "candidate_lag", false,
                  "db1 has no source: it has no lag to measure."},
        CheckCase{"no primary", [](Topology& t) { t.state("db1").read_only = true; }, "db2", "candidate_lag", false,
                  "db2 lags 0 s (max 5 s) but its GTID position cannot be compared: there is no single writable"},
        CheckCase{"mysql 10 transactions behind",
                  [](Topology& t) {
                    make_mysql(t, std::string(kUuid1) + ":1-100");
                    t.state("db2").gtid_executed = std::string(kUuid1) + ":1-90";
                  },
                  "db2", "candidate_lag", true, "is 10 transactions behind db1"},
        CheckCase{"mysql newer snapshot",
                  [](Topology& t) {
                    make_mysql(t, std::string(kUuid1) + ":1-100");
                    t.state("db2").gtid_executed = std::string(kUuid1) + ":1-102";
                  },
                  "db2", "candidate_lag", true, "is 0 transactions behind db1"},
        CheckCase{"mysql ahead",
                  [](Topology& t) {
                    make_mysql(t, std::string(kUuid1) + ":1-100");
                    t.state("db2").gtid_executed = std::string(kUuid1) + ":1-100,00000000-0000-0000-0000-000000000003:1-2";
                  },
                  "db2", "candidate_lag", false, "has not (00000000-0000-0000-0000-000000000003:1-2)"},
        CheckCase{"mysql executed unknown",
                  [](Topology& t) {
                    make_mysql(t, std::string(kUuid1) + ":1-100");
                    t.state("db2").gtid_executed.reset();
                  },
                  "db2", "candidate_lag", false, "db2's gtid_executed is unknown."}));

INSTANTIATE_TEST_SUITE_P(
    CandidateNoErrantGtid, OneCheck,
    ::testing::Values(
        CheckCase{"merely behind", [](Topology& t) { t.replica("db2", "db1", "0-1-98", 1); }, "db2",
                  "candidate_no_errant_gtid", true, "db2 has no transaction the primary db1 lacks."},
        CheckCase{"the primary's own later writes", [](Topology& t) { t.state("db2").gtid_binlog_state = "0-1-104"; },
                  "db2", "candidate_no_errant_gtid", true, "db2 has no transaction the primary db1 lacks."},
        CheckCase{"written locally", [](Topology& t) { t.state("db2").gtid_binlog_state = "0-1-100,0-2-101"; }, "db2",
                  "candidate_no_errant_gtid", false, "db2 has errant transactions: 0-2-101: "},
        CheckCase{"binlog state unknown", [](Topology& t) { t.state("db2").gtid_binlog_state.reset(); }, "db2",
                  "candidate_no_errant_gtid", false,
                  "Cannot look for errant transactions: db2's gtid_binlog_state is unknown."},
        CheckCase{"db2 stale", [](Topology& t) { t.heard("db2", 4000); }, "db2", "candidate_no_errant_gtid", false,
                  "Cannot look for errant transactions on db2: db2's agent has not reported for 4000 ms"},
        CheckCase{"no primary", [](Topology& t) { t.down("db1"); }, "db2", "candidate_no_errant_gtid", false,
                  "Cannot look for errant transactions on db2: there is no single writable primary"},
        CheckCase{"mysql written locally",
                  [](Topology& t) {
                    make_mysql(t, std::string(kUuid1) + ":1-100");
                    t.state("db2").gtid_executed =
                        std::string(kUuid1) + ":1-100,00000000-0000-0000-0000-000000000002:1-2";
                  },
                  "db2", "candidate_no_errant_gtid", false,
                  "db2 has errant transactions: 00000000-0000-0000-0000-000000000002:1-2: "}));

INSTANTIATE_TEST_SUITE_P(
    CandidateBinlog, OneCheck,
    ::testing::Values(CheckCase{"row like db1", no_change, "db2", "candidate_binlog", true,
                                "db2 has log_bin and log_replica_updates on and logs ROW like db1."},
                      CheckCase{"log_bin off", [](Topology& t) { t.state("db2").log_bin = false; }, "db2",
                                "candidate_binlog", false, "db2 has log_bin off."},
                      CheckCase{"log_replica_updates unknown",
                                [](Topology& t) { t.state("db2").log_replica_updates.reset(); }, "db2",
                                "candidate_binlog", false, "db2's log_replica_updates is unknown."},
                      CheckCase{"other format", [](Topology& t) { t.state("db2").binlog_format = "STATEMENT"; }, "db2",
                                "candidate_binlog", false, "db2 logs STATEMENT but the primary db1 logs ROW."},
                      CheckCase{"format case differs", [](Topology& t) { t.state("db2").binlog_format = "row"; }, "db2",
                                "candidate_binlog", true, "logs row like db1"},
                      CheckCase{"primary's format unknown", [](Topology& t) { t.state("db1").binlog_format.reset(); },
                                "db2", "candidate_binlog", false, "the primary db1's binlog_format is unknown."},
                      CheckCase{"db2 down", [](Topology& t) { t.down("db2"); }, "db2", "candidate_binlog", false,
                                "Cannot check db2's binary log: db2's mysqld is unreachable"}));

INSTANTIATE_TEST_SUITE_P(
    CandidateVersion, OneCheck,
    ::testing::Values(
        CheckCase{"all 10.11.6", no_change, "db2", "candidate_version", true,
                  "db2 runs 10.11.6-MariaDB-0+deb12u1-log, not older than any of the 4 nodes that would replicate "
                  "from it."},
        CheckCase{"10.11.10 is newer than 10.11.6 (numbers, not text)",
                  [](Topology& t) { t.state("db2").version = "10.11.10-MariaDB"; }, "db2", "candidate_version", true,
                  "db2 runs 10.11.10-MariaDB, not older"},
        CheckCase{"db3 newer", [](Topology& t) { t.state("db3").version = "11.4.2-MariaDB"; }, "db2",
                  "candidate_version", false,
                  "db2 runs 10.11.6-MariaDB-0+deb12u1-log, older than db3 (11.4.2-MariaDB) which would replicate "
                  "from it."},
        CheckCase{"db5 down", [](Topology& t) { t.down("db5"); }, "db2", "candidate_version", false,
                  "Cannot tell whether db2 is as new as db5: db5's mysqld is unreachable"},
        CheckCase{"db4's version unknown", [](Topology& t) { t.state("db4").version.reset(); }, "db2",
                  "candidate_version", false, "db4's version is unknown."},
        CheckCase{"db2's version unreadable", [](Topology& t) { t.state("db2").version = "MariaDB"; }, "db2",
                  "candidate_version", false, "db2's version is unknown."}));

INSTANTIATE_TEST_SUITE_P(
    ReplicasAfterPivot, OneCheck,
    ::testing::Values(
        CheckCase{"db1 and db3", no_change, "db2", "replicas_after_pivot", true,
                  "2 promotable nodes would replicate from db2 after the pivot: db1 (the old primary), db3 (min 2)."},
        CheckCase{"db3's IO stopped", [](Topology& t) { t.replica_of("db3").io_running = protocol::IoThread::no; },
                  "db2", "replicas_after_pivot", false,
                  "1 promotable node would replicate from db2 after the pivot: db1 (the old primary) (min 2). Not "
                  "counted: db3's IO thread is not running."},
        CheckCase{"backup and analytics do not count", [](Topology& t) { t.spec.policy.min_replicas = 3; }, "db2",
                  "replicas_after_pivot", false,
                  "2 promotable nodes would replicate from db2 after the pivot: db1 (the old primary), db3 (min 3)."},
        CheckCase{"db4 a delayed backup the operator stopped, db3's SQL thread stopped",
                  [](Topology& t) {
                    t.replica_of("db4").io_running = protocol::IoThread::no;
                    t.replica_of("db4").sql_running = false;
                    t.replica_of("db4").sql_delay = 3600;
                    t.replica_of("db3").sql_running = false;
                    t.spec.policy.min_replicas = 1;
                  },
                  "db2", "replicas_after_pivot", true,
                  "Repointed but left as the operator has them (a stopped thread stays stopped, a delay is kept, verify does not wait for them): db3 (SQL "
                  "thread stopped); db4 (IO and SQL threads stopped, delayed 3600 s)."},
        CheckCase{"a running delayed replica is named too",
                  [](Topology& t) { t.replica_of("db5").sql_delay = 60; }, "db2", "replicas_after_pivot", true,
                  "left as the operator has them (a stopped thread stays stopped, a delay is kept, verify does not wait for them): db5 (delayed 60 s)."},
        CheckCase{"old primary down", [](Topology& t) { t.down("db1"); }, "db2", "replicas_after_pivot", false,
                  "Not counted: Cannot tell whether db1 replicates: db1's mysqld is unreachable"},
        CheckCase{"no candidate",
                  [](Topology& t) { t.spec.nodes.resize(1); },
                  {},
                  "replicas_after_pivot",
                  false,
                  "No candidate: no replicas to count after a pivot."}));

INSTANTIATE_TEST_SUITE_P(
    AzSpread, OneCheck,
    ::testing::Values(CheckCase{"a, b, c", no_change, "db2", "az_spread", true,
                                "db2 and the promotable replicas that would follow it span 3 AZs (a, b, c; min 2)."},
                      CheckCase{"db3 down leaves a and b",
                                [](Topology& t) {
                                  t.spec.policy.az_spread = 3;
                                  t.spec.policy.min_replicas = 1;
                                  t.down("db3");
                                },
                                "db2", "az_spread", false,
                                "db2 and the promotable replicas that would follow it span 2 AZs (a, b; min 3)."},
                      CheckCase{"backup's AZ does not count",
                                [](Topology& t) {
                                  t.spec.nodes[2].az = "b";  // db3 beside db2; db5 stays alone in c
                                  t.spec.policy.az_spread = 3;
                                },
                                "db2", "az_spread", false, "span 2 AZs (a, b; min 3)."},
                      CheckCase{"no candidate",
                                [](Topology& t) { t.spec.nodes.resize(1); },
                                {},
                                "az_spread",
                                false,
                                "No candidate: no AZ spread to measure after a pivot."}));

INSTANTIATE_TEST_SUITE_P(
    NoJobInProgress, OneCheck,
    ::testing::Values(
        CheckCase{"free", no_change, {}, "no_job_in_progress", true, "No pivot or failover holds the cluster."},
        CheckCase{"held", no_change, {}, "no_job_in_progress", false, "A pivot or failover holds the cluster.", true}));

INSTANTIATE_TEST_SUITE_P(
    GtidStrictMode, OneCheck,
    ::testing::Values(
        CheckCase{"on everywhere", no_change, {}, "gtid_strict_mode", true,
                  "gtid_strict_mode is on on every MariaDB node (db1, db2, db3, db4, db5)."},
        CheckCase{"db4 off", [](Topology& t) { t.state("db4").gtid_strict_mode = false; }, {}, "gtid_strict_mode",
                  false, "db4 runs with gtid_strict_mode off: a duplicate or out-of-order GTID would be applied"},
        CheckCase{"db3 down", [](Topology& t) { t.down("db3"); }, {}, "gtid_strict_mode", false,
                  "Cannot tell db3's gtid_strict_mode: db3's mysqld is unreachable"},
        CheckCase{"MySQL has none", [](Topology& t) { make_mysql(t, std::string(kUuid1) + ":1-100"); }, {},
                  "gtid_strict_mode", true, "No MariaDB node: gtid_strict_mode does not apply."}));

INSTANTIATE_TEST_SUITE_P(
    CandidateGtidDomains, OneCheck,
    ::testing::Values(
        CheckCase{"one domain, applied", no_change, "db2", "candidate_gtid_domains", true,
                  "db2's applied position covers every GTID domain of its binlog (0) (gtid_binlog_pos 0-1-100, "
                  "gtid_slave_pos 0-1-100)."},
        CheckCase{"a local write in domain 1",
                  [](Topology& t) { t.state("db2").gtid_binlog_pos = "0-1-100,1-2-7"; }, "db2",
                  "candidate_gtid_domains", false,
                  "db2's binlog holds a domain its applied position lacks: 1-2-7 (gtid_binlog_pos 0-1-100,1-2-7, "
                  "gtid_slave_pos 0-1-100). Replicas repointed to it would be sent those domains from its first "
                  "binlog, or stop with error 1236 once they are purged."},
        CheckCase{"slave pos unknown", [](Topology& t) { t.state("db2").gtid_slave_pos.reset(); }, "db2",
                  "candidate_gtid_domains", false, "db2's gtid_slave_pos is unknown."},
        CheckCase{"unreadable", [](Topology& t) { t.state("db2").gtid_binlog_pos = "0-1"; }, "db2",
                  "candidate_gtid_domains", false, "db2's gtid_binlog_pos cannot be read: "},
        CheckCase{"MySQL", [](Topology& t) { make_mysql(t, std::string(kUuid1) + ":1-100"); }, "db2",
                  "candidate_gtid_domains", true, "db2 runs MySQL: its GTID set has no domains."}));

INSTANTIATE_TEST_SUITE_P(
    OldPrimaryDemotable, OneCheck,
    ::testing::Values(
        CheckCase{"binlog and log_replica_updates", no_change, {}, "old_primary_demotable", true,
                  "db1 has log_bin and log_replica_updates on: it can replicate from the new primary, from its own "
                  "position 0-1-100."},
        CheckCase{"no log_replica_updates", [](Topology& t) { t.state("db1").log_replica_updates = false; }, {},
                  "old_primary_demotable", false,
                  "db1 has log_replica_updates off: as a replica it would not log what it applies"},
        CheckCase{"no binlog", [](Topology& t) { t.state("db1").log_bin = false; }, {}, "old_primary_demotable",
                  false, "db1 has no binlog (log_bin off)"},
        CheckCase{"no primary", [](Topology& t) { t.state("db1").read_only = true; }, {}, "old_primary_demotable",
                  false, "No single writable primary: there is no old primary to demote."}));

// policy.durability semi_sync as the guard keeps it: db1's source side
// active with AFTER_SYNC and the policy's timeout (28 s with the defaults),
// the replica side on db1..db3, nothing on the backup and analytics nodes.
void semi_sync_kept(Topology& t) {
  t.spec.policy.durability = Durability::semi_sync;
  for (const char* n : {"db1", "db2", "db3"}) t.state(n).semi_sync->replica = true;
  auto& primary = *t.state("db1").semi_sync;
  primary.source = true;
  primary.source_active = true;
  primary.wait_point = "AFTER_SYNC";
  primary.timeout_ms = semi_sync_timeout_ms(t.spec.policy);
}

INSTANTIATE_TEST_SUITE_P(
    SemiSyncSettings, OneCheck,
    ::testing::Values(
        CheckCase{"async, none on", no_change, {}, "semi_sync_settings", true,
                  "policy.durability is async: no node has the semi-sync source side on."},
        CheckCase{"async, db1 waits for acknowledgements",
                  [](Topology& t) { t.state("db1").semi_sync->source = true; }, {}, "semi_sync_settings", false,
                  "policy.durability is async, but db1 has the semi-sync source side on."},
        CheckCase{"semi_sync kept", semi_sync_kept, {}, "semi_sync_settings", true,
                  "policy.durability is semi_sync: db1's source side is active (AFTER_SYNC, timeout 28000 ms); every "
                  "other promotable node has the replica side on."},
        CheckCase{"semi_sync, the primary's source side off",
                  [](Topology& t) {
                    semi_sync_kept(t);
                    t.state("db1").semi_sync->source = false;
                  },
                  {}, "semi_sync_settings", false,
                  "policy.durability is semi_sync, but the primary db1 has the semi-sync source side off."},
        CheckCase{"semi_sync, fallen back to asynchronous",
                  [](Topology& t) {
                    semi_sync_kept(t);
                    t.state("db1").semi_sync->source_active = false;
                  },
                  {}, "semi_sync_settings", false,
                  "the primary db1's semi-sync source side is not active: it fell back to asynchronous"},
        CheckCase{"semi_sync, AFTER_COMMIT and a short timeout",
                  [](Topology& t) {
                    semi_sync_kept(t);
                    t.state("db1").semi_sync->wait_point = "AFTER_COMMIT";
                    t.state("db1").semi_sync->timeout_ms = 10000;
                  },
                  {}, "semi_sync_settings", false,
                  "db1's semi-sync wait point is AFTER_COMMIT, not AFTER_SYNC (with AFTER_COMMIT a commit is visible "
                  "before a replica has it); db1's semi-sync timeout (10000 ms) is shorter than detection plus "
                  "failover (28000 ms)."},
        CheckCase{"semi_sync, an older agent",
                  [](Topology& t) {
                    semi_sync_kept(t);
                    t.state("db1").semi_sync->source_active.reset();
                  },
                  {}, "semi_sync_settings", false, "db1's agent does not report whether its semi-sync source side is active"},
        CheckCase{"semi_sync, the candidate does not acknowledge",
                  [](Topology& t) {
                    semi_sync_kept(t);
                    t.state("db2").semi_sync->replica = false;
                  },
                  {}, "semi_sync_settings", false,
                  "policy.durability is semi_sync, but db2 has the semi-sync replica side off: it acknowledges nothing."},
        CheckCase{"semi_sync, a replica whose stop_io would wait 5 s",
                  [](Topology& t) {
                    semi_sync_kept(t);
                    t.state("db3").semi_sync->kill_conn_timeout_s = 5;
                  },
                  {}, "semi_sync_settings", false,
                  "policy.durability is semi_sync, but db3's rpl_semi_sync_slave_kill_conn_timeout is 5 s, not 1 (a "
                  "failover's stop_io would wait that long on a hung or silent primary)."},
        CheckCase{"semi_sync, the primary's kill_conn_timeout (its replica side is on for its demotion)",
                  [](Topology& t) {
                    semi_sync_kept(t);
                    t.state("db1").semi_sync->kill_conn_timeout_s = 5;
                  },
                  {}, "semi_sync_settings", false, "db1's rpl_semi_sync_slave_kill_conn_timeout is 5 s"},
        CheckCase{"semi_sync, kill_conn_timeout 1 everywhere",
                  [](Topology& t) {
                    semi_sync_kept(t);
                    for (const char* n : {"db1", "db2", "db3"}) t.state(n).semi_sync->kill_conn_timeout_s = 1;
                    t.state("db4").semi_sync->kill_conn_timeout_s = 5;  // replica side off: never waits it
                  },
                  {}, "semi_sync_settings", true, "policy.durability is semi_sync: db1's source side is active"},
        CheckCase{"unknown", [](Topology& t) { t.state("db5").semi_sync.reset(); }, {}, "semi_sync_settings", false,
                  "db5's semi-sync settings are unknown."}));

// slave_net_timeout is a warning: failing, it names the replicas that would
// notice a hung primary after pivotd declares it dead, and the cluster stays
// eligible (OneCheck's "ineligible when failing" does not apply).
struct WarningCase {
  const char* scenario;
  std::function<void(Topology&)> change;
  bool ok;
  const char* detail;  // the whole detail
};

class SlaveNetTimeout : public ::testing::TestWithParam<WarningCase> {};

TEST_P(SlaveNetTimeout, WarnsWithoutMakingTheClusterIneligible) {
  const auto& c = GetParam();
  const auto s = healthy_after(c.change);
  const auto* check = s.find("slave_net_timeout");
  ASSERT_NE(check, nullptr);
  EXPECT_TRUE(check->warning);
  EXPECT_EQ(check->ok, c.ok);
  EXPECT_EQ(check->detail, c.detail);
  EXPECT_TRUE(s.eligible) << ::testing::PrintToString(failing(s));
}

INSTANTIATE_TEST_SUITE_P(
    Warning, SlaveNetTimeout,
    ::testing::Values(
        WarningCase{"every replica below", no_change, true,
                    "Every replica's slave_net_timeout is below agent_dead_ms (3000 ms): db2 2 s, db3 2 s, db4 2 s, "
                    "db5 2 s."},
        WarningCase{"one at the default",
                    [](Topology& t) { t.state("db3").slave_net_timeout = 60; }, false,
                    "db3's slave_net_timeout (60 s) is at or above agent_dead_ms (3000 ms): a dead primary is noticed "
                    "by its replicas later than pivotd declares it; set it below agent_dead_ms (a new value takes "
                    "effect when the IO thread restarts)."},
        WarningCase{"equal is at or above",
                    [](Topology& t) { t.state("db2").slave_net_timeout = 3; }, false,
                    "db2's slave_net_timeout (3 s) is at or above agent_dead_ms (3000 ms): a dead primary is noticed "
                    "by its replicas later than pivotd declares it; set it below agent_dead_ms (a new value takes "
                    "effect when the IO thread restarts)."},
        WarningCase{"a longer agent_dead_ms",
                    [](Topology& t) {
                      t.spec.policy.agent_dead_ms = 10'000;
                      t.state("db2").slave_net_timeout = 9;
                    },
                    true,
                    "Every replica's slave_net_timeout is below agent_dead_ms (10000 ms): db2 9 s, db3 2 s, db4 2 s, "
                    "db5 2 s."},
        WarningCase{"two late, backup included",
                    [](Topology& t) {
                      t.state("db2").slave_net_timeout = 5;
                      t.state("db4").slave_net_timeout = 60;
                    },
                    false,
                    "db2's slave_net_timeout (5 s), db4's slave_net_timeout (60 s) are at or above agent_dead_ms "
                    "(3000 ms): a dead primary is noticed by its replicas later than pivotd declares it; set it below "
                    "agent_dead_ms (a new value takes effect when the IO thread restarts)."},
        WarningCase{"the primary's own is not judged",
                    [](Topology& t) { t.state("db1").slave_net_timeout = 60; }, true,
                    "Every replica's slave_net_timeout is below agent_dead_ms (3000 ms): db2 2 s, db3 2 s, db4 2 s, "
                    "db5 2 s."},
        WarningCase{"an older agent does not send it",
                    [](Topology& t) { t.state("db5").slave_net_timeout.reset(); }, false,
                    "db5's agent does not report slave_net_timeout (an agent older than pivotd)."},
        WarningCase{"a node without a source notices nothing",
                    [](Topology& t) {
                      t.state("db5").replica.reset();
                      t.state("db5").slave_net_timeout = 60;
                    },
                    true,
                    "Every replica's slave_net_timeout is below agent_dead_ms (3000 ms): db2 2 s, db3 2 s, db4 2 s."}));

// Unknown is a failing warning too, and a failing check besides it still
// makes the cluster ineligible.
TEST(SlaveNetTimeout, UnknownWarnsAndOtherFailuresStillCount) {
  auto t = Topology::healthy();
  t.state("db3").slave_net_timeout = 60;
  t.heard("db4", 5000);
  const auto s = t.status();
  const auto* check = s.find("slave_net_timeout");
  EXPECT_FALSE(check->ok);
  EXPECT_THAT(check->detail, HasSubstr("db3's slave_net_timeout (60 s) is at or above"));
  EXPECT_THAT(check->detail, HasSubstr("Cannot tell db4's slave_net_timeout: db4's agent"));
  EXPECT_FALSE(s.eligible) << "agents_fresh fails: " << s.find("agents_fresh")->detail;
  for (const auto& c : s.checks) EXPECT_EQ(c.warning, c.id == "slave_net_timeout") << c.id;
}

// Candidate choice: never backup or analytics, least lag, then priority,
// then AZ spread, then name; every other node rejected with its reason.

TEST(CandidateChoice, EqualLagGoesToTheHigherPriority) {
  const auto s = Topology::healthy().status();
  EXPECT_EQ(s.candidate, "db2");
  EXPECT_EQ(s.candidate_reason, "db2 is as caught up as db3 and has the higher priority (10 vs 0).");
  EXPECT_EQ(s.rejected, (std::vector<Rejected>{{"db1", "db1 is the current primary"},
                                               {"db3", "db3 has a lower priority than db2 (0 vs 10)"},
                                               {"db4", "db4 is a backup node: never promoted"},
                                               {"db5", "db5 is an analytics node: never promoted"}}));
}

// One scenario: who is chosen, why, and why one other node is not.
struct ChoiceCase {
  const char* scenario;
  std::function<void(Topology&)> change;
  const char* candidate;
  const char* reason;
  const char* loser;
  const char* loser_reason;
  bool eligible;
};

class Choice : public ::testing::TestWithParam<ChoiceCase> {};

TEST_P(Choice, NamesTheWinnerAndWhyEachOtherLost) {
  const auto& c = GetParam();
  const auto s = healthy_after(c.change);
  EXPECT_EQ(s.candidate, c.candidate);
  EXPECT_EQ(s.candidate_reason, c.reason);
  EXPECT_EQ(reason_for(s, c.loser), c.loser_reason);
  EXPECT_EQ(s.eligible, c.eligible) << ::testing::PrintToString(failing(s));
  EXPECT_EQ(s.rejected.size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(
    CandidateChoice, Choice,
    ::testing::Values(
        ChoiceCase{"less lag beats priority", [](Topology& t) { t.replica("db2", "db1", "0-1-100", 3); }, "db3",
                   "db3 has the least lag (0 s).", "db2", "db2 lags more than db3 (3 s vs 0 s)", true},
        // A few transactions apart is snapshot timing under load: priority wins.
        ChoiceCase{"priority beats a few transactions at an equal lag",
                   [](Topology& t) { t.replica("db2", "db1", "0-1-97", 0); }, "db2",
                   "db2 is as caught up as db3 and has the higher priority (10 vs 0).", "db3",
                   "db3 has a lower priority than db2 (0 vs 10)", true},
        ChoiceCase{"fewer transactions behind breaks an equal lag and priority",
                   [](Topology& t) {
                     t.spec.nodes[1].priority = 0;
                     t.replica("db2", "db1", "0-1-97", 0);
                   },
                   "db3", "db3 is the least behind (0 transactions, db2 3).", "db2",
                   "db2 is further behind than db3 (3 vs 0 transactions)", true},
        ChoiceCase{"equal everything goes by name", [](Topology& t) { t.spec.nodes[1].priority = 0; }, "db2",
                   "db2 ties with db3 on lag, priority and AZ spread and comes first by name.", "db3",
                   "db3 ties with db2 on lag, priority and AZ spread and comes after it by name", true},
        ChoiceCase{"a failing replica is rejected with its first failure",
                   [](Topology& t) { t.replica_of("db2").seconds_behind = 12; }, "db3",
                   "db3 is the only node that passes every candidate check.", "db2", "db2 lags 12 s (max 5 s)", true},
        // db3 fails candidate_version too: db2's version is unknown.
        ChoiceCase{
            "a stale replica is not chosen", [](Topology& t) { t.heard("db2", 5000); }, "db3",
            "No node passes every candidate check; db3 comes closest (1 failing) and is shown with what fails.", "db2",
            "Cannot tell whether db2 replicates: db2's agent has not reported for 5000 ms (limit 3000 ms)", false},
        // When no node passes, the closest is still shown so that its
        // failing checks say what to fix; backup and analytics never are.
        ChoiceCase{"nothing eligible shows the closest, never db4 or db5",
                   [](Topology& t) {
                     t.replica_of("db2").seconds_behind = 30;
                     t.replica_of("db3").seconds_behind = 12;
                   },
                   "db3",
                   "No node passes every candidate check; db3 comes closest (1 failing) and is shown with what fails.",
                   "db2", "db2 lags 30 s (max 5 s)", false}));

TEST(CandidateChoice, AStaleReplicaLeavesWhatItKnowsUnknown) {
  auto t = Topology::healthy();
  t.heard("db2", 5000);
  // db2's silence leaves its writability, replication and version unknown,
  // its settings unknown, and db3 one promotable replica short after the pivot.
  EXPECT_EQ(failing(t.status()),
            std::vector<std::string>({"agents_fresh", "single_writable_primary", "gtid_replication",
                                      "candidate_version", "replicas_after_pivot", "gtid_strict_mode",
                                      "semi_sync_settings", "slave_net_timeout"}));
}

TEST(CandidateChoice, NoPromotableNodeBesidesThePrimary) {
  auto t = Topology::healthy();
  t.spec.nodes = {t.spec.nodes[0], t.spec.nodes[3], t.spec.nodes[4]};  // db1, db4 backup, db5 analytics
  const auto s = t.status();
  EXPECT_FALSE(s.eligible);
  EXPECT_EQ(s.candidate, "");
  EXPECT_EQ(s.candidate_reason, "No node besides the primary may be promoted.");
  EXPECT_EQ(s.find("candidate_promotable")->detail,
            "No candidate: db1 is the current primary; db4 is a backup node: never promoted; db5 is an analytics "
            "node: never promoted.");
  EXPECT_EQ(s.rejected.size(), 3u);
}

TEST(NamedCandidate, IsCheckedEvenWithLowerPriority) {
  const auto s = Topology::healthy().status("db3");
  EXPECT_TRUE(s.eligible) << ::testing::PrintToString(failing(s));
  EXPECT_EQ(s.candidate, "db3");
  EXPECT_EQ(s.candidate_reason, "named by the operator");
  EXPECT_EQ(reason_for(s, "db2"), "db2 was not considered: the operator named db3");
  EXPECT_EQ(reason_for(s, "db4"), "db4 is a backup node: never promoted");
  EXPECT_EQ(reason_for(s, "db3"), "(not rejected)");
}

TEST(NamedCandidate, NotInTheSpecKeepsItsNameAndFails) {
  const auto s = Topology::healthy().status("db9");
  EXPECT_FALSE(s.eligible);
  EXPECT_EQ(s.candidate, "db9");
  EXPECT_EQ(s.rejected.size(), 5u);
  EXPECT_EQ(failing(s), std::vector<std::string>({"candidate_promotable", "candidate_replicating", "candidate_lag",
                                                  "candidate_no_errant_gtid", "candidate_binlog", "candidate_version",
                                                  "replicas_after_pivot", "az_spread", "candidate_gtid_domains"}));
}

// Nothing heard from anyone: nothing passes by default. Only the spec's role
// of the chosen node and the absence of a job are known.
TEST(UnknownStates, NothingHeardPassesNothing) {
  Topology t;
  const auto s = t.status();
  EXPECT_FALSE(s.eligible);
  EXPECT_EQ(s.primary, "");
  for (const auto& c : s.checks) {
    if (c.id == "candidate_promotable" || c.id == "no_job_in_progress") continue;
    EXPECT_FALSE(c.ok) << c.id << ": " << c.detail;
  }
  EXPECT_EQ(s.find("agents_fresh")->detail,
            "db1's agent has never reported; db2's agent has never reported; db3's agent has never reported; db4's "
            "agent has never reported; db5's agent has never reported.");
}

TEST(UnknownStates, EveryMysqldDownPassesNothingAboutThem) {
  auto t = Topology::healthy();
  for (const char* n : {"db1", "db2", "db3", "db4", "db5"}) t.down(n);
  const auto s = t.status();
  EXPECT_FALSE(s.eligible);
  EXPECT_EQ(failing(s),
            std::vector<std::string>({"single_writable_primary", "gtid_replication", "candidate_replicating",
                                      "candidate_lag", "candidate_no_errant_gtid", "candidate_binlog",
                                      "candidate_version", "replicas_after_pivot", "az_spread", "gtid_strict_mode",
                                      "candidate_gtid_domains", "old_primary_demotable", "semi_sync_settings",
                                      "slave_net_timeout"}));
}

}  // namespace
}  // namespace pivot::controller
