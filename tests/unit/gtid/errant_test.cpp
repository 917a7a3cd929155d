#include "pivot/gtid/errant.hpp"

#include "gtid_test_support.hpp"

#include <gtest/gtest.h>

namespace pivot::gtid {
namespace {

BinlogState state(std::string_view text) { return testing::parsed<BinlogState>(text); }
MysqlGtidSet set(std::string_view text) { return testing::parsed<MysqlGtidSet>(text); }

// The check found exactly one errant entry, with this text and this sentence.
void expect_one(const std::vector<ErrantGtids>& errant, const std::string& gtids, const std::string& reason) {
  ASSERT_EQ(errant.size(), 1u);
  EXPECT_EQ(errant[0], (ErrantGtids{gtids, reason}));
}

// Scenarios: db1 (server_id 1) primary, db2 (2) and db3 (3) replicas.
TEST(MariadbErrant, NoneForAReplicaThatIsMerelyBehind) {
  BinlogState primary = state("0-1-1042,1-1-77");
  EXPECT_TRUE(find_errant(state("0-1-1000,1-1-70"), primary, 2).empty());
  EXPECT_TRUE(find_errant(state("0-1-1000"), primary, 2).empty());
  EXPECT_TRUE(find_errant(state(""), primary, 2).empty());
  EXPECT_TRUE(find_errant(primary, primary, 2).empty());
}

TEST(MariadbErrant, ALocalWriteOnTheReplica) {
  // db2 took a root write (READ_ONLY ADMIN passes read_only) logged with its own server_id.
  expect_one(find_errant(state("0-1-1042,0-2-1043"), state("0-1-1042"), 2),
             "0-2-1043",
             "written locally on this replica (server_id 2); the primary's binlog state has no transaction "
             "from server_id 2 in domain 0");
}

TEST(MariadbErrant, ALocalWriteInADomainThePrimaryNeverSaw) {
  expect_one(find_errant(state("0-1-1042,7-2-3"), state("0-1-1042"), 2),
             "7-2-3",
             "written locally on this replica (server_id 2); the primary's binlog state has nothing in domain 7 "
             "at all");
}

TEST(MariadbErrant, NoneAfterAPivotWhereTheOldPrimaryIdIsEverywhere) {
  // db1 was primary up to 0-1-1042, then db2 was promoted and wrote on.
  // Every node keeps 0-1-1042 in its state; db1, now a replica, is behind.
  BinlogState new_primary = state("0-1-1042,0-2-1300");
  EXPECT_TRUE(find_errant(state("0-1-1042,0-2-1250"), new_primary, 3).empty());  // db3
  EXPECT_TRUE(find_errant(state("0-1-1042,0-2-1300"), new_primary, 1).empty());  // db1, the old primary
  EXPECT_TRUE(find_errant(state("0-1-1042"), new_primary, 1).empty());            // db1 before it caught up
}

TEST(MariadbErrant, TheOldPrimaryWroteAfterTheFenceWasMissed) {
  // db1 wrote 0-1-1043 after db2 took over at 0-1-1042: a split brain leftover.
  expect_one(find_errant(state("0-1-1043"), state("0-1-1042,0-2-1300"), 1),
             "0-1-1043",
             "written locally on this replica (server_id 1); the primary's last from that server in domain 0 is "
             "0-1-1042, so seq 1043 exists only on the replica");
}

TEST(MariadbErrant, WritesFromAnotherServerThePrimaryNeverReplicated) {
  // db3 replicated a transaction from db4 (server 4) that db1 never saw.
  expect_one(find_errant(state("0-1-1042,0-4-1100,1-1-5"), state("0-1-1050,1-1-5"), 3),
             "0-4-1100",
             "written by server_id 4; the primary's binlog state has no transaction from server_id 4 in domain 0");
}

TEST(MariadbErrant, WithoutTheReplicaServerIdTheWriterIsNamed) {
  auto errant = find_errant(state("0-1-100,0-2-110"), state("0-1-100"));
  ASSERT_EQ(errant.size(), 1u);
  EXPECT_EQ(errant[0].reason.rfind("written by server_id 2;", 0), 0u) << errant[0].reason;
}

TEST(MariadbErrant, SeveralEntriesInStateOrder) {
  auto errant = find_errant(state("0-1-100,0-2-110,1-2-5,2-1-9"), state("0-1-90,2-1-9"), 2);
  std::vector<std::string> gtids;
  for (const auto& e : errant) gtids.push_back(e.gtids);
  EXPECT_EQ(gtids, (std::vector<std::string>{"0-1-100", "0-2-110", "1-2-5"}));
  EXPECT_NE(errant[0].reason.find("up to 10 transactions (seq 91 to 100)"), std::string::npos) << errant[0].reason;
}

const std::string A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";  // db1, the primary
const std::string B = "4f22ab58-82db-22f2-af44-d91bba53a673";  // db2, a replica
const std::string C = "5a33bc69-93ec-33a3-b055-ea2ccb64b784";  // db0, a primary long gone

TEST(MysqlErrant, NoneForAReplicaThatIsMerelyBehind) {
  MysqlGtidSet primary = set(C + ":1-500," + A + ":1-1042");
  EXPECT_TRUE(find_errant(set(C + ":1-500," + A + ":1-1000"), primary, B).empty());
  EXPECT_TRUE(find_errant(set(""), primary, B).empty());
  // After a pivot the old primary's uuid stays in every gtid_executed.
  EXPECT_TRUE(find_errant(set(C + ":1-500"), primary, B).empty());
}

TEST(MysqlErrant, ALocalWriteOnTheReplica) {
  expect_one(find_errant(set(A + ":1-1042," + B + ":1-2"), set(A + ":1-1042"),
                         std::string("4F22AB58-82DB-22F2-AF44-D91BBA53A673")),
             B + ":1-2",
             "2 transactions written locally on this replica (source " + B + "), a source the primary never executed");
}

TEST(MysqlErrant, HolesAndTagsAreReportedPerSource) {
  auto errant = find_errant(set(A + ":1-1042:ops:1," + C + ":1-510"), set(A + ":1-1000:1010-1042," + C + ":1-500"), B);
  ASSERT_EQ(errant.size(), 3u);
  EXPECT_EQ(errant[0].gtids, A + ":1001-1009");
  EXPECT_EQ(errant[0].reason, "9 transactions written by source " + A + " beyond what the primary executed from it");
  EXPECT_EQ(errant[1].gtids, A + ":ops:1");
  EXPECT_EQ(errant[1].reason, "1 transaction written by source " + A + " tag ops, a source the primary never executed");
  EXPECT_EQ(errant[2].gtids, C + ":501-510");
}

}  // namespace
}  // namespace pivot::gtid
