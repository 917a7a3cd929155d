#pragma once
// The whole product on a test cluster: pivotd and one pivot-agent per node,
// secure (CURVE keys generated with the binaries' own keygen, bearer tokens),
// on free loopback ports, and the REST API spoken through pivotctl's own HTTP
// transport. System tests drive it as an operator or a pipeline would.
// The stack itself is scripts/stack's (the demo's and the benchmark's code):
// this wraps it as Cluster wraps scripts/cluster, reading ports and tokens
// back from the files it writes, with a reaper that runs `scripts/stack down`
// if the test process dies first.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pivot/test/background_process.hpp"
#include "pivot/test/cluster.hpp"

namespace pivot::test {

// The cluster spec the stack writes (scripts/stack spec): node i is "db<i>";
// roles and AZs as in ARCHITECTURE.md's example (db1 primary a, db2 replica b,
// db3 replica c, db4 backup b, db5 analytics c) for as many nodes as the
// cluster has.
struct SpecOptions {
  int catch_up_timeout_ms = 5000;
  int min_replicas = 1;
  int az_spread = 2;
  std::string durability = "async";
  bool auto_failover = false;
  int failover_cooldown_s = 3600;
  std::map<std::string, std::string> hooks = {};  // hook name -> absolute path
  std::map<std::string, int> priority = {};       // node -> priority
  std::map<std::string, std::string> roles = {};  // node -> role (default: the stack's, db4 backup)
  std::vector<int> nodes = {};                     // the nodes the spec lists (default: all)
};

struct ApiReply {
  int status = 0;
  nlohmann::json body;  // null when the body was not JSON
};

class PivotStack {
 public:
  // scripts/stack up --no-start on `cluster` (which it leaves running when it
  // goes down), under `dir` (removed first if it is a stack), pivotd's
  // events and commands endpoints on `controller_host` (default 127.0.0.1:
  // another when it runs in a network namespace). Throws std::runtime_error
  // with the script's output.
  PivotStack(const Cluster& cluster, const std::filesystem::path& dir, const std::string& controller_host = "");
  // scripts/stack down; never throws (the reaper gets a second try).
  ~PivotStack();
  PivotStack(const PivotStack&) = delete;
  PivotStack& operator=(const PivotStack&) = delete;

  // Writes the spec (to the clusters dir) and, when pivotd runs, reloads it
  // with SIGHUP and waits until the new policy shows in the API.
  void write_spec(const SpecOptions& options);
  // `failpoints`: PIVOT_FAILPOINT for a pivotd started with --enable-failpoints
  // (docs/pivotd.md); "" starts it as production runs it.
  void start_pivotd(const std::string& failpoints = "");
  // scripts/stack stop pivotd: SIGTERM, and waits for it to end.
  void stop_pivotd();
  // Whether the stack's pivotd process still runs (scripts/stack status).
  bool pivotd_running() const;
  // Agents for nodes 1..N, admitted by pivotd's --agent-keys.
  void start_agents();
  // One agent, db<node>, stopped or started again.
  void stop_agent(int node);
  void start_agent(int node);
  // scripts/stack pause / resume agent: SIGSTOP (silent, its connections
  // open) and SIGCONT of db<node>'s agent.
  void pause_agent(int node);
  void resume_agent(int node);
  // An agent started with another key or under another node's name (for the
  // refusal tests): `key_of` is whose key it uses ("stranger": a key pivotd
  // does not know), `claims` the node it says it is; db<mysql_node>'s config.
  std::unique_ptr<BackgroundProcess> start_impostor(const std::string& key_dir, const std::string& claims, int mysql_node);
  // Waits until every node has a fresh state and the cluster has a primary.
  void wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  ApiReply api(const std::string& method, const std::string& target, const nlohmann::json& body = nullptr,
               const std::string& token = "operator") const;
  // POSTs and follows the job until it ends; the finished job.
  nlohmann::json run_job(const std::string& target, const nlohmann::json& body = nlohmann::json::object(),
                         std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

  const std::string& cluster_name() const { return cluster_.name(); }
  std::string node_address(int node) const;  // "127.0.0.1:<port>"
  // Writes an executable shell hook under dir; returns its path.
  std::string write_hook(const std::string& name, const std::string& body) const;
  std::string pivotd_log() const;  // DIR/logs/pivotd.log
  const std::filesystem::path& dir() const { return dir_; }
  std::string token(const std::string& role) const { return role == "viewer" ? viewer_token_ : operator_token_; }
  int http_port() const { return http_port_; }

 private:
  static std::filesystem::path script();
  std::filesystem::path bin(const std::string& name) const;
  std::filesystem::path key_dir(const std::string& who) const { return dir_ / "keys" / who; }
  // scripts/stack COMMAND --dir DIR ARGS...; its standard output; throws
  // std::runtime_error with its output when it fails.
  std::string run_script(const std::string& command, const std::vector<std::string>& args,
                         std::chrono::seconds timeout) const;

  const Cluster& cluster_;
  std::filesystem::path dir_;
  std::unique_ptr<Reaper> reaper_;
  int http_port_ = 0;
  std::string operator_token_, viewer_token_;
};

}  // namespace pivot::test
