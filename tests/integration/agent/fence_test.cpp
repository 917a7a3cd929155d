// The fence on a real MariaDB (fence_writes, release_fence, report_position's
// `fence`): root, which writes through read_only, is held until the release;
// a root INSERT queued on the lock and then killed leaves no row; the lock's
// wait is bounded by the command's deadline; a fence whose session dies or
// whose lease passes is said, never silently trusted.
#include <atomic>
#include <chrono>
#include <future>
#include <iostream>
#include <thread>

#include <gtest/gtest.h>

#include "pivot/agent/action_executor.hpp"
#include "pivot/agent/mysql_connector.hpp"
#include "pivot/agent/write_fence.hpp"
#include "command_text.hpp"
#include "pivot/test/cluster_test.hpp"

namespace pivot::agent {
namespace {

using namespace std::chrono_literals;
using protocol::CommandResult;
using protocol::Value;
using protocol::ValueMap;
using pivot::test::Account;
using pivot::test::ClusterTest;

class FenceTest : public ClusterTest {
 protected:
  static void SetUpTestSuite() {
    start_cluster({.nodes = 2, .name = "fence"});
    mysql::init_driver();
  }

  mysql::SessionOptions options(const std::string& user, const std::string& password, int read_timeout_s = 2) const {
    mysql::SessionOptions o;
    o.host = "127.0.0.1";
    o.port = cluster().port(1);
    o.user = user;
    o.password = password;
    o.read_timeout_s = read_timeout_s;
    o.write_timeout_s = 2;
    return o;
  }

  ActionExecutor agent() const {
    return ActionExecutor(options("pivot", cluster().password(Account::pivot)),
                          ReplicationSettings{.user = "repl", .password_file = "", .connect_retry_s = 1,
                                              .heartbeat_period_s = 1},
                          cluster().password(Account::repl));
  }

  CommandResult run(ActionExecutor& executor, const std::string& action, ValueMap args = {},
                    std::chrono::milliseconds timeout = 5s) {
    protocol::Command command{.id = action + "-" + std::to_string(++ids_), .epoch = 1, .action = action,
                              .args = std::move(args), .timeout_ms = static_cast<std::uint64_t>(timeout.count())};
    CommandResult result = executor.run(command, std::chrono::steady_clock::now() + timeout);
    std::cout << "  " << show(result) << "\n";
    return result;
  }

  CommandResult fence(ActionExecutor& executor, std::int64_t lease_ms = 60000, std::chrono::milliseconds timeout = 5s) {
    return run(executor, "fence_writes", {{"lease_ms", lease_ms}}, timeout);
  }

  // A root INSERT on its own thread and session (root holds READ_ONLY ADMIN:
  // read_only does not stop it). Its future says whether the server
  // acknowledged it, or why not.
  std::future<Result<void>> root_insert(int seq) const {
    return std::async(std::launch::async, [o = options("root", "", 10), seq] {
      mysql::ThreadScope scope;
      auto root = mysql::Session::open(o);
      if (!root) return Result<void>(root.error());
      return root->execute("INSERT INTO pivot_test.probe VALUES (" + std::to_string(seq) + ", 'root', 1)");
    });
  }

  std::string rows(int seq) const {
    return cluster().value(1, "SELECT COUNT(*) FROM pivot_test.probe WHERE seq = " + std::to_string(seq));
  }

  mysql::ThreadScope thread_scope_;
  int ids_ = 0;
};

TEST_F(FenceTest, HoldsARootWriterThroughReadOnlyUntilTheRelease) {
  ActionExecutor db1 = agent();
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", true}}).ok);
  const std::string before = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  auto fenced = fence(db1);
  ASSERT_TRUE(fenced.ok) << show(fenced);
  EXPECT_EQ(fenced.detail.at("lock"), Value("backup_stage_block_commit"));
  EXPECT_EQ(fenced.detail.at("held"), Value(true));
  EXPECT_EQ(fenced.detail.at("already"), Value(false));
  EXPECT_EQ(fenced.detail.at("gtid_binlog_pos"), Value(before)) << "the position read with the lock held";

  auto write = root_insert(1);
  EXPECT_EQ(write.wait_for(500ms), std::future_status::timeout) << "root committed through the fence";
  auto position = run(db1, "report_position");
  ASSERT_TRUE(position.ok) << show(position);
  EXPECT_EQ(position.detail.at("fence"), Value("held"));
  EXPECT_EQ(position.detail.at("gtid_binlog_pos"), Value(before)) << "a commit got through the fence";
  // A second fence_writes (another id) finds it held and keeps it.
  auto again = fence(db1);
  ASSERT_TRUE(again.ok) << show(again);
  EXPECT_EQ(again.detail.at("already"), Value(true));

  auto released = run(db1, "release_fence");
  ASSERT_TRUE(released.ok) << show(released);
  EXPECT_EQ(released.detail.at("was"), Value("held"));
  ASSERT_EQ(write.wait_for(5s), std::future_status::ready) << "root still waits after the release";
  EXPECT_TRUE(write.get().ok()) << "the held write should commit once released";
  EXPECT_EQ(rows(1), "1");
  EXPECT_NE(cluster().value(1, "SELECT @@global.gtid_binlog_pos"), before);

  auto nothing = run(db1, "release_fence");
  ASSERT_TRUE(nothing.ok) << show(nothing);
  EXPECT_EQ(nothing.detail.at("was"), Value("none"));
}

// Issue 22: read_only and the lock in one command (the window's first round
// trip): a writable node ends read-only and fenced, its position read under
// the lock; run again it changes nothing and keeps the lock.
TEST_F(FenceTest, ReadOnlyAndTheLockInOneCommand) {
  ActionExecutor db1 = agent();
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", false}}).ok);
  const std::string before = cluster().value(1, "SELECT @@global.gtid_binlog_pos");
  auto fenced = run(db1, "fence_writes", {{"lease_ms", std::int64_t{60000}}, {"read_only", true}});
  ASSERT_TRUE(fenced.ok) << show(fenced);
  EXPECT_EQ(fenced.detail.at("changed"), Value(true));
  EXPECT_EQ(fenced.detail.at("read_only"), Value(true));
  EXPECT_EQ(fenced.detail.at("held"), Value(true));
  EXPECT_EQ(fenced.detail.at("already"), Value(false));
  EXPECT_EQ(fenced.detail.at("gtid_binlog_pos"), Value(before));
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "1");
  auto write = root_insert(22);
  EXPECT_EQ(write.wait_for(500ms), std::future_status::timeout) << "root committed through the fence";

  auto again = run(db1, "fence_writes", {{"lease_ms", std::int64_t{60000}}, {"read_only", true}});
  ASSERT_TRUE(again.ok) << show(again);
  EXPECT_EQ(again.detail.at("changed"), Value(false));
  EXPECT_EQ(again.detail.at("already"), Value(true));

  ASSERT_TRUE(run(db1, "release_fence").ok);
  ASSERT_EQ(write.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(write.get().ok());
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", false}}).ok);
}

// Issue 22: BACKUP STAGE START runs before read_only. A read_only that then
// fails (a running statement holds off its global read lock past the
// deadline) must not leave the stage behind: it would keep every other
// backup, and the next fence, out.
TEST_F(FenceTest, AReadOnlyThatFailsLeavesNoBackupStageBehind) {
  ActionExecutor db1 = agent();
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", false}}).ok);
  auto slow = std::async(std::launch::async, [o = options("root", "", 10)] {
    mysql::ThreadScope scope;
    auto root = mysql::Session::open(o);
    if (!root) return Result<void>(root.error());
    return root->execute("INSERT INTO pivot_test.probe SELECT 9001, 'slow', 1 FROM (SELECT SLEEP(4)) s");
  });
  std::this_thread::sleep_for(300ms);  // the INSERT is running
  auto fenced = run(db1, "fence_writes", {{"lease_ms", std::int64_t{60000}}, {"read_only", true}}, 2000ms);
  EXPECT_FALSE(fenced.ok) << show(fenced);
  EXPECT_EQ(fenced.detail.at("held"), Value(false));
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0");

  auto other = mysql::Session::open(options("root", ""));
  ASSERT_TRUE(other.ok()) << other.error().message;
  ASSERT_TRUE(other->execute("SET SESSION lock_wait_timeout = 1").ok());
  auto stage = other->execute("BACKUP STAGE START");
  EXPECT_TRUE(stage.ok()) << "a backup stage was left behind: " << stage.error().message;
  if (stage.ok()) {
    ASSERT_TRUE(other->execute("BACKUP STAGE END").ok());
  }

  ASSERT_EQ(slow.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(slow.get().ok()) << "the running INSERT was held by the failed fence";
  EXPECT_EQ(rows(9001), "1");
  auto now = run(db1, "fence_writes", {{"lease_ms", std::int64_t{60000}}, {"read_only", true}});
  ASSERT_TRUE(now.ok) << show(now) << ": a failed fence must leave nothing behind";
  EXPECT_EQ(now.detail.at("held"), Value(true));
  ASSERT_TRUE(run(db1, "release_fence").ok);
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", false}}).ok);
}

// Issue 22: the fence's first half, which runs before read_only, takes the
// backup stage through FLUSH: the part of BLOCK_COMMIT whose cost grows with
// the open tables leaves the write-blocked window. It holds no InnoDB commit;
// writes to non-transactional tables wait from then on (MyISAM here), as
// they would under the lock a moment later.
TEST_F(FenceTest, TheFirstHalfFlushesAndHoldsNoTransactionalCommit) {
  cluster().execute(1, "CREATE TABLE IF NOT EXISTS pivot_test.fence_myisam (id INT PRIMARY KEY) ENGINE=MyISAM");
  MysqlConnector connector(options("pivot", cluster().password(Account::pivot)));
  WriteFence fence(connector);
  ASSERT_TRUE(fence.begin(5).ok());

  auto write = root_insert(11);
  ASSERT_EQ(write.wait_for(5s), std::future_status::ready) << "an InnoDB commit waited for the fence's first half";
  EXPECT_TRUE(write.get().ok());
  auto other = mysql::Session::open(options("root", ""));
  ASSERT_TRUE(other.ok()) << other.error().message;
  ASSERT_TRUE(other->execute("SET SESSION lock_wait_timeout = 1").ok());
  auto held = other->execute("INSERT INTO pivot_test.fence_myisam VALUES (1)");
  EXPECT_FALSE(held.ok()) << "a MyISAM write went through: the first half did not reach BACKUP STAGE FLUSH";

  fence.abandon();
  auto after = other->execute("INSERT INTO pivot_test.fence_myisam VALUES (2)");
  EXPECT_TRUE(after.ok()) << "abandon() left the stage behind: " << (after.ok() ? "" : after.error().message);
}

TEST_F(FenceTest, AQueuedRootWriteKilledBeforeTheReleaseLeavesNoRow) {
  // The pivot's order after post_promote: kill every client session on the
  // old primary, then release: what was queued on the lock never commits there.
  ActionExecutor db1 = agent();
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", true}}).ok);
  ASSERT_TRUE(fence(db1).ok);
  auto write = root_insert(2);
  ASSERT_EQ(write.wait_for(300ms), std::future_status::timeout);

  auto kill = run(db1, "kill_connections");
  ASSERT_TRUE(kill.ok) << show(kill);
  EXPECT_GE(std::get<std::int64_t>(kill.detail.at("killed")), 1);
  ASSERT_EQ(write.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(write.get().ok()) << "the killed write was acknowledged";

  auto released = run(db1, "release_fence");
  ASSERT_TRUE(released.ok) << show(released) << ": kill_connections must spare the fence's own session";
  EXPECT_EQ(released.detail.at("was"), Value("held"));
  EXPECT_EQ(rows(2), "0") << "a write killed while queued on the fence committed";
}

TEST_F(FenceTest, AWriteQueuedAfterTheKillIsSweptByTheRelease) {
  // The race of a pivot under load: a routed client read the route just
  // before the traffic moved, connected to the old primary after
  // kill_connections listed its sessions, and queued on the lock. The
  // pivot's release (kill_clients) kills it before the END: it never commits.
  ActionExecutor db1 = agent();
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", true}}).ok);
  ASSERT_TRUE(fence(db1).ok);
  auto kill = run(db1, "kill_connections");
  ASSERT_TRUE(kill.ok) << show(kill);
  auto late = root_insert(5);
  ASSERT_EQ(late.wait_for(300ms), std::future_status::timeout) << "the late write was not held by the fence";

  auto released = run(db1, "release_fence", {{"kill_clients", true}});
  ASSERT_TRUE(released.ok) << show(released);
  EXPECT_EQ(released.detail.at("was"), Value("held"));
  EXPECT_GE(std::get<std::int64_t>(released.detail.at("swept")), 1);
  EXPECT_EQ(released.detail.at("remaining"), Value(std::int64_t{0}));
  ASSERT_EQ(late.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(late.get().ok()) << "the swept write was acknowledged";
  EXPECT_EQ(rows(5), "0") << "a write queued on the fence committed after the release";
}

TEST_F(FenceTest, ClientsThatKeepReconnectingDoNotHoldTheLockPastTheSweep) {
  // A root client pinned to this node's address, reconnecting the moment it
  // is killed: the sweep never sees an empty list. The lock still ends within
  // the sweep's second (keeping it would only move their commit to the
  // lease's end); `remaining` says they were there.
  ActionExecutor db1 = agent();
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", true}}).ok);
  ASSERT_TRUE(fence(db1).ok);
  std::atomic<bool> stop{false};
  auto pinned = std::async(std::launch::async, [this, &stop] {
    int acknowledged = 0;
    for (int seq = 100; !stop && seq < 1100; ++seq) {  // bounded: 1000 attempts
      if (root_insert(seq).get().ok()) ++acknowledged;
    }
    return acknowledged;
  });
  std::this_thread::sleep_for(200ms);
  const auto started = std::chrono::steady_clock::now();
  auto released = run(db1, "release_fence", {{"kill_clients", true}});
  const auto took = std::chrono::steady_clock::now() - started;
  stop = true;
  const int acknowledged = pinned.get();
  ASSERT_TRUE(released.ok) << show(released);
  EXPECT_EQ(released.detail.at("was"), Value("held"));
  EXPECT_GE(std::get<std::int64_t>(released.detail.at("sweeps")), 1);
  EXPECT_LT(took, 2500ms) << "the sweep held the lock past its bound";
  std::cout << "  pinned client: " << acknowledged << " writes acknowledged after the release\n";
}

TEST_F(FenceTest, ItsWaitIsBoundedByTheCommandsDeadline) {
  // Another BACKUP STAGE (one at a time per server) stands in for a commit
  // that takes long: the fence waits for it only as long as the command may.
  auto other = mysql::Session::open(options("root", ""));
  ASSERT_TRUE(other.ok()) << other.error().message;
  ASSERT_TRUE(other->execute("BACKUP STAGE START").ok());
  ActionExecutor db1 = agent();
  const auto started = std::chrono::steady_clock::now();
  auto fenced = fence(db1, 60000, 2000ms);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(fenced.ok) << show(fenced);
  EXPECT_EQ(fenced.detail.at("held"), Value(false));
  EXPECT_LT(took, 4s) << "the lock wait outlived the command's deadline";
  auto position = run(db1, "report_position");
  ASSERT_TRUE(position.ok) << show(position);
  EXPECT_EQ(position.detail.at("fence"), Value("none"));
  ASSERT_TRUE(other->execute("BACKUP STAGE END").ok());
  auto now = fence(db1);
  ASSERT_TRUE(now.ok) << show(now) << ": a failed fence must leave nothing behind";
  ASSERT_TRUE(run(db1, "release_fence").ok);
}

// Issue 22: with read_only in the same command, a lock that cannot begin
// (another backup stage) fails before read_only: the node is left writable,
// with no write-blocked window at all.
TEST_F(FenceTest, AFenceThatCannotBeginLeavesReadOnlyAsItWas) {
  ActionExecutor db1 = agent();
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", false}}).ok);
  auto other = mysql::Session::open(options("root", ""));
  ASSERT_TRUE(other.ok()) << other.error().message;
  ASSERT_TRUE(other->execute("BACKUP STAGE START").ok());
  auto fenced = run(db1, "fence_writes", {{"lease_ms", std::int64_t{60000}}, {"read_only", true}}, 2000ms);
  EXPECT_FALSE(fenced.ok) << show(fenced);
  EXPECT_EQ(fenced.detail.at("held"), Value(false));
  EXPECT_EQ(cluster().value(1, "SELECT @@global.read_only"), "0") << "read_only set by a fence that failed first";
  ASSERT_TRUE(other->execute("BACKUP STAGE END").ok());
}

TEST_F(FenceTest, AFenceWhoseSessionDiesIsSaidLost) {
  ActionExecutor db1 = agent();
  ASSERT_TRUE(run(db1, "set_read_only", {{"read_only", true}}).ok);
  ASSERT_TRUE(fence(db1).ok);
  // Every session of the agent's account: the fence's and the action one
  // (which reconnects by itself at the next command).
  for (const auto& row : cluster().query(1, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'pivot'")) {
    cluster().execute(1, "KILL CONNECTION " + row.at(0));
  }
  EXPECT_EQ(db1.check_fence(), WriteFence::State::lost);
  auto position = run(db1, "report_position");
  ASSERT_TRUE(position.ok) << show(position);
  EXPECT_EQ(position.detail.at("fence"), Value("lost"));
  auto write = root_insert(3);
  ASSERT_EQ(write.wait_for(5s), std::future_status::ready) << "the lock outlived its session";
  EXPECT_TRUE(write.get().ok());

  auto released = run(db1, "release_fence");
  EXPECT_FALSE(released.ok) << show(released);
  EXPECT_EQ(released.error, action_errc::fence_lost);
  EXPECT_EQ(released.detail.at("was"), Value("lost"));
  auto after = run(db1, "release_fence");
  ASSERT_TRUE(after.ok) << show(after) << ": a lost fence is said once, then forgotten";
  EXPECT_EQ(after.detail.at("was"), Value("none"));
}

TEST_F(FenceTest, ALeaseThatPassesEndsTheLockAndIsSaid) {
  ActionExecutor db1 = agent();
  ASSERT_TRUE(fence(db1, 1000).ok);
  EXPECT_EQ(db1.check_fence(), WriteFence::State::held);
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(db1.check_fence(), WriteFence::State::expired);
  auto write = root_insert(4);
  ASSERT_EQ(write.wait_for(5s), std::future_status::ready) << "the lock outlived its lease";
  EXPECT_TRUE(write.get().ok());
  auto released = run(db1, "release_fence");
  EXPECT_EQ(released.error, action_errc::fence_lost) << show(released);
  EXPECT_EQ(released.detail.at("was"), Value("expired"));
}

TEST_F(FenceTest, ASessionOpenedAheadIsUsedAndAStaleOneReplaced) {
  ActionExecutor db1 = agent();
  ASSERT_TRUE(db1.prepare_fence().ok());
  const std::string count_sql = "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'pivot'";
  EXPECT_EQ(cluster().value(1, count_sql), "1") << "the prepared session";
  auto fenced = fence(db1);
  ASSERT_TRUE(fenced.ok) << show(fenced);
  EXPECT_EQ(cluster().value(1, count_sql), "2") << "the action session and the prepared one, no third";
  ASSERT_TRUE(run(db1, "release_fence").ok);
  EXPECT_EQ(cluster().value(1, count_sql), "2") << "the fence's session stays for the next fence";

  // It idled past wait_timeout, say: gone. The next fence opens another.
  for (const auto& row : cluster().query(1, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'pivot'")) {
    cluster().execute(1, "KILL CONNECTION " + row.at(0));
  }
  auto again = fence(db1);
  ASSERT_TRUE(again.ok) << show(again);
  EXPECT_EQ(again.detail.at("held"), Value(true));
  auto write = root_insert(5);
  EXPECT_EQ(write.wait_for(300ms), std::future_status::timeout) << "root committed through the new fence";
  ASSERT_TRUE(run(db1, "release_fence").ok);
  ASSERT_EQ(write.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(write.get().ok());
}

}  // namespace
}  // namespace pivot::agent
