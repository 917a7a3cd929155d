// A primary that restarted read-only, as scenarios: db1 was writable at
// 0-1-100 with an uptime of 3600 s; its mysqld restarted (uptime 12 s) with
// read_only=ON from its config; db2..db5 still replicate from it.

#include "pivot/controller/reopen.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "topology_builder.hpp"

namespace pivot::controller {
namespace {

using test::Topology;
using ::testing::ElementsAre;

constexpr const char* kEvidence =
    "db1 is read-only with no source, no other node is writable, every other node follows it and it holds every "
    "transaction any of them holds (0-1-100)";

struct Restart {
  Topology t = Topology::healthy();
  std::optional<protocol::NodeState> last_writable;
  FailoverKind kind = FailoverKind::automatic;
  bool job = false;
  std::optional<Maintenance> maintenance;

  Restart() {
    t.spec.policy.auto_failover = true;
    last_writable = t.state("db1");  // uptime 3600 s
    t.state("db1").read_only = true;
    t.state("db1").uptime_s = 12;
  }

  ReopenDecision decide() const {
    return decide_reopen({t.spec, t.observed, t.now_ms, "db1", kind, last_writable, job, maintenance});
  }
};

struct Case {
  const char* scenario;
  std::function<void(Restart&)> change;
  ReopenVerdict verdict;
  std::vector<std::string> reasons;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.scenario; }

class ReopenCase : public ::testing::TestWithParam<Case> {};

TEST_P(ReopenCase, IsDecidedWithItsReasons) {
  const auto& c = GetParam();
  Restart r;
  c.change(r);
  const auto d = r.decide();
  EXPECT_EQ(d.verdict, c.verdict) << to_string(d.verdict);
  EXPECT_EQ(d.reasons, c.reasons);
}

const std::string kEv = kEvidence;

INSTANTIATE_TEST_SUITE_P(
    WhoDecides, ReopenCase,
    ::testing::Values(
        Case{"auto_failover on, restarted: pivotd reopens it", [](Restart&) {}, ReopenVerdict::reopen,
             {kEv + ", and its mysqld restarted (an outage nobody decided): pivotd reopens it."}},
        Case{"auto_failover off: an operator reopens it",
             [](Restart& r) { r.t.spec.policy.auto_failover = false; }, ReopenVerdict::awaiting_operator,
             {kEv + ", and its mysqld restarted; policy.auto_failover is off, so pivotd does not reopen it by itself: "
                    "an operator may reopen it (pivotctl reopen sms-1)."}},
        Case{"pivotctl reopen", [](Restart& r) {
               r.t.spec.policy.auto_failover = false;
               r.kind = FailoverKind::manual;
             },
             ReopenVerdict::reopen, {kEv + ": reopened by the operator."}},
        Case{"pivotctl reopen of a read-only nobody restarted",
             [](Restart& r) {
               r.kind = FailoverKind::manual;
               r.t.state("db1").uptime_s = 3700;
             },
             ReopenVerdict::reopen,
             {kEv + ": reopened by the operator.",
              "No restart was seen (db1's mysqld did not restart since it was writable (uptime 3700 s, 3600 s then): "
              "someone made it read-only): the operator decided."}},
        Case{"no restart: someone set read_only, pivotd does not undo it",
             [](Restart& r) { r.t.state("db1").uptime_s = 3700; }, ReopenVerdict::awaiting_operator,
             {kEv + ", but db1's mysqld did not restart since it was writable (uptime 3700 s, 3600 s then): someone "
                    "made it read-only; pivotd does not undo that by itself: an operator may reopen it (pivotctl "
                    "reopen sms-1)."}},
        Case{"no writable state kept", [](Restart& r) { r.last_writable.reset(); }, ReopenVerdict::awaiting_operator,
             {kEv + ", but pivotd holds no state of db1 from when it was writable; pivotd does not undo that by "
                    "itself: an operator may reopen it (pivotctl reopen sms-1)."}},
        Case{"uptime unknown now", [](Restart& r) { r.t.state("db1").uptime_s.reset(); },
             ReopenVerdict::awaiting_operator,
             {kEv + ", but db1's uptime is unknown now; pivotd does not undo that by itself: an operator may reopen "
                    "it (pivotctl reopen sms-1)."}},
        Case{"maintenance", [](Restart& r) { r.maintenance = Maintenance{0, "kernel upgrade"}; },
             ReopenVerdict::awaiting_operator,
             {kEv + ", but the cluster is in maintenance (kernel upgrade): no automatic reopen: an operator may "
                    "reopen it (pivotctl reopen sms-1)."}},
        Case{"writable: nothing to do", [](Restart& r) { r.t.state("db1").read_only = false; },
             ReopenVerdict::not_needed, {"db1 is writable: nothing to reopen."}}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

INSTANTIATE_TEST_SUITE_P(
    Refused, ReopenCase,
    ::testing::Values(
        Case{"a replica holds what the primary lost in its crash",
             [](Restart& r) {
               r.t.state("db3").gtid_binlog_state = "0-1-102";
               r.kind = FailoverKind::manual;
             },
             ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: db3 holds what db1 lacks (0-1-101 to 0-1-102): a reopen would "
              "lose it or break db3."}},
        Case{"an errant transaction on the backup node",
             [](Restart& r) { r.t.state("db4").gtid_binlog_state = "0-1-100,0-4-1"; }, ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: db4 holds what db1 lacks (0-4-1): a reopen would lose it or "
              "break db4."}},
        Case{"a replica follows another node: a failover half done",
             [](Restart& r) {
               r.t.replica("db3", "db2", "0-1-100", 0);
               r.t.state("db3").gtid_binlog_state = "0-1-100";
             },
             ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: db3 replicates from 10.0.2.11:3306, not from the primary db1 "
              "(10.0.1.11:3306)."}},
        Case{"another writable node",
             [](Restart& r) {
               r.t.primary("db2", "0-1-100");
               r.kind = FailoverKind::manual;
             },
             ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: db2 is writable: the cluster has another primary."}},
        Case{"a replica whose source was removed",
             [](Restart& r) {
               r.t.primary("db5", "0-1-100");
               r.t.state("db5").read_only = true;
             },
             ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: db5 does not replicate (no source configured): it does not "
              "follow db1."}},
        Case{"a replica not heard from",
             [](Restart& r) { r.t.heard("db3", 5000); }, ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: db3's agent has not reported for 5000 ms (limit 3000 "
              "ms): what it holds is not known."}},
        Case{"a job holds the cluster, and a replica's mysqld is down",
             [](Restart& r) {
               r.job = true;
               r.t.down("db5");
             },
             ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: a pivot or failover holds the cluster; db5's mysqld is "
              "unreachable (Can't connect to local server through socket): what it holds is not known."}},
        Case{"the primary replicates: it was demoted",
             [](Restart& r) {
               r.t.replica("db1", "db2", "0-1-100", 0);
               r.t.state("db1").uptime_s = 12;
             },
             ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: db1 replicates from 10.0.2.11:3306: it was demoted, not "
              "restarted."}},
        Case{"read_only unknown",
             [](Restart& r) { r.t.state("db1").read_only.reset(); }, ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: db1's read_only is unknown."}},
        Case{"the primary's mysqld is down", [](Restart& r) { r.t.down("db1"); }, ReopenVerdict::refused,
             {"db1's mysqld is unreachable (Can't connect to local server through socket): db1 is not reopened."}},
        Case{"what the primary holds cannot be read",
             [](Restart& r) { r.t.state("db1").gtid_binlog_state.reset(); }, ReopenVerdict::refused,
             {"db1 is read-only and is not reopened: Cannot tell what db1 holds: db1's gtid_binlog_state is "
              "unknown."}}),
    [](const auto& info) { return "Case" + std::to_string(info.index); });

TEST(Reopen, APrimaryOutsideTheSpecIsNamed) {
  Restart r;
  const auto d = decide_reopen({r.t.spec, r.t.observed, r.t.now_ms, "db9", r.kind, r.last_writable, false, std::nullopt});
  EXPECT_EQ(d.verdict, ReopenVerdict::refused);
  EXPECT_THAT(d.reasons, ElementsAre("The primary db9 is not in the cluster spec: not reopened."));
}

TEST(Reopen, VerdictsHaveNames) {
  EXPECT_STREQ(to_string(ReopenVerdict::not_needed), "not_needed");
  EXPECT_STREQ(to_string(ReopenVerdict::reopen), "reopen");
  EXPECT_STREQ(to_string(ReopenVerdict::awaiting_operator), "awaiting_operator");
  EXPECT_STREQ(to_string(ReopenVerdict::refused), "refused");
}

}  // namespace
}  // namespace pivot::controller
