#pragma once
// pivot::test::Cluster: a real MariaDB replication cluster for one test suite,
// started, reset and stopped through scripts/cluster — the same code path as
// the demo and the benchmarks. docs/harness.md describes the cluster itself.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pivot::test {

class Reaper;

// The accounts scripts/cluster creates (docs/harness.md lists their grants).
enum class Account { root, pivot, repl, app };
std::string_view account_name(Account account);

// Every value as text, as the mariadb client prints it (SQL NULL is "NULL").
using Row = std::vector<std::string>;
using Rows = std::vector<Row>;
// One row as column name -> value (empty when the statement returned no row).
using Record = std::map<std::string, std::string>;

// What a statement did. error_code is the server's or client's error number
// (1290: read-only, 1142: command denied, 2002: cannot connect, ...), 0 on
// success, -1 when the client failed without one (killed at its deadline).
struct SqlOutcome {
  Rows rows;
  std::vector<std::string> columns;  // filled by Cluster::record only
  int error_code = 0;
  std::string error;
  bool ok() const { return error_code == 0; }
};

class SqlError : public std::runtime_error {
 public:
  SqlError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

struct ClusterOptions {
  int nodes = 3;
  std::string name = "test";  // the cluster's name: [a-z0-9][a-z0-9_-]*
  bool ssl = false;  // scripts/cluster up --ssl: the repl account REQUIRES SSL
  // scripts/cluster up --netns: "I=NS@ADDR", node I in network namespace NS
  // on ADDR (scripts/netns; the caller must itself run inside a namespace
  // to reach it: docs/harness.md "Partitions").
  std::vector<std::string> netns = {};
};

enum class StopMode { graceful, kill };

class Cluster {
 public:
  // Starts a cluster in a new temporary directory on free ports (another base
  // port is tried when one turns out to be taken), with a reaper process that
  // takes it down if this process dies first. Throws std::runtime_error with
  // the script's output when it cannot.
  static std::unique_ptr<Cluster> start(const ClusterOptions& options = {});
  // scripts/cluster down; never throws (the reaper gets a second try).
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const std::string& name() const { return name_; }
  int nodes() const { return nodes_; }
  // Started with ClusterOptions::ssl: the CA file replicas verify the servers with.
  bool ssl() const { return !ssl_ca_.empty(); }
  const std::filesystem::path& ssl_ca() const { return ssl_ca_; }
  std::string host() const { return "127.0.0.1"; }
  // The address node `node` listens on: host() unless it runs in a network namespace.
  std::string host(int node) const;
  int port(int node) const;
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path socket(int node) const;
  std::filesystem::path pid_file(int node) const;
  // The PID in the node's pid file, 0 when there is none.
  pid_t pid(int node) const;
  // DIR/<account>.password; root has no password (and no file).
  std::filesystem::path password_file(Account account) const;
  std::string password(Account account) const;
  // DIR/cluster.env, for tools that take it (and for `source`).
  std::filesystem::path env_file() const { return dir_ / "cluster.env"; }
  // The time `scripts/cluster up` said it took, e.g. "3.512 s".
  const std::string& startup_line() const { return startup_line_; }
  // The database the accounts are granted on.
  static constexpr std::string_view kTestDatabase = "pivot_test";

  // SQL on one node: root through the node's socket, the other accounts over
  // TCP with their password, like the agent and the clients. Several
  // statements may be separated by ';'.
  SqlOutcome try_query(int node, std::string_view sql, Account as = Account::root) const;
  Rows query(int node, std::string_view sql, Account as = Account::root) const;  // throws SqlError
  void execute(int node, std::string_view sql, Account as = Account::root) const;  // throws SqlError
  // The first column of the first row; throws SqlError when there is no row.
  std::string value(int node, std::string_view sql, Account as = Account::root) const;
  // The first row of one statement by column name, e.g. record(2, "SHOW SLAVE STATUS").
  Record record(int node, std::string_view sql, Account as = Account::root) const;

  // Waits until every other running replica of `primary` has applied its
  // current gtid_binlog_pos (MASTER_GTID_WAIT); throws SqlError naming the
  // node that did not.
  void sync_replicas(int primary = 1, std::chrono::seconds timeout = std::chrono::seconds(30)) const;

  // scripts/cluster reset: node 1 primary, every other node replicating from
  // it, test tables empty; nodes that cannot rejoin are re-copied.
  void reset();
  // scripts/cluster recopy: rebuild the node from the template, seeded from node 1.
  void recopy(int node);
  // scripts/cluster stop (kill: SIGKILL, a crash) and start of one server.
  void stop(int node, StopMode mode = StopMode::graceful);
  void start_node(int node);
  // scripts/cluster pause / resume: SIGSTOP (a hung server: its port accepts
  // connections that never get an answer) and SIGCONT of the node's mysqld.
  void pause(int node);
  void resume(int node);
  // scripts/cluster status, as printed.
  std::string status() const;
  // Any scripts/cluster command on this cluster ("--dir DIR" is added);
  // returns its standard output, throws std::runtime_error with its output.
  std::string run_script(const std::vector<std::string>& args, std::chrono::seconds timeout) const;

  // The harness script: $PIVOT_SOURCE_DIR/scripts/cluster (ctest sets it),
  // else the source tree this was built from.
  static std::filesystem::path script();

 private:
  Cluster(std::string name, std::filesystem::path dir, std::unique_ptr<Reaper> reaper);
  void load_env();
  const std::string& env(const std::string& key) const;
  void check_node(int node) const;
  SqlOutcome run_sql(int node, std::string_view sql, Account as, bool with_columns) const;

  std::string name_;
  std::filesystem::path dir_;
  std::unique_ptr<Reaper> reaper_;
  std::map<std::string, std::string> env_;
  int nodes_ = 0;
  std::filesystem::path ssl_ca_;  // empty without ssl
  std::string startup_line_;
};

}  // namespace pivot::test
