// The old primary's return as scenarios: db1 died at 0-1-100, the failover
// promoted db2, which wrote 0-2-1..0-2-5 since; db3, db4 and db5 replicate
// from db2. db1's mysqld restarts read-only (its config says so) and its
// agent reports again.

#include "pivot/controller/returned_primary.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::Topology;
using ::testing::ElementsAre;

Topology after_failover() {
  Topology t;
  t.primary("db2", "0-1-100,0-2-5");
  t.state("db2").gtid_binlog_pos = "0-2-5";
  for (const char* node : {"db3", "db4", "db5"}) t.replica(node, "db2", "0-2-5", 0);
  for (const char* node : {"db3", "db4", "db5"}) t.state(node).gtid_binlog_state = "0-1-100,0-2-5";
  return t;
}

// db1 back, read-only, no source, having logged everything up to `binlog_state`.
void back(Topology& t, const std::string& binlog_state) {
  t.primary("db1", binlog_state);
  t.state("db1").read_only = true;
}

struct Case {
  const char* scenario;
  std::function<void(Topology&)> change;
  bool marked = false;
  ReturnVerdict verdict;
  bool make_read_only;
  std::vector<std::string> reasons;
  std::string extra = "";
  std::uint64_t extra_count = 0;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.scenario; }

class ReturnedPrimaryCase : public ::testing::TestWithParam<Case> {};

TEST_P(ReturnedPrimaryCase, IsJudgedWithItsReasons) {
  const auto& c = GetParam();
  auto t = after_failover();
  c.change(t);
  const auto r = judge_returned_primary({t.spec, t.observed, t.now_ms, "db1", "db2", c.marked});
  EXPECT_EQ(r.verdict, c.verdict) << to_string(r.verdict);
  EXPECT_EQ(r.make_read_only, c.make_read_only);
  EXPECT_EQ(r.reasons, c.reasons);
  EXPECT_EQ(r.extra_gtids, c.extra);
  EXPECT_EQ(r.extra_count, c.extra_count);
}

INSTANTIATE_TEST_SUITE_P(
    OldPrimary, ReturnedPrimaryCase,
    ::testing::Values(
        Case{"nothing extra: it rejoins",
             [](Topology& t) { back(t, "0-1-100"); },
             false,
             ReturnVerdict::rejoin,
             false,
             {"db1 holds no transaction the new primary db2 lacks (db1 0-1-100, db2 0-1-100,0-2-5): it rejoins as a "
              "replica of db2 (its gtid_slave_pos seeded from its own gtid_binlog_pos), read-only."}},
        Case{"two transactions the replicas never received: needs_rebuild, named",
             [](Topology& t) { back(t, "0-1-102"); },
             false,
             ReturnVerdict::needs_rebuild,
             false,
             {"db1 holds at most 2 transactions the new primary db2 lacks (0-1-101 to 0-1-102): it needs a rebuild "
              "(needs_rebuild), its extra transactions are not replayed anywhere; it stays read-only and is never "
              "made writable or a source until an operator clears it."},
             "0-1-101 to 0-1-102",
             2},
        Case{"back writable with nothing extra: fenced first, then rejoins",
             [](Topology& t) {
               back(t, "0-1-100");
               t.state("db1").read_only = false;
             },
             false,
             ReturnVerdict::rejoin,
             true,
             {"db1 holds no transaction the new primary db2 lacks (db1 0-1-100, db2 0-1-100,0-2-5): it rejoins as a "
              "replica of db2 (its gtid_slave_pos seeded from its own gtid_binlog_pos), read-only.",
              "db1 is writable: it is made read-only at once, before anything else."}},
        Case{"back writable with an extra transaction: fenced and needs_rebuild",
             [](Topology& t) {
               back(t, "0-1-101");
               t.state("db1").read_only = false;
             },
             false,
             ReturnVerdict::needs_rebuild,
             true,
             {"db1 holds at most 1 transaction the new primary db2 lacks (0-1-101): it needs a rebuild "
              "(needs_rebuild), its extra transactions are not replayed anywhere; it stays read-only and is never "
              "made writable or a source until an operator clears it.",
              "db1 is writable: it is made read-only at once, before anything else."},
             "0-1-101",
             1},
        Case{"read_only unknown is fenced too",
             [](Topology& t) {
               back(t, "0-1-100");
               t.state("db1").read_only.reset();
             },
             false,
             ReturnVerdict::rejoin,
             true,
             {"db1 holds no transaction the new primary db2 lacks (db1 0-1-100, db2 0-1-100,0-2-5): it rejoins as a "
              "replica of db2 (its gtid_slave_pos seeded from its own gtid_binlog_pos), read-only.",
              "db1's read_only is unknown: it is made read-only at once, before anything else."}},
        Case{"marked and not cleared: needs_rebuild whatever its positions",
             [](Topology& t) { back(t, "0-1-100"); },
             true,
             ReturnVerdict::needs_rebuild,
             false,
             {"db1 is marked needs_rebuild and no operator has cleared it: it stays read-only and is never made "
              "writable or a source until an operator clears it."}},
        Case{"already a replica of the new primary: rejoined",
             [](Topology& t) {
               t.replica("db1", "db2", "0-2-5", 0);
               t.state("db1").gtid_binlog_state = "0-1-100,0-2-5";
             },
             false,
             ReturnVerdict::rejoined,
             false,
             {"db1 replicates from the new primary db2 and holds nothing db2 lacks (db1 0-1-100,0-2-5, db2 "
              "0-1-100,0-2-5): it has rejoined, read-only."}},
        Case{"a replica of the new primary with an extra transaction still needs a rebuild",
             [](Topology& t) {
               t.replica("db1", "db2", "0-2-5", 0);
               t.state("db1").gtid_binlog_state = "0-1-101,0-2-5";
             },
             false,
             ReturnVerdict::needs_rebuild,
             false,
             {"db1 holds at most 1 transaction the new primary db2 lacks (0-1-101): it needs a rebuild "
              "(needs_rebuild), its extra transactions are not replayed anywhere; it stays read-only and is never "
              "made writable or a source until an operator clears it."},
             "0-1-101",
             1},
        Case{"its mysqld still down: absent",
             [](Topology& t) {
               back(t, "0-1-100");
               t.down("db1");
             },
             false,
             ReturnVerdict::absent,
             false,
             {"db1's mysqld is unreachable (Can't connect to local server through socket): nothing "
              "to judge until it reports with mysqld up (it is kept read-only on sight)."}},
        Case{"never heard from: absent",
             [](Topology&) {},
             false,
             ReturnVerdict::absent,
             false,
             {"db1's agent has never reported: nothing to judge until it reports with mysqld up (it is kept "
              "read-only on sight)."}},
        Case{"the new primary's agent stale: cannot tell",
             [](Topology& t) {
               back(t, "0-1-100");
               t.heard("db2", 5000);
             },
             false,
             ReturnVerdict::cannot_tell,
             false,
             {"Cannot compare db1 with the new primary db2: db2's agent has not reported for 5000 ms (limit 3000 "
              "ms). db1 stays read-only."}},
        Case{"its binlog state unreadable: cannot tell, fenced",
             [](Topology& t) {
               back(t, "0-1-100");
               t.state("db1").gtid_binlog_state = "zero";
               t.state("db1").read_only = false;
             },
             false,
             ReturnVerdict::cannot_tell,
             true,
             {"Cannot compare db1 with the new primary db2: db1's gtid_binlog_state cannot be read: expected a "
              "GTID domain-server-seq of three unsigned numbers: 'zero' at offset 0. db1 stays read-only.",
              "db1 is writable: it is made read-only at once, before anything else."}},
        Case{"another flavor: cannot tell",
             [](Topology& t) {
               back(t, "0-1-100");
               auto& s = t.state("db1");
               s.flavor = protocol::Flavor::mysql;
               s.gtid_executed = "00000000-0000-0000-0000-000000000001:1-100";
             },
             false,
             ReturnVerdict::cannot_tell,
             false,
             {"Cannot compare db1 with the new primary db2: db1 runs mysql and db2 runs mariadb. db1 stays "
              "read-only."}}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

TEST(ReturnedPrimary, NodesOutsideTheSpecAreNamed) {
  auto t = after_failover();
  back(t, "0-1-100");
  auto r = judge_returned_primary({t.spec, t.observed, t.now_ms, "db9", "db2"});
  EXPECT_EQ(r.verdict, ReturnVerdict::cannot_tell);
  EXPECT_THAT(r.reasons, ElementsAre("The old primary db9 is not in the cluster spec."));
  r = judge_returned_primary({t.spec, t.observed, t.now_ms, "db1", "db9"});
  EXPECT_EQ(r.verdict, ReturnVerdict::cannot_tell);
  EXPECT_THAT(r.reasons, ElementsAre("The new primary db9 is not in the cluster spec: db1 stays read-only."));
}

TEST(ReturnedPrimary, VerdictsHaveNames) {
  EXPECT_STREQ(to_string(ReturnVerdict::absent), "absent");
  EXPECT_STREQ(to_string(ReturnVerdict::cannot_tell), "cannot_tell");
  EXPECT_STREQ(to_string(ReturnVerdict::rejoin), "rejoin");
  EXPECT_STREQ(to_string(ReturnVerdict::rejoined), "rejoined");
  EXPECT_STREQ(to_string(ReturnVerdict::needs_rebuild), "needs_rebuild");
}

}  // namespace
}  // namespace pivot::controller
