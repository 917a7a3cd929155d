#include "pivot/gtid/mariadb_position.hpp"

#include "gtid_test_support.hpp"

#include <gtest/gtest.h>

namespace pivot::gtid {
namespace {

using testing::BadInput;
using testing::CanonicalCase;

MariadbPosition pos(std::string_view text) { return testing::parsed<MariadbPosition>(text); }

TEST(MariadbGtid, ParsesAndPrintsOne) {
  auto gtid = MariadbGtid::parse(" 0-1-1042\n");
  ASSERT_TRUE(gtid.ok());
  EXPECT_EQ(*gtid, (MariadbGtid{0, 1, 1042}));
  EXPECT_EQ(gtid->to_string(), "0-1-1042");
}

TEST(MariadbGtid, TakesTheFullRangeOfEachNumber) {
  auto gtid = MariadbGtid::parse("4294967295-4294967295-18446744073709551615");
  ASSERT_TRUE(gtid.ok());
  EXPECT_EQ(gtid->to_string(), "4294967295-4294967295-18446744073709551615");
}

TEST(MariadbGtid, RefusesAListOrGarbage) {
  const BadInput cases[] = {
      {"0-1-5,1-1-5", "bad_gtid", "'0-1-5,1-1-5' at offset 0"},
      {"", "bad_gtid", "empty GTID"},
      {"  0-1", "bad_gtid", "'0-1' at offset 2"},
  };
  for (const BadInput& bad : cases) testing::expect_error<MariadbGtid>(bad);
}

TEST(MariadbPosition, RoundTripsToCanonicalText) {
  const CanonicalCase cases[] = {
      {"0-1-1042", "0-1-1042"},
      {"0-1-1042,1-2-77", "0-1-1042,1-2-77"},
      {"1-2-77,0-1-1042", "0-1-1042,1-2-77"},             // sorted by domain
      {"0-1-1042,\n1-2-77", "0-1-1042,1-2-77"},           // as SHOW VARIABLES prints a long one
      {"  0-1-1042 ,  1-2-77  ", "0-1-1042,1-2-77"},      // spaces around elements
      {"10-3-5,2-1-900,0-1-1", "0-1-1,2-1-900,10-3-5"},   // numeric, not text, order
      {"0-1-007", "0-1-7"},                               // leading zeros dropped
      {"0-1-0", "0-1-0"},                                 // seq 0 kept as written
      {"", ""},
      {" \n ", ""},
  };
  for (const CanonicalCase& c : cases) testing::expect_canonical<MariadbPosition>(c);
}

TEST(MariadbPosition, RefusesMalformedText) {
  const BadInput cases[] = {
      {"0-1", "bad_gtid", "'0-1' at offset 0"},
      {"0-1-5,0-1", "bad_gtid", "'0-1' at offset 6"},
      {"0-1-x", "bad_gtid", "GTID seq is not a decimal number: 'x' at offset 4"},
      {"a-b-c", "bad_gtid", "GTID domain is not a decimal number: 'a'"},
      {"-1-1-1", "bad_gtid", "'-1-1-1' at offset 0"},
      {"0-1-2-3", "bad_gtid", "three unsigned numbers"},
      {"0-+1-2", "bad_gtid", "GTID server_id is not a decimal number"},
      {"0-1-5,", "bad_gtid", "empty GTID (a trailing or doubled comma?): '' at offset 6"},
      {"0-1-5,,1-1-1", "bad_gtid", "empty GTID"},
      {",0-1-5", "bad_gtid", "at offset 0"},
      {"0--5", "bad_gtid", "missing GTID server_id"},
      {"4294967296-1-1", "number_out_of_range", "GTID domain is larger than 4294967295: '4294967296'"},
      {"0-4294967296-1", "number_out_of_range", "GTID server_id"},
      {"0-1-18446744073709551616", "number_out_of_range", "GTID seq is larger than 18446744073709551615"},
      {"0-1-99999999999999999999999", "number_out_of_range", "GTID seq"},
      {"0-1-5,0-2-9", "duplicate_domain", "domain 0 appears twice ('0-1-5' and '0-2-9')"},
      {"1-1-5, 0-1-1, 1-1-6", "duplicate_domain", "domain 1 appears twice"},
  };
  for (const BadInput& bad : cases) testing::expect_error<MariadbPosition>(bad);
}

TEST(MariadbPosition, FromGtidsRefusesTwoInOneDomain) {
  EXPECT_TRUE(MariadbPosition::from_gtids({{1, 2, 77}, {0, 1, 1042}}).ok());
  auto twice = MariadbPosition::from_gtids({{0, 1, 5}, {0, 2, 6}});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "duplicate_domain");
}

TEST(MariadbPosition, FindsByDomain) {
  MariadbPosition p = pos("0-1-1042,1-2-77");
  EXPECT_EQ(p.find(1), (MariadbGtid{1, 2, 77}));
  EXPECT_FALSE(p.find(2).has_value());
  EXPECT_EQ(p.seq(0), 1042u);
  EXPECT_EQ(p.seq(5), 0u);
}

TEST(MariadbPosition, AtLeastComparesSeqPerDomain) {
  struct Case {
    const char* a;
    const char* b;
    bool a_at_least_b;
    bool b_at_least_a;
  };
  const Case cases[] = {
      {"0-1-1042,1-2-77", "0-1-1042,1-2-77", true, true},     // equal
      {"0-1-1042,1-2-77", "0-1-1000,1-2-77", true, false},    // b behind in domain 0
      {"0-1-1042,1-2-70", "0-1-1000,1-2-77", false, false},   // each ahead in one domain
      {"0-1-1042,1-2-77", "0-1-1042", true, false},           // domain 1 only in a
      {"0-2-1100", "0-1-1042", true, false},                  // seq counts, whoever wrote it
      {"", "0-1-1", false, true},
      {"", "", true, true},
      {"0-1-0", "", true, true},                              // seq 0: nothing in that domain
      {"0-1-18446744073709551615", "0-1-18446744073709551614", true, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.a) + " vs " + c.b);
    EXPECT_EQ(pos(c.a).at_least(pos(c.b)), c.a_at_least_b);
    EXPECT_EQ(pos(c.b).at_least(pos(c.a)), c.b_at_least_a);
  }
}

TEST(MariadbPosition, EqualityIsExact) {
  EXPECT_EQ(pos("1-2-77,0-1-1042"), pos("0-1-1042, 1-2-77"));
  EXPECT_NE(pos("0-1-1042"), pos("0-2-1042"));  // same seq, another server: not the same history
  EXPECT_NE(pos("0-1-0"), pos(""));
}

TEST(MariadbPosition, BehindByGivesTheSeqDistancePerDomain) {
  MariadbPosition primary = pos("0-1-1042,1-2-77,2-3-10");
  MariadbPosition replica = pos("0-1-1000,1-2-77");
  std::vector<DomainLag> expected = {{0, 1000, 1042, 42}, {2, 0, 10, 10}};
  EXPECT_EQ(behind_by(replica, primary), expected);
  EXPECT_TRUE(behind_by(primary, replica).empty());
  EXPECT_TRUE(behind_by(primary, primary).empty());
}

TEST(MariadbPosition, BehindByIgnoresDomainsTheTargetLacks) {
  std::vector<DomainLag> only_domain_5 = {{5, 0, 100, 100}};
  EXPECT_EQ(behind_by(pos("0-1-5"), pos("5-9-100")), only_domain_5);
  EXPECT_TRUE(behind_by(pos("5-9-100"), pos("0-1-0")).empty());
}

}  // namespace
}  // namespace pivot::gtid
