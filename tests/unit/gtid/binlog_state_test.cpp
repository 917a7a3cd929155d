#include "pivot/gtid/binlog_state.hpp"

#include "gtid_test_support.hpp"

#include <gtest/gtest.h>

namespace pivot::gtid {
namespace {

using testing::BadInput;
using testing::CanonicalCase;

BinlogState state(std::string_view text) { return testing::parsed<BinlogState>(text); }

TEST(BinlogState, RoundTripsToCanonicalText) {
  const CanonicalCase cases[] = {
      {"0-1-1042", "0-1-1042"},
      {"0-2-1100,0-1-1042,1-2-77", "0-1-1042,0-2-1100,1-2-77"},  // several servers per domain
      {"1-3-80,\n0-3-1300,\n0-1-1042", "0-1-1042,0-3-1300,1-3-80"},
      {"", ""},
  };
  for (const CanonicalCase& c : cases) testing::expect_canonical<BinlogState>(c);
}

TEST(BinlogState, RefusesMalformedText) {
  const BadInput cases[] = {
      {"0-1-5,0-1-9", "duplicate_domain_server", "domain 0 and server 1 appear twice ('0-1-5' and '0-1-9')"},
      {"0-1-5,0-2", "bad_gtid", "'0-2' at offset 6"},
      {"0-1-5,", "bad_gtid", "empty GTID"},
      {"0-1-184467440737095516160", "number_out_of_range", "GTID seq"},
  };
  for (const BadInput& bad : cases) testing::expect_error<BinlogState>(bad);
}

TEST(BinlogState, FromGtidsRefusesTwoForOneServer) {
  auto state = BinlogState::from_gtids({{0, 2, 1100}, {0, 1, 1042}});
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->to_string(), "0-1-1042,0-2-1100");
  auto twice = BinlogState::from_gtids({{0, 1, 5}, {0, 1, 6}});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "duplicate_domain_server");
}

TEST(BinlogState, FindsByDomainAndServer) {
  BinlogState s = state("0-1-1042,0-2-1100");
  EXPECT_EQ(s.find(0, 2), (MariadbGtid{0, 2, 1100}));
  EXPECT_FALSE(s.find(0, 3).has_value());
  EXPECT_FALSE(s.find(1, 1).has_value());
}

TEST(BinlogState, PositionTakesTheHighestSeqPerDomain) {
  // After a pivot from server 1 to server 2, server 2 wrote the latest seq.
  BinlogState s = state("0-1-1042,0-2-1100,1-3-80,1-1-12");
  EXPECT_EQ(s.position().to_string(), "0-2-1100,1-3-80");
  EXPECT_TRUE(BinlogState{}.position().empty());
}

TEST(BinlogState, BeyondListsWhatTheOtherLacks) {
  BinlogState a = state("0-1-1042,0-2-1100,1-2-77");
  BinlogState b = state("0-1-1042,0-2-1090");
  std::vector<GtidRange> expected = {
      {0, 2, 1090, 1100},  // the same server, further
      {1, 2, 0, 77},       // a domain b has never seen
  };
  EXPECT_EQ(a.beyond(b), expected);
  EXPECT_TRUE(b.beyond(a).empty());
  EXPECT_TRUE(a.covers(b));
  EXPECT_FALSE(b.covers(a));
  EXPECT_TRUE(a.beyond(a).empty());
}

TEST(BinlogState, BeyondSeesAServerTheOtherLacksEvenBelowItsSeq) {
  // b is further in domain 0, but never had anything from server 3.
  BinlogState a = state("0-1-1000,0-3-1001");
  BinlogState b = state("0-1-1500");
  std::vector<GtidRange> expected = {{0, 3, 0, 1001}};
  EXPECT_EQ(a.beyond(b), expected);
  EXPECT_EQ(expected[0].last(), (MariadbGtid{0, 3, 1001}));
}

}  // namespace
}  // namespace pivot::gtid
