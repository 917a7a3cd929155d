#include "pivot/agent/publication.hpp"

#include <gtest/gtest.h>

namespace pivot::agent {
namespace {

using protocol::EventKind;
using protocol::NodeState;

NodeState up_replica(bool read_only = true) {
  NodeState s;
  s.cluster = "sms-1";
  s.node = "db2";
  s.mysql_reachable = true;
  s.version = "10.11.6-MariaDB";
  s.read_only = read_only;
  s.gtid_current_pos = "0-1-100";
  s.replica = protocol::ReplicaStatus{};
  s.replica->io_running = protocol::IoThread::yes;
  s.replica->sql_running = true;
  s.probe_latency_ms = 1.5;
  s.uptime_s = 100;
  return s;
}

NodeState down(const std::string& why) {
  NodeState s;
  s.cluster = "sms-1";
  s.node = "db2";
  s.mysql_reachable = false;
  s.probe_error = why;
  return s;
}

std::vector<EventKind> kinds(const Publish& p) {
  std::vector<EventKind> out;
  for (const auto& e : p.events) out.push_back(e.kind);
  return out;
}

TEST(Publication, FirstSnapshotIsSentWithMysqlUp) {
  Publication pub(1000);
  auto p = pub.on_snapshot(up_replica(), 0);
  EXPECT_TRUE(p.state);
  EXPECT_EQ(kinds(p), std::vector<EventKind>{EventKind::mysql_up});
}

TEST(Publication, FirstSnapshotOfADeadServerIsSentWithoutEvent) {
  Publication pub(1000);
  auto p = pub.on_snapshot(down("Can't connect"), 0);
  EXPECT_TRUE(p.state);
  EXPECT_TRUE(p.events.empty());
}

TEST(Publication, QuietNodeIsSentOnlyAtHeartbeats) {
  Publication pub(1000);
  pub.on_snapshot(up_replica(), 0);
  NodeState same = up_replica();
  same.probe_latency_ms = 9;  // changes every probe, means nothing
  same.uptime_s = 101;
  EXPECT_FALSE(pub.on_snapshot(same, 250).state);
  EXPECT_FALSE(pub.on_snapshot(same, 500).state);
  EXPECT_FALSE(pub.on_tick(999).state);
  EXPECT_TRUE(pub.on_tick(1000).state);
  EXPECT_FALSE(pub.on_snapshot(same, 1250).state);
  EXPECT_TRUE(pub.on_snapshot(same, 2000).state);
}

TEST(Publication, AChangeIsSentAtOnce) {
  Publication pub(1000);
  pub.on_snapshot(up_replica(), 0);
  NodeState moved = up_replica();
  moved.gtid_current_pos = "0-1-101";
  auto p = pub.on_snapshot(moved, 250);
  EXPECT_TRUE(p.state);
  EXPECT_TRUE(p.events.empty());
}

TEST(Publication, HeartbeatsGoOnWhileMysqlIsDown) {
  Publication pub(1000);
  pub.on_snapshot(up_replica(), 0);
  auto p = pub.on_snapshot(down("probe hung for 4000 ms"), 250);
  EXPECT_TRUE(p.state);
  ASSERT_EQ(kinds(p), std::vector<EventKind>{EventKind::mysql_down});
  EXPECT_EQ(p.events[0].detail, "probe hung for 4000 ms");
  EXPECT_TRUE(pub.on_tick(1250).state);
  EXPECT_TRUE(pub.on_tick(2250).state);
}

TEST(Publication, MysqlUpAfterDown) {
  Publication pub(1000);
  pub.on_snapshot(up_replica(), 0);
  pub.on_snapshot(down("gone"), 100);
  auto p = pub.on_snapshot(up_replica(), 200);
  EXPECT_EQ(kinds(p), std::vector<EventKind>{EventKind::mysql_up});
}

TEST(Publication, ReadOnlyChangeIsAnEvent) {
  Publication pub(1000);
  pub.on_snapshot(up_replica(true), 0);
  auto p = pub.on_snapshot(up_replica(false), 100);
  ASSERT_EQ(kinds(p), std::vector<EventKind>{EventKind::read_only_changed});
  EXPECT_EQ(p.events[0].detail, "read_only ON -> OFF");
}

TEST(Publication, ReplicationErrorOnceUntilItChanges) {
  Publication pub(1000);
  pub.on_snapshot(up_replica(), 0);
  NodeState broken = up_replica();
  broken.replica->sql_running = false;
  broken.replica->last_sql_error = "Error 1950: An attempt was made to binlog GTID 0-2-5";
  auto p = pub.on_snapshot(broken, 100);
  ASSERT_EQ(kinds(p), std::vector<EventKind>{EventKind::replication_error});
  EXPECT_EQ(p.events[0].detail, "SQL thread: Error 1950: An attempt was made to binlog GTID 0-2-5");
  EXPECT_TRUE(pub.on_snapshot(broken, 200).events.empty());
}

}  // namespace
}  // namespace pivot::agent
