// The probe's judgement from recorded acks and rows read back: timelines built
// by hand, no server. The integration tests (write_probe_*_test) show the same
// figures against real servers.

#include <gtest/gtest.h>

#include "ack_analysis.hpp"
#include "final_verdict.hpp"
#include "node_address.hpp"
#include "probe_clock.hpp"
#include "probe_report.hpp"
#include "route_text.hpp"

namespace pivot::tools {
namespace {

constexpr std::int64_t kStart = 1'000'000'000;  // us
constexpr std::int64_t kTick = 5'000;

// Node `node` acknowledges ticks [from, to) with a 1 ms round trip.
void acked(std::vector<Ack>& acks, int node, std::int64_t from, std::int64_t to) {
  for (std::int64_t k = from; k < to; ++k) {
    acks.push_back(Ack{k, node, kStart + k * kTick, kStart + k * kTick + 1000});
  }
}

NodeFinal node_with(bool read_only, std::vector<RowKey> rows, std::string checksum = "42") {
  NodeFinal node;
  node.reachable = true;
  node.read_only = read_only;
  node.settled = true;
  node.checksum = std::move(checksum);
  node.rows = std::move(rows);
  return node;
}

std::vector<RowKey> rows_of(const std::vector<Ack>& acks) {
  std::vector<RowKey> rows;
  for (const Ack& a : acks) rows.emplace_back(a.seq, a.node);
  return rows;
}

TEST(BlockedWindow, NoAckAtAllIsOneWindowFromStartToEnd) {
  const auto a = analyze_acks({}, 3, kStart, kStart + 2'000'000);
  EXPECT_EQ(a.blocked.length_us, 2'000'000);
  EXPECT_TRUE(a.blocked.from_start);
  EXPECT_TRUE(a.blocked.until_end);
}

TEST(BlockedWindow, SwitchoverGapBetweenOldAndNewPrimaryIsTheWindow) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 100);    // db1 until tick 99 (ack at 99*5+1 ms)
  acked(acks, 1, 110, 200);  // db2 from tick 110
  const auto a = analyze_acks(acks, 2, kStart, kStart + 200 * kTick);
  EXPECT_EQ(a.blocked.length_us, 11 * kTick);
  EXPECT_EQ(a.blocked.from_us, kStart + 99 * kTick + 1000);
  EXPECT_EQ(a.blocked.to_us, kStart + 110 * kTick + 1000);
  EXPECT_FALSE(a.blocked.from_start);
  EXPECT_FALSE(a.blocked.until_end);
  EXPECT_EQ(a.acked, 190);
  EXPECT_EQ(a.acked_per_node, (std::vector<std::int64_t>{100, 90}));
  EXPECT_TRUE(a.split_brain_ticks.empty());
}

TEST(BlockedWindow, WritesThatNeverCameBackRunToTheEnd) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 10);
  const auto a = analyze_acks(acks, 1, kStart, kStart + 1'000'000);
  EXPECT_TRUE(a.blocked.until_end);
  EXPECT_EQ(a.blocked.to_us, kStart + 1'000'000);
}

TEST(SplitBrain, TwoNodesAckingTheSameTickAreReportedWithBothNodes) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 50);
  acked(acks, 2, 40, 60);  // db3 made writable while db1 still is
  const auto a = analyze_acks(acks, 3, kStart, kStart + 60 * kTick);
  ASSERT_EQ(a.split_brain_ticks.size(), 10u);
  EXPECT_EQ(a.split_brain_ticks.front().seq, 40);
  EXPECT_EQ(a.split_brain_ticks.front().nodes, (std::vector<int>{0, 2}));
  EXPECT_EQ(a.split_brain_nodes, (std::vector<int>{0, 2}));
}

TEST(SplitBrain, NodesTakingTurnsIsNoSplitBrain) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 10);
  acked(acks, 1, 10, 20);
  acked(acks, 0, 20, 30);
  EXPECT_TRUE(analyze_acks(acks, 2, kStart, kStart + 30 * kTick).split_brain_ticks.empty());
}

TEST(CompareRows, AckedButAbsentIsLostPresentButUnackedIsInDoubt) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 5);
  const auto c = compare_rows(acks, {{0, 0}, {1, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0}});
  EXPECT_EQ(c.missing, (std::vector<RowKey>{{2, 0}}));
  EXPECT_EQ(c.in_doubt, 2);
}

TEST(FinalVerdict, LossIsMeasuredOnTheOneWritableNode) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 100);
  acked(acks, 1, 110, 150);
  auto promoted_behind = rows_of(acks);
  promoted_behind.erase(promoted_behind.begin() + 90, promoted_behind.begin() + 100);  // db2 never applied 90..99
  FinalState state;
  state.nodes = {node_with(true, rows_of(acks), "1"), node_with(false, promoted_behind, "2")};
  const FinalVerdict v = judge_final(state, acks);
  EXPECT_EQ(v.final_primary, 1);
  EXPECT_EQ(v.checked_on, 1);
  EXPECT_EQ(v.on_checked.missing.size(), 10u);
  EXPECT_EQ(v.missing_per_node[0], 0);
  EXPECT_FALSE(v.checksums_equal);
}

TEST(FinalVerdict, WithoutAWritableNodeLossIsMeasuredOnTheMostCompleteNode) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 10);
  auto fewer = rows_of(acks);
  fewer.pop_back();
  FinalState state;
  state.nodes = {node_with(true, fewer), node_with(true, rows_of(acks)), NodeFinal{}};
  const FinalVerdict v = judge_final(state, acks);
  EXPECT_FALSE(v.final_primary.has_value());
  EXPECT_EQ(v.checked_on, 1);
  EXPECT_TRUE(v.on_checked.missing.empty());
  EXPECT_TRUE(v.checksums_equal) << "unreachable nodes are left out of the comparison";
  EXPECT_EQ(v.reachable, 2);
}
// Three stalls between acks: 3 ticks (the machine's), the switchover's 11 and
// 4 after it. The listing keeps the longest, in time order, so a
// caller finds the switchover's own window beside stalls it did not cause.
std::vector<Ack> three_stalls() {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 20);
  acked(acks, 0, 22, 100);   // ticks 20 and 21 missed: 3 ticks between acks
  acked(acks, 1, 110, 150);  // the switchover: 11 ticks
  acked(acks, 1, 153, 200);  // 4 ticks
  return acks;
}

TEST(Gaps, TheLongestStallsOverTheThresholdAreListedInTimeOrder) {
  const auto a = analyze_acks(three_stalls(), 2, kStart, kStart + 200 * kTick, GapListing{kTick * 3 / 2, 20});
  ASSERT_EQ(a.gaps.size(), 3U);
  EXPECT_EQ(a.gaps[0].length_us, 3 * kTick);
  EXPECT_EQ(a.gaps[0].from_us, kStart + 19 * kTick + 1000);
  EXPECT_EQ(a.gaps[1].length_us, 11 * kTick);
  EXPECT_EQ(a.gaps[1].from_us, a.blocked.from_us);
  EXPECT_EQ(a.gaps[1].to_us, a.blocked.to_us);
  EXPECT_EQ(a.gaps[2].length_us, 4 * kTick);
}

TEST(Gaps, OnlyTheLongestAreKeptAndNoneWithoutAListing) {
  const auto two = analyze_acks(three_stalls(), 2, kStart, kStart + 200 * kTick, GapListing{kTick * 3 / 2, 2});
  ASSERT_EQ(two.gaps.size(), 2U);
  EXPECT_EQ(two.gaps[0].length_us, 11 * kTick);  // the shortest is dropped, time order kept
  EXPECT_EQ(two.gaps[1].length_us, 4 * kTick);
  EXPECT_TRUE(analyze_acks(three_stalls(), 2, kStart, kStart + 200 * kTick).gaps.empty());
  // A tick's own interval (5 ms between acks) is not a stall.
  std::vector<Ack> steady;
  acked(steady, 0, 0, 200);
  EXPECT_TRUE(analyze_acks(steady, 1, kStart, kStart + 200 * kTick, GapListing{kTick * 3 / 2, 20}).gaps.empty());
}

ReportInput report_for(std::vector<Ack> acks, FinalState state, int nodes) {
  ReportInput in;
  for (int i = 0; i < nodes; ++i) in.node_names.push_back("127.0.0.1:" + std::to_string(3306 + i));
  in.writers.assign(static_cast<std::size_t>(nodes), WriterStats{});
  in.mode = "all_nodes";
  in.interval_ms = kTick / 1000;
  in.start_us = kStart;
  in.end_us = kStart + 200 * kTick;
  in.analysis = analyze_acks(acks, nodes, in.start_us, in.end_us);
  in.verdict = judge_final(state, acks);
  in.final_state = std::move(state);
  return in;
}

TEST(Gaps, TheReportGivesEachWithItsEnds) {
  const auto acks = three_stalls();
  FinalState state;
  state.nodes = {node_with(true, rows_of(acks)), node_with(false, rows_of(acks))};
  ReportInput in = report_for(acks, state, 2);
  in.analysis = analyze_acks(acks, 2, in.start_us, in.end_us, GapListing{kTick * 3 / 2, 20});
  const auto json = build_report(in);
  ASSERT_EQ(json["gaps"].size(), 3U);
  EXPECT_EQ(json["gaps"][1]["ms"], 55);
  EXPECT_EQ(json["gaps"][1]["us"], 55'000);
  EXPECT_EQ(json["gaps"][1]["from_epoch_ms"], json["blocked_from_epoch_ms"]);
  EXPECT_EQ(json["gaps"][1]["to_epoch_ms"], json["blocked_to_epoch_ms"]);
  EXPECT_TRUE(build_report(report_for(acks, state, 2))["gaps"].empty());
}

TEST(Report, CleanRunExitsZeroAndCarriesTheContractKeys) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 200);
  FinalState state;
  state.nodes = {node_with(false, rows_of(acks)), node_with(true, rows_of(acks))};
  const ReportInput in = report_for(acks, state, 2);
  EXPECT_EQ(exit_code_for(in), kExitClean);
  const auto json = build_report(in);
  for (const char* key : {"write_blocked_ms", "blocked_from", "blocked_to", "acked", "lost", "split_brain",
                          "checksums_equal", "final_primary"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["lost"], 0);
  EXPECT_EQ(json["acked"], 200);
  EXPECT_EQ(json["split_brain"], false);
  EXPECT_EQ(json["final_primary"], "127.0.0.1:3306");
}

TEST(Report, LostRowsExitOneAndAreListed) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 200);
  auto rows = rows_of(acks);
  rows.resize(150);
  FinalState state;
  state.nodes = {node_with(true, rows_of(acks)), node_with(false, rows)};
  ReportInput in = report_for(acks, state, 2);
  in.max_listed = 3;
  EXPECT_EQ(exit_code_for(in), kExitLostOrSplit);
  const auto json = build_report(in);
  EXPECT_EQ(json["lost"], 50);
  EXPECT_EQ(json["lost_rows"].size(), 3u);
  EXPECT_EQ(json["lost_rows"][0]["seq"], 150);
  EXPECT_EQ(json["lost_checked_on"], "127.0.0.1:3307");
}

TEST(Report, TwoWritableNodesAtTheEndAreASplitBrainEvenWithoutSharedTicks) {
  std::vector<Ack> acks;
  acked(acks, 0, 0, 200);
  FinalState state;
  state.nodes = {node_with(false, rows_of(acks)), node_with(false, rows_of(acks))};
  const ReportInput in = report_for(acks, state, 2);
  EXPECT_TRUE(split_brain(in));
  EXPECT_EQ(exit_code_for(in), kExitLostOrSplit);
  EXPECT_EQ(build_report(in)["split_brain_ticks"], 0);
}

TEST(Report, NothingReachableAtTheEndCouldNotBeJudged) {
  FinalState state;
  state.nodes = {NodeFinal{}, NodeFinal{}};
  EXPECT_EQ(exit_code_for(report_for({}, state, 2)), kExitCouldNotRun);
}

TEST(Report, TimestampsAreRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(rfc3339_ms(1'795'543'493'140'999), "2026-11-24T18:04:53.140Z");
  EXPECT_EQ(rfc3339_ms(5'000), "1970-01-01T00:00:00.005Z");
}

TEST(TickPlan, LateWritersSkipTicksInsteadOfSendingThemLate) {
  const TickPlan plan = TickPlan::starting_after(1'000'002, 5'000);
  EXPECT_EQ(plan.first_tick, 201);
  EXPECT_EQ(plan.first_tick_from(0), 201);
  EXPECT_EQ(plan.first_tick_from(1'005'000), 201);
  EXPECT_EQ(plan.first_tick_from(1'005'001), 202);
}

TEST(NodeAddress, ParsesHostPortAndRefusesWhatCannotGoIntoSql) {
  auto node = parse_node_address(" 127.0.0.1:3306 ");
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->name(), "127.0.0.1:3306");
  EXPECT_FALSE(parse_node_address("db1").ok());
  EXPECT_FALSE(parse_node_address("db1:0").ok());
  EXPECT_FALSE(parse_node_address("db'1:3306").ok());
  auto list = parse_node_list("a:1, b:2");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  EXPECT_EQ(parse_node_list("a:1,").error().code, "bad_node");
}

// --route: a file replaced whole holds one line; a file appended to holds
// one line per switch, and the newest complete one is the route.
TEST(RouteLine, TheLastCompleteLineIsTheRoute) {
  EXPECT_EQ(route_line("127.0.0.1:3306\n"), "127.0.0.1:3306");
  EXPECT_EQ(route_line("127.0.0.1:3306"), "127.0.0.1:3306") << "one line written without its newline";
  EXPECT_EQ(route_line("127.0.0.1:3306\n127.0.0.1:3307\n"), "127.0.0.1:3307");
  EXPECT_EQ(route_line("a:1\nb:2\nc:3\n"), "c:3");
}

TEST(RouteLine, AnAppendInProgressIsNotReadYet) {
  EXPECT_EQ(route_line("127.0.0.1:3306\n127.0.0"), "127.0.0.1:3306");
  EXPECT_EQ(route_line("127.0.0.1:3306\n127.0.0.1:3307\n127.0.0.1:33"), "127.0.0.1:3307");
}

TEST(RouteLine, NothingNamedPausesWriting) {
  EXPECT_EQ(route_line(""), "");
  EXPECT_EQ(route_line("\n"), "");
  EXPECT_EQ(route_line("127.0.0.1:3306\n\n"), "") << "an empty line appended routes to no node";
}

}  // namespace
}  // namespace pivot::tools
