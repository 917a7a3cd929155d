// MarksStore's fleet of automatic failovers (the guard's fleet cap): every
// cluster's starts within the hour, as each cluster's marks change, are
// cleared or come back from a journal.
#include "pivot/controller/marks_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pivot/controller/memory_journal.hpp"

namespace pivot::controller {
namespace {
using ::testing::UnorderedElementsAre;

constexpr std::uint64_t kNow = 1'795'000'000'000;
constexpr std::uint64_t kMinute = 60 * 1000;

class MarksStoreTest : public ::testing::Test {
 protected:
  void failed_over(const std::string& cluster, std::uint64_t at) {
    store_.update(cluster, [&](ClusterMarks& m) { m.auto_failovers_ms.push_back(at); }, kNow);
  }

  MemoryJournal journal_;
  MarksStore store_{journal_};
};

TEST_F(MarksStoreTest, TheFleetHoldsEveryClustersFailoversOfTheHour) {
  EXPECT_TRUE(store_.fleet_auto_failovers(kNow).empty());
  failed_over("a", kNow - 50 * kMinute);
  failed_over("b", kNow - 5 * kMinute);
  failed_over("b", kNow - 1 * kMinute);
  // A cluster whose marks hold no failover (a last primary only) adds none.
  store_.update("c", [](ClusterMarks& m) { m.last_primary = LastPrimary{.node = "db1"}; }, kNow);
  EXPECT_THAT(store_.fleet_auto_failovers(kNow),
              UnorderedElementsAre(kNow - 50 * kMinute, kNow - 5 * kMinute, kNow - 1 * kMinute));
  // Twenty minutes on, a's is older than the hour.
  EXPECT_THAT(store_.fleet_auto_failovers(kNow + 20 * kMinute),
              UnorderedElementsAre(kNow - 5 * kMinute, kNow - 1 * kMinute));
}

TEST_F(MarksStoreTest, AClusterWhoseFailoversAreClearedOrWhoseMarksAreEmptiedLeavesTheFleet) {
  failed_over("a", kNow - 10 * kMinute);
  failed_over("b", kNow - 5 * kMinute);
  store_.update("a", [](ClusterMarks& m) { m.auto_failovers_ms.clear(); m.last_primary = LastPrimary{.node = "db1"}; },
                kNow);
  EXPECT_THAT(store_.fleet_auto_failovers(kNow), UnorderedElementsAre(kNow - 5 * kMinute));
  store_.update("b", [](ClusterMarks& m) { m = ClusterMarks{}; }, kNow);  // emptied: erased
  EXPECT_TRUE(store_.fleet_auto_failovers(kNow).empty());
  // An update drops the cluster's starts older than the hour.
  failed_over("a", kNow - 70 * kMinute);
  EXPECT_TRUE(store_.fleet_auto_failovers(kNow - 20 * kMinute).empty());
}

TEST_F(MarksStoreTest, RestoredMarksReplaceTheFleet) {
  failed_over("a", kNow - 10 * kMinute);
  ClusterMarks b;
  b.auto_failovers_ms = {kNow - 30 * kMinute};
  ClusterMarks c;
  c.last_primary = LastPrimary{.node = "db2"};
  store_.restore({{"b", b}, {"c", c}});
  EXPECT_THAT(store_.fleet_auto_failovers(kNow), UnorderedElementsAre(kNow - 30 * kMinute));
}

}  // namespace
}  // namespace pivot::controller
