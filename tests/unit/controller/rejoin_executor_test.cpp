// The rejoin job (controller/src/executor/repair_executor.cpp) against fake
// agents and a fake model: its judge reads the returned old primary on a
// state probed after its fence, not on one a heartbeat repeats from before.

#include <gtest/gtest.h>

#include "fake_ports.hpp"
#include "pivot/controller/detail_json.hpp"
#include "pivot/controller/repair_executor.hpp"
#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::FakeAgents;
using test::Topology;

// db2 promoted after db1 at 0-1-100 was failed over (it then wrote 0-2-1..10);
// db1 back at `db1_at`, writable or not, as its agent's report says.
ObservedCluster returned(const std::string& db1_at, bool read_only) {
  auto t = Topology::healthy();
  t.primary("db2", "0-1-100,0-2-10");
  t.primary("db1", db1_at);
  t.state("db1").read_only = read_only;
  ObservedCluster s;
  s.observed = t.observed;
  s.now_ms = t.now_ms;
  return s;
}

class RejoinExecutorTest : public ::testing::Test, protected test::FakeExecutorPorts {
 protected:
  // report_position after the fence: db1 at `fenced_at`, read-only.
  RejoinOutcome rejoin(const std::string& fenced_at) {
    agents.reply("db1", "report_position",
                 {FakeAgents::ok({{"gtid_binlog_pos", fenced_at},
                                  {"gtid_current_pos", fenced_at},
                                  {"gtid_slave_pos", std::string("")},
                                  {"gtid_executed", std::monostate{}},
                                  {"read_only", true},
                                  {"fence", std::string("none")}})});
    RepairExecutor executor({agents, hooks, source, clock, observer, lock, journal});
    return executor.rejoin({"rj-1-1", Topology::healthy().spec, "db1", "db2"});
  }
};

// db1 woke writable, a client pinned to its address committed 0-1-101..105,
// then the fence. The first report after the fence repeats the state probed
// before those commits (nothing extra: it would rejoin); the next one shows
// them: the judge waits for it.
TEST_F(RejoinExecutorTest, TheJudgeWaitsForAReportShowingThePositionReadAfterTheFence) {
  source.snapshots = {returned("0-1-100", false), returned("0-1-105", true)};
  const auto out = rejoin("0-1-105");
  EXPECT_EQ(out.verdict, ReturnVerdict::needs_rebuild) << to_json(out.job.result).dump(2);
  EXPECT_EQ(out.extra_gtids, "0-1-101 to 0-1-105");
  EXPECT_EQ(out.extra_count, 5u);
  EXPECT_EQ(source.snapshots_taken, 2u);
  ASSERT_EQ(source.after_asked.size(), 2u);
  const auto* first = source.snapshots[0].observed.find("db1");
  ASSERT_NE(first, nullptr);
  EXPECT_GT(source.after_asked[1], first->received_at_ms)
      << "the next look asks for a report newer than the one it judged, not the same one again";
  const auto seq = agents.sequence();
  ASSERT_GE(seq.size(), 3u);
  EXPECT_EQ(seq[0], "db1 set_read_only");
  EXPECT_EQ(seq[2], "db1 report_position") << "the position is read after the fence";
}

TEST_F(RejoinExecutorTest, NoReportShowingThePositionAfterTheFenceDecidesNothing) {
  source.snapshots = {returned("0-1-100", false)};  // repeated: db1's agent never probes again
  const auto out = rejoin("0-1-105");
  EXPECT_EQ(out.job.state, JobState::failed) << to_json(out.job.result).dump(2);
  EXPECT_NE(out.verdict, ReturnVerdict::rejoin);
  EXPECT_NE(to_json(out.job.result).dump().find("no state holding its position after the fence (0-1-105)"), std::string::npos)
      << to_json(out.job.result).dump(2);
}

// Nothing committed since the state it reported: judged on that report, no
// wait; then it rejoins (the next report shows it replicating from db2).
TEST_F(RejoinExecutorTest, AReportAlreadyShowingThePositionIsJudgedAtOnce) {
  auto rejoined = Topology::healthy();
  rejoined.primary("db2", "0-1-100,0-2-10");
  rejoined.replica("db1", "db2", "0-1-100,0-2-10", 0);
  ObservedCluster replicating;
  replicating.observed = rejoined.observed;
  replicating.now_ms = rejoined.now_ms;
  source.snapshots = {returned("0-1-100", true), replicating};
  const auto out = rejoin("0-1-100");
  EXPECT_EQ(out.verdict, ReturnVerdict::rejoin) << to_json(out.job.result).dump(2);
  EXPECT_EQ(out.job.state, JobState::succeeded) << to_json(out.job.result).dump(2);
  ASSERT_EQ(source.fresh_asked.size(), 2u) << "one report for the judge, one for verify";
  EXPECT_EQ(source.fresh_asked.at(1), (std::vector<std::string>{"db1"}));
}

}  // namespace
}  // namespace pivot::controller
