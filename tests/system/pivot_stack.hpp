#pragma once
// The whole product on a test cluster: pivotd and one pivot-agent per node,
// secure (CURVE keys generated with the binaries' own keygen, bearer tokens),
// on free loopback ports, and the REST API spoken through pivotctl's own HTTP
// transport. System tests drive it as an operator or a pipeline would.

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

// The cluster spec the stack writes: node i is "db<i>"; roles and AZs as in
// ARCHITECTURE.md's example (db1 primary a, db2 replica b, db3 replica c,
// db4 backup b, db5 analytics c) for as many nodes as the cluster has.
struct SpecOptions {
  int catch_up_timeout_ms = 5000;
  int min_replicas = 1;
  int az_spread = 2;
  std::map<std::string, std::string> hooks = {};  // hook name -> absolute path
  std::map<std::string, int> priority = {};       // node -> priority
};

struct ApiReply {
  int status = 0;
  nlohmann::json body;  // null when the body was not JSON
};

class PivotStack {
 public:
  PivotStack(const Cluster& cluster, const std::filesystem::path& dir);
  ~PivotStack();

  // Writes the spec (to the clusters dir) and, when pivotd runs, reloads it
  // with SIGHUP and waits until the new policy shows in the API.
  void write_spec(const SpecOptions& options);
  // `failpoints`: PIVOT_FAILPOINT for a pivotd started with --enable-failpoints
  // (docs/pivotd.md); "" starts it as production runs it.
  void start_pivotd(const std::string& failpoints = "");
  // Agents for nodes 1..N, admitted by pivotd's --agent-keys.
  void start_agents();
  // An agent started with another key or under another node's name (for the
  // refusal tests): `key_of` is whose key it uses, `claims` the node it says it is.
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
  std::string pivotd_log() const;
  const std::filesystem::path& dir() const { return dir_; }
  std::string token(const std::string& role) const { return role == "viewer" ? viewer_token_ : operator_token_; }
  int http_port() const { return http_port_; }

 private:
  std::filesystem::path bin(const std::string& name) const;
  std::filesystem::path key_dir(const std::string& who) const { return dir_ / "keys" / who; }
  void keygen(const std::string& program, const std::string& who) const;
  std::vector<std::string> agent_args(const std::string& claims, const std::string& key_dir, int mysql_node) const;

  const Cluster& cluster_;
  std::filesystem::path dir_;
  int http_port_ = 0, events_port_ = 0, commands_port_ = 0;
  std::string operator_token_, viewer_token_;
  SpecOptions spec_;
  std::unique_ptr<BackgroundProcess> pivotd_;
  std::vector<std::unique_ptr<BackgroundProcess>> agents_;
};

}  // namespace pivot::test
