#include "pivot/gtid/mysql_gtid_set.hpp"

#include "gtid_test_support.hpp"

#include <gtest/gtest.h>

namespace pivot::gtid {
namespace {

using testing::BadInput;
using testing::CanonicalCase;

const std::string A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
const std::string B = "4f22ab58-82db-22f2-af44-d91bba53a673";

MysqlGtidSet set(std::string_view text) { return testing::parsed<MysqlGtidSet>(text); }

TEST(MysqlGtidSet, RoundTripsToCanonicalText) {
  const CanonicalCase cases[] = {
      {A + ":1-5", A + ":1-5"},
      {A + ":1-5:7-9," + B + ":1-3", A + ":1-5:7-9," + B + ":1-3"},
      {B + ":1-3,\n" + A + ":1-5", A + ":1-5," + B + ":1-3"},           // as MySQL prints, sorted by uuid
      {"3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5", A + ":1-5"},          // uuid printed lowercase
      {A + ":7", A + ":7"},                                              // a single number
      {A + ":7-7", A + ":7"},
      {A + ":7-9:1-5", A + ":1-5:7-9"},                                  // sorted
      {A + ":1-5:6-9", A + ":1-9"},                                      // adjacent: merged
      {A + ":1-5:3-9:20", A + ":1-9:20"},                                // overlapping: merged
      {A + ":1-5," + A + ":6-10", A + ":1-10"},                          // a repeated uuid: merged
      {A + " : 1 - 5 , " + B + " : 2", A + ":1-5," + B + ":2"},          // spaces around separators
      {A + ":9223372036854775807", A + ":9223372036854775807"},          // the largest number
      {A + ":1-5:blue:1-3", A + ":1-5:blue:1-3"},                        // MySQL 8.4 tags
      {A + ":Blue:1-3:5", A + ":blue:1-3:5"},                            // a tag holds until the next tag
      {A + ":BLUE:1-3," + A + ":1-5", A + ":1-5:blue:1-3"},              // untagged first, tag lowercase
      {A + ":zeta:4:alpha:1-2:3", A + ":alpha:1-3:zeta:4"},              // tags sorted, merged
      {A + ":blue:1-3," + A + ":blue:4", A + ":blue:1-4"},
      {A + ":_x9:1", A + ":_x9:1"},
      {"", ""},
      {"\n", ""},
  };
  for (const CanonicalCase& c : cases) testing::expect_canonical<MysqlGtidSet>(c);
}

TEST(MysqlGtidSet, RefusesMalformedText) {
  const BadInput cases[] = {
      {"3e11fa47-71ca-11e1-9e33-c80aa942956:1", "bad_uuid", "at offset 0"},      // a digit short
      {"3e11fa47-71ca-11e1-9e33-c80aa942956g:1", "bad_uuid", "c80aa942956g"},    // not hex
      {"3e11fa4771ca-11e1-9e33-c80aa9429562a:1", "bad_uuid", "expected a server uuid"},
      {A + ":1-5,zz:1", "bad_uuid", "'zz' at offset 41"},
      {A + ":5-1", "bad_interval", "interval starts after it ends: '5-1' at offset 37"},
      {A + ":0", "bad_interval", "transaction numbers start at 1"},
      {A + ":0-5", "bad_interval", "start at 1"},
      {A, "bad_interval", "no transaction intervals after the uuid"},
      {A + ":", "bad_interval", "missing transaction number"},
      {A + ":1-5:", "bad_interval", "missing transaction number"},
      {A + "::1", "bad_interval", "missing transaction number"},
      {A + ":1-", "bad_interval", "missing transaction number"},
      {A + ":-3", "bad_interval", "missing transaction number"},
      {A + ":1-2-3", "bad_interval", "expected an interval N or N-M"},
      {A + ":1x", "bad_interval", "transaction number is not a decimal number: '1x'"},
      {A + ":9223372036854775808", "number_out_of_range", "larger than 9223372036854775807"},
      {A + ":1-99999999999999999999", "number_out_of_range", "transaction number"},
      {A + ":1-5,", "bad_gtid_set", "empty GTID set element (a trailing or doubled comma?): '' at offset 41"},
      {A + ":1,," + B + ":1", "bad_gtid_set", "empty GTID set element"},
      {A + ":blue", "bad_interval", "no transaction intervals after the tag: 'blue'"},
      {A + ":blue:red:1", "bad_interval", "after the tag: 'blue'"},
      {A + ":1:9lives:1", "bad_interval", "9lives"},  // starts with a digit: read as an interval
      {A + ":bl-ue:1", "bad_tag", "'bl-ue'"},
      {A + ":" + std::string(33, 't') + ":1", "bad_tag", "a GTID tag is a letter or _"},
  };
  for (const BadInput& bad : cases) testing::expect_error<MysqlGtidSet>(bad);
}

TEST(MysqlGtidSet, TagsOfThirtyTwoCharactersAreFine) {
  std::string tag(32, 'k');
  EXPECT_EQ(set(A + ":" + tag + ":1").to_string(), A + ":" + tag + ":1");
}

TEST(MysqlGtidSet, CountsTransactions) {
  EXPECT_EQ(set("").count(), 0u);
  EXPECT_EQ(set(A + ":1-5:7-9," + B + ":1-3").count(), 11u);
  EXPECT_EQ(set(A + ":1-5:blue:1-5").count(), 10u);
  EXPECT_EQ(set(A + ":1-9223372036854775807").count(), 9223372036854775807u);
  // Three full sources exceed 2^64: the count saturates rather than wraps.
  std::string full = ":1-9223372036854775807";
  EXPECT_EQ(set(A + full + "," + B + full + "," + A + ":t" + full).count(), UINT64_MAX);
}

TEST(MysqlGtidSet, UnionMergesSources) {
  MysqlGtidSet u = set(A + ":1-5:9," + B + ":1-3").unite(set(A + ":6-8:20," + B + ":5:blue:1"));
  EXPECT_EQ(u.to_string(), A + ":1-9:20," + B + ":1-3:5:blue:1");
  EXPECT_EQ(set(A + ":1-5").unite(MysqlGtidSet{}), set(A + ":1-5"));
}

TEST(MysqlGtidSet, DifferenceKeepsWhatTheOtherLacks) {
  struct Case {
    std::string a;
    std::string b;
    std::string a_minus_b;
  };
  const Case cases[] = {
      {A + ":1-10", A + ":1-10", ""},
      {A + ":1-10", A + ":1-5", A + ":6-10"},
      {A + ":1-10", A + ":3-4:7", A + ":1-2:5-6:8-10"},      // holes punched in the middle
      {A + ":1-10", A + ":1-3:8-20", A + ":4-7"},
      {A + ":1-5:20-30", A + ":4-25", A + ":1-3:26-30"},     // one cut across two intervals
      {A + ":1-10," + B + ":1-3", A + ":1-10", B + ":1-3"},  // a source the other lacks
      {A + ":1-5", B + ":1-5", A + ":1-5"},
      {A + ":1-5:blue:1-3", A + ":1-5", A + ":blue:1-3"},    // a tag is its own source
      {"", A + ":1-5", ""},
      {A + ":1-5", "", A + ":1-5"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.a + " - " + c.b);
    EXPECT_EQ(set(c.a).minus(set(c.b)).to_string(), c.a_minus_b);
  }
}

TEST(MysqlGtidSet, ContainsIsSubset) {
  MysqlGtidSet primary = set(A + ":1-100," + B + ":1-20");
  EXPECT_TRUE(primary.contains(set(A + ":1-90," + B + ":1-20")));  // a replica behind
  EXPECT_TRUE(primary.contains(primary));
  EXPECT_TRUE(primary.contains(MysqlGtidSet{}));
  EXPECT_FALSE(primary.contains(set(A + ":1-101")));
  EXPECT_FALSE(primary.contains(set(A + ":blue:1")));
  EXPECT_FALSE(set(A + ":1-90").contains(primary));
}

TEST(MysqlGtidSet, EqualityIgnoresSpellingAndOrder) {
  EXPECT_EQ(set(B + ":1-3,\n3E11FA47-71CA-11E1-9E33-C80AA9429562:1-2:3-5"), set(A + ":1-5," + B + ":1-3"));
  EXPECT_NE(set(A + ":1-5"), set(A + ":1-4"));
  EXPECT_NE(set(A + ":1-5"), set(A + ":blue:1-5"));
}

TEST(MysqlGtidSet, AddMergesOneInterval) {
  MysqlGtidSet s = set(A + ":1-5");
  s.add(Tsid{A, ""}, GnoInterval{6, 8});
  s.add(Tsid{B, "blue"}, GnoInterval{2, 2});
  EXPECT_EQ(s.to_string(), A + ":1-8," + B + ":blue:2");
}

}  // namespace
}  // namespace pivot::gtid
