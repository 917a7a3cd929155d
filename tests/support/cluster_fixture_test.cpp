// The harness itself, on real servers: scripts/cluster brings a replicating
// cluster up, its accounts have exactly the rights docs/harness.md claims,
// reset repairs what tests do to a cluster, and the reaper takes servers down
// when the test process is killed.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "pivot/test/cluster_test.hpp"
#include "pivot/test/process.hpp"

namespace pivot::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kReadOnlyError = 1290;      // ER_OPTION_PREVENTS_STATEMENT
constexpr int kCommandDenied = 1142;      // ER_TABLEACCESS_DENIED_ERROR
constexpr int kSpecificDenied = 1227;     // ER_SPECIFIC_ACCESS_DENIED_ERROR
constexpr int kLostConnection = 2013;     // CR_SERVER_LOST

const std::string kTable = "pivot_test.fixture_rows";

void create_table(const Cluster& cluster) {
  cluster.execute(1, "CREATE TABLE IF NOT EXISTS " + kTable + " (id INT PRIMARY KEY, note VARCHAR(64))");
}

std::string count_rows(const Cluster& cluster, int node) {
  return cluster.value(node, "SELECT COUNT(*) FROM " + kTable);
}

// Node 1 writable and not replicating; every other node read-only,
// replicating from node 1 with GTID, both threads running.
::testing::AssertionResult has_initial_topology(const Cluster& cluster) {
  if (cluster.value(1, "SELECT @@read_only") != "0") return ::testing::AssertionFailure() << "node 1 is read-only";
  if (!cluster.record(1, "SHOW SLAVE STATUS").empty()) {
    return ::testing::AssertionFailure() << "node 1 replicates from someone";
  }
  for (int node = 2; node <= cluster.nodes(); ++node) {
    if (cluster.value(node, "SELECT @@read_only") != "1") {
      return ::testing::AssertionFailure() << "node " << node << " is writable";
    }
    Record replica = cluster.record(node, "SHOW SLAVE STATUS");
    if (replica["Slave_IO_Running"] != "Yes" || replica["Slave_SQL_Running"] != "Yes" ||
        replica["Master_Port"] != std::to_string(cluster.port(1)) || replica["Using_Gtid"] != "Slave_Pos") {
      return ::testing::AssertionFailure()
             << "node " << node << ": IO " << replica["Slave_IO_Running"] << ", SQL "
             << replica["Slave_SQL_Running"] << ", source port " << replica["Master_Port"] << ", GTID "
             << replica["Using_Gtid"] << " (" << replica["Last_IO_Error"] << replica["Last_SQL_Error"] << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// A row written on `writer` reaches every node.
::testing::AssertionResult row_reaches_every_node(const Cluster& cluster, int writer, int id) {
  cluster.execute(writer, "INSERT INTO " + kTable + " VALUES (" + std::to_string(id) + ", 'probe')");
  for (int node = 1; node <= cluster.nodes(); ++node) {
    auto reached = wait_until(
        [&] { return cluster.value(node, "SELECT COUNT(*) FROM " + kTable + " WHERE id = " + std::to_string(id)) == "1"; },
        10s);
    if (!reached) return reached << " (row " << id << " from node " << writer << " on node " << node << ")";
  }
  return ::testing::AssertionSuccess();
}

std::string change_master_to(const Cluster& cluster, int source) {
  return "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" + std::to_string(cluster.port(source)) +
         ", MASTER_USER='repl', MASTER_PASSWORD='" + cluster.password(Account::repl) +
         "', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1";
}

// A root client that sits in SELECT SLEEP on `node` until killed; returns
// once the server lists it.
struct SleepingClient {
  std::future<ProcessResult> done;
  std::string connection_id;
};

SleepingClient start_sleeping_client(const Cluster& cluster, int node) {
  const std::string marker = "SELECT SLEEP(60) AS fixture_sleeper";
  SleepingClient client;
  client.done = std::async(std::launch::async, [&cluster, node, marker] {
    return run_process({"mariadb", "--no-defaults", "--user=root", "--socket=" + cluster.socket(node).string(),
                        "--execute=" + marker},
                       90s);
  });
  const std::string find = "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO = '" + marker + "'";
  EXPECT_TRUE(wait_until([&] { return !cluster.query(node, find).empty(); }, 10s));
  client.connection_id = cluster.value(node, find);
  return client;
}

class ClusterFixture : public ClusterTest {};

TEST_F(ClusterFixture, StartsThreeNodesReplicatingFromNode1) {
  ASSERT_EQ(cluster().nodes(), 3);
  EXPECT_TRUE(has_initial_topology(cluster()));
  for (int node = 1; node <= 3; ++node) {
    Record settings = cluster().record(
        node,
        "SELECT @@server_id AS server_id, @@port AS port, @@report_port AS report_port, @@log_bin AS log_bin, "
        "@@log_slave_updates AS log_slave_updates, @@gtid_strict_mode AS strict, @@binlog_format AS format, "
        "@@character_set_server AS charset, @@slave_net_timeout AS net_timeout");
    EXPECT_EQ(settings["server_id"], std::to_string(node));
    EXPECT_EQ(settings["port"], std::to_string(cluster().port(node)));
    EXPECT_EQ(settings["report_port"], std::to_string(cluster().port(node)));
    EXPECT_EQ(settings["log_bin"], "1");
    EXPECT_EQ(settings["log_slave_updates"], "1");
    EXPECT_EQ(settings["strict"], "1");
    EXPECT_EQ(settings["format"], "ROW");
    EXPECT_EQ(settings["charset"], "utf8mb4");
    EXPECT_LE(std::stoi(settings["net_timeout"]), 5);
    EXPECT_GT(cluster().pid(node), 0);
    EXPECT_EQ(cluster().port(node), cluster().port(1) + node - 1);
  }
  EXPECT_FALSE(cluster().startup_line().empty());
}

TEST_F(ClusterFixture, RowWrittenOnNode1ReachesEveryReplica) {
  create_table(cluster());
  EXPECT_TRUE(row_reaches_every_node(cluster(), 1, 1));
  EXPECT_NO_THROW(cluster().sync_replicas());
}

TEST_F(ClusterFixture, AppWritesOnlyWhereReadOnlyIsOff) {
  create_table(cluster());
  cluster().sync_replicas();
  EXPECT_TRUE(cluster().try_query(1, "INSERT INTO " + kTable + " VALUES (7, 'app')", Account::app).ok());
  EXPECT_EQ(cluster().value(1, "SELECT note FROM " + kTable + " WHERE id = 7", Account::app), "app");
  EXPECT_EQ(cluster().try_query(2, "INSERT INTO " + kTable + " VALUES (8, 'app')", Account::app).error_code,
            kReadOnlyError);
  // Nothing beyond SELECT and INSERT on the test database.
  EXPECT_EQ(cluster().try_query(1, "DELETE FROM " + kTable, Account::app).error_code, kCommandDenied);
  EXPECT_EQ(cluster().try_query(1, "CREATE TABLE pivot_test.app_made (id INT)", Account::app).error_code,
            kCommandDenied);
  EXPECT_EQ(cluster().try_query(1, "SELECT COUNT(*) FROM mysql.user", Account::app).error_code, kCommandDenied);
  EXPECT_EQ(cluster().try_query(1, "SET GLOBAL read_only = 1", Account::app).error_code, kSpecificDenied);
  // repl only replicates.
  EXPECT_EQ(cluster().try_query(1, "SELECT COUNT(*) FROM " + kTable, Account::repl).error_code, kCommandDenied);
}

// Every statement pivot-agent runs (probe, set_read_only, fence_writes,
// kill_connections, stop/start/reset replication, change_source,
// wait_for_position) works as
// `pivot`, and pivot can change no data.
TEST_F(ClusterFixture, PivotAccountRunsEveryAgentStatementAndWritesNothing) {
  const Account pivot = Account::pivot;
  create_table(cluster());
  cluster().sync_replicas();

  // probe
  for (int node : {1, 3}) {
    EXPECT_NO_THROW(cluster().query(
        node,
        "SELECT @@read_only, @@gtid_binlog_pos, @@gtid_binlog_state, @@gtid_current_pos, @@gtid_slave_pos, "
        "@@gtid_strict_mode, @@gtid_domain_id, @@log_bin, @@log_slave_updates, @@binlog_format, @@server_id, "
        "@@version, @@report_host, @@report_port, @@rpl_semi_sync_master_enabled, @@rpl_semi_sync_slave_enabled",
        pivot));
    EXPECT_NO_THROW(cluster().query(node, "SHOW GLOBAL STATUS LIKE 'Uptime'", pivot));
    EXPECT_NO_THROW(cluster().query(node, "SHOW BINLOG STATUS", pivot));
    EXPECT_NO_THROW(cluster().query(node, "SHOW BINARY LOGS", pivot));
  }
  EXPECT_EQ(cluster().record(3, "SHOW SLAVE STATUS", pivot)["Slave_IO_Running"], "Yes");
  EXPECT_FALSE(cluster().record(3, "SHOW ALL SLAVES STATUS", pivot)["Gtid_Slave_Pos"].empty());

  // set_read_only (and back)
  EXPECT_NO_THROW(cluster().execute(1, "SET GLOBAL read_only = 1", pivot));
  EXPECT_NO_THROW(cluster().execute(1, "SET GLOBAL read_only = 0", pivot));

  // fence_writes and release_fence (one session: the lock ends with it anyway)
  EXPECT_NO_THROW(cluster().execute(
      1, "SET SESSION lock_wait_timeout = 3; BACKUP STAGE START; BACKUP STAGE BLOCK_COMMIT; BACKUP STAGE END", pivot));

  // set_semi_sync and a semi-sync promotion (each set to what it is: the
  // cluster's semi-sync stays as it starts), and the status it reads.
  EXPECT_NO_THROW(cluster().execute(
      1,
      "SET GLOBAL rpl_semi_sync_master_wait_point = @@global.rpl_semi_sync_master_wait_point; "
      "SET GLOBAL rpl_semi_sync_master_timeout = @@global.rpl_semi_sync_master_timeout; "
      "SET GLOBAL rpl_semi_sync_master_enabled = @@global.rpl_semi_sync_master_enabled; "
      "SET GLOBAL rpl_semi_sync_slave_enabled = @@global.rpl_semi_sync_slave_enabled",
      pivot));
  EXPECT_NO_THROW(cluster().query(1, "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status')", pivot));

  // kill_connections: it sees every session and kills one of root's.
  SleepingClient sleeper = start_sleeping_client(cluster(), 1);
  EXPECT_NE(cluster().value(1, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'root'", pivot), "0");
  EXPECT_NO_THROW(cluster().execute(1, "KILL CONNECTION " + sleeper.connection_id, pivot));
  ASSERT_EQ(sleeper.done.wait_for(10s), std::future_status::ready);
  ProcessResult killed = sleeper.done.get();
  EXPECT_FALSE(killed.ok());
  EXPECT_NE(killed.err.find(std::to_string(kLostConnection)), std::string::npos) << killed.err;

  // wait_for_position
  const std::string position = cluster().value(1, "SELECT @@gtid_binlog_pos");
  EXPECT_EQ(cluster().value(3, "SELECT MASTER_GTID_WAIT('" + position + "', 5)", pivot), "0");

  // stop/start/reset replication and change_source, as a demotion does it
  EXPECT_NO_THROW(cluster().execute(3, "STOP SLAVE", pivot));
  EXPECT_NO_THROW(cluster().execute(3, "START SLAVE", pivot));
  EXPECT_NO_THROW(cluster().execute(3,
                                    "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos; " +
                                        change_master_to(cluster(), 1) + "; START SLAVE",
                                    pivot));
  EXPECT_TRUE(wait_until([&] { return cluster().record(3, "SHOW SLAVE STATUS")["Slave_IO_Running"] == "Yes"; }, 10s));

  // no data
  EXPECT_EQ(cluster().try_query(1, "INSERT INTO " + kTable + " VALUES (9, 'pivot')", pivot).error_code,
            kCommandDenied);
  EXPECT_EQ(cluster().try_query(1, "SELECT COUNT(*) FROM " + kTable, pivot).error_code, kCommandDenied);
  EXPECT_EQ(cluster().try_query(1, "SELECT COUNT(*) FROM mysql.user", pivot).error_code, kCommandDenied);
}

TEST_F(ClusterFixture, ResetEmptiesTestTables) {
  create_table(cluster());
  cluster().execute(1, "INSERT INTO " + kTable + " VALUES (1, 'a'), (2, 'b')");
  cluster().sync_replicas();
  cluster().reset();
  for (int node = 1; node <= 3; ++node) EXPECT_EQ(count_rows(cluster(), node), "0") << "node " << node;
  EXPECT_TRUE(has_initial_topology(cluster()));
}

TEST_F(ClusterFixture, ResetBringsThePrimaryBackToNode1AfterASwitchover) {
  create_table(cluster());
  // A planned switchover to node 2, by hand.
  cluster().execute(1, "SET GLOBAL read_only = 1");
  const std::string position = cluster().value(1, "SELECT @@gtid_binlog_pos");
  ASSERT_EQ(cluster().value(2, "SELECT MASTER_GTID_WAIT('" + position + "', 10)"), "0");
  cluster().execute(2, "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0");
  cluster().execute(3, "STOP SLAVE; " + change_master_to(cluster(), 2) + "; START SLAVE");
  cluster().execute(1, "SET GLOBAL gtid_slave_pos = @@gtid_binlog_pos; " + change_master_to(cluster(), 2) +
                           "; START SLAVE");
  ASSERT_TRUE(row_reaches_every_node(cluster(), 2, 20));

  cluster().reset();
  EXPECT_TRUE(has_initial_topology(cluster()));
  EXPECT_TRUE(row_reaches_every_node(cluster(), 1, 21));
}

TEST_F(ClusterFixture, ResetRepairsStoppedReplicationAndAnErrantTransaction) {
  create_table(cluster());
  cluster().sync_replicas();
  cluster().execute(2, "STOP SLAVE");
  // root writes through read_only: node 3 now has a transaction node 1 never
  // had, and gtid_strict_mode stops its replication at node 1's next write.
  cluster().execute(3, "INSERT INTO " + kTable + " VALUES (100, 'errant')");
  cluster().execute(1, "INSERT INTO " + kTable + " VALUES (101, 'after')");
  ASSERT_TRUE(wait_until([&] { return cluster().record(3, "SHOW SLAVE STATUS")["Slave_SQL_Running"] == "No"; }, 10s));

  cluster().reset();
  EXPECT_TRUE(has_initial_topology(cluster()));
  EXPECT_EQ(count_rows(cluster(), 3), "0");
  EXPECT_TRUE(row_reaches_every_node(cluster(), 1, 102));
}

TEST_F(ClusterFixture, ResetRestartsAKilledNode) {
  const pid_t before = cluster().pid(3);
  cluster().stop(3, StopMode::kill);
  cluster().reset();
  EXPECT_TRUE(has_initial_topology(cluster()));
  EXPECT_NE(cluster().pid(3), before);
  create_table(cluster());
  EXPECT_TRUE(row_reaches_every_node(cluster(), 1, 30));
}

// ---- the reaper ----------------------------------------------------------------

bool server_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  // A zombie is dead; whether anyone reaps it is not ours to decide.
  return stat >> pid_field >> comm >> state && state != "Z";
}

// Reads one line from fd within the timeout ("" if none came).
std::string read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (line.empty() || line.back() != '\n') {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
    char c;
    if (read(fd, &c, 1) != 1) return "";
    line += c;
  }
  line.pop_back();
  return line;
}

TEST(ClusterReaper, TakesTheServersDownWhenTheTestProcessIsKilled) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A test process that starts a cluster and is then SIGKILLed: no
    // destructor, no TearDown runs.
    close(fds[0]);
    try {
      auto cluster = Cluster::start({.nodes = 2, .name = "reaper"});
      const std::string line = cluster->dir().string() + "\n";
      if (write(fds[1], line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
        while (true) pause();
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "reaper test child: %s\n", e.what());
    }
    _exit(1);
  }
  close(fds[1]);
  const fs::path dir = read_line(fds[0], 240s);
  close(fds[0]);
  if (dir.empty()) {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    FAIL() << "the child did not start its cluster";
  }

  std::vector<pid_t> servers;
  for (int node = 1; node <= 2; ++node) {
    std::ifstream in(dir / ("node" + std::to_string(node)) / "mariadbd.pid");
    pid_t pid = 0;
    if (in >> pid) servers.push_back(pid);
  }
  ASSERT_EQ(servers.size(), 2u);
  for (pid_t pid : servers) EXPECT_TRUE(server_alive(pid)) << pid;

  ASSERT_EQ(kill(child, SIGKILL), 0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);

  EXPECT_TRUE(wait_until(
      [&] {
        for (pid_t pid : servers) {
          if (server_alive(pid)) return false;
        }
        return !fs::exists(dir);
      },
      60s, 100ms))
      << "servers or " << dir << " still there after the test process was killed";
}

}  // namespace
}  // namespace pivot::test
