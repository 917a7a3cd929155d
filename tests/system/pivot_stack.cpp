#include "pivot_stack.hpp"

#include <csignal>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include "pivot/ctl/beast_transport.hpp"
#include "pivot/test/free_ports.hpp"
#include "pivot/test/process.hpp"
#include "pivot/test/wait.hpp"

namespace pivot::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const char* role_of(int node) {
  static const char* roles[] = {"primary", "replica", "replica", "backup", "analytics"};
  return node <= 5 ? roles[node - 1] : "replica";
}
const char* az_of(int node) {
  static const char* azs[] = {"a", "b", "c", "b", "c"};
  return node <= 5 ? azs[node - 1] : "a";
}

std::string random_token() {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 32; ++i) out += "0123456789abcdef"[rd() % 16];
  return out;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

PivotStack::PivotStack(const Cluster& cluster, const fs::path& dir) : cluster_(cluster), dir_(dir) {
  fs::remove_all(dir_);
  for (const char* sub : {"clusters.d", "agents.d", "state", "keys", "hooks"}) fs::create_directories(dir_ / sub);
  const int base = find_free_base_port(3);
  http_port_ = base;
  events_port_ = base + 1;
  commands_port_ = base + 2;
  operator_token_ = random_token();
  viewer_token_ = random_token();
  write_file(dir_ / "tokens", "# test tokens\noperator pipeline " + operator_token_ + "\nviewer watcher " +
                                  viewer_token_ + "\n");
  keygen("pivotd", "controller");
  keygen("pivot-agent", "stranger");  // a key pivotd does not know
  for (int node = 1; node <= cluster_.nodes(); ++node) {
    const std::string name = "db" + std::to_string(node);
    keygen("pivot-agent", name);
    fs::copy_file(key_dir(name) / "agent.pub", dir_ / "agents.d" / (cluster_.name() + "." + name + ".pub"));
  }
  // An SSL cluster's repl account REQUIRES SSL: a node the pivot points at
  // a source for the first time (the old primary) needs the TLS from here.
  const std::string tls = cluster_.ssl() ? ", ssl: true, ssl_ca: " + cluster_.ssl_ca().string() : "";
  write_file(dir_ / "agent.yaml", "replication: {user: repl, password_file: " +
                                      cluster_.password_file(Account::repl).string() +
                                      ", connect_retry_s: 1, heartbeat_period_s: 1" + tls + "}\n"
                                      "probe_interval_ms: 100\nheartbeat_interval_ms: 500\nprobe_timeout_ms: 2000\n");
  write_spec({});
}

PivotStack::~PivotStack() {
  // Agents first, so that pivotd sees no half-gone cluster while it stops.
  for (auto& agent : agents_) agent->signal(SIGTERM);
  for (auto& agent : agents_) {
    if (!agent->wait_exit(5s)) agent->kill_now();
  }
  if (pivotd_) {
    pivotd_->signal(SIGTERM);
    if (!pivotd_->wait_exit(20s)) pivotd_->kill_now();
  }
}

fs::path PivotStack::bin(const std::string& name) const { return built_binary(name, PIVOT_DEFAULT_BIN_DIR); }

void PivotStack::keygen(const std::string& program, const std::string& who) const {
  auto r = run_process({bin(program).string(), "keygen", "--out", key_dir(who).string()}, 10s);
  if (!r.ok()) throw std::runtime_error(program + " keygen: " + r.describe() + "\n" + r.err);
}

std::string PivotStack::node_address(int node) const { return "127.0.0.1:" + std::to_string(cluster_.port(node)); }

void PivotStack::write_spec(const SpecOptions& options) {
  static int revision = 0;
  spec_ = options;
  std::string text = "name: " + cluster_.name() + "\nlabels: {owner: system-test, revision: \"" +
                     std::to_string(++revision) + "\"}\npolicy:\n  max_lag_seconds: 5\n  min_replicas: " +
                     std::to_string(options.min_replicas) + "\n  az_spread: " + std::to_string(options.az_spread) +
                     "\n  catch_up_timeout_ms: " + std::to_string(options.catch_up_timeout_ms) +
                     "\n  hook_timeout_ms: 5000\n  agent_fresh_ms: 3000\nnodes:\n";
  for (int node = 1; node <= cluster_.nodes(); ++node) {
    const std::string name = "db" + std::to_string(node);
    text += "  - {name: " + name + ", host: 127.0.0.1, port: " + std::to_string(cluster_.port(node)) + ", az: " +
            az_of(node) + ", role: " + role_of(node);
    if (auto p = options.priority.find(name); p != options.priority.end()) text += ", priority: " + std::to_string(p->second);
    text += "}\n";
  }
  if (!options.hooks.empty()) {
    text += "hooks:\n";
    for (const auto& [hook, path] : options.hooks) text += "  " + hook + ": " + path + "\n";
  }
  write_file(dir_ / "clusters.d" / (cluster_.name() + ".yaml"), text);
  if (!pivotd_) return;
  pivotd_->signal(SIGHUP);
  const std::string want = std::to_string(revision);
  auto reloaded = wait_until(
      [&] {
        auto r = api("GET", "/v1/clusters/" + cluster_.name(), nullptr, "viewer");
        return r.status == 200 && r.body["labels"].value("revision", "") == want;
      },
      10s);
  if (!reloaded) throw std::runtime_error("pivotd did not reload the spec:\n" + pivotd_log());
}

void PivotStack::start_pivotd(const std::string& failpoints) {
  std::vector<std::string> argv{
      bin("pivotd").string(), "--clusters", (dir_ / "clusters.d").string(), "--state-dir", (dir_ / "state").string(),
      "--http", "127.0.0.1:" + std::to_string(http_port_), "--events-bind",
      "tcp://127.0.0.1:" + std::to_string(events_port_), "--commands-bind",
      "tcp://127.0.0.1:" + std::to_string(commands_port_), "--key", (key_dir("controller") / "controller.key").string(),
      "--agent-keys", (dir_ / "agents.d").string(), "--tokens-file", (dir_ / "tokens").string(), "--log-level",
      "debug"};
  std::vector<std::string> env;
  if (!failpoints.empty()) {
    argv.push_back("--enable-failpoints");
    env.push_back("PIVOT_FAILPOINT=" + failpoints);
  }
  pivotd_ = std::make_unique<BackgroundProcess>(argv, env);
  auto up = wait_until([&] { return api("GET", "/v1/health", nullptr, "").status == 200; }, 15s);
  if (!up) throw std::runtime_error("pivotd did not answer /v1/health:\n" + pivotd_log());
}

std::vector<std::string> PivotStack::agent_args(const std::string& claims, const std::string& key, int mysql_node) const {
  static int instance = 0;
  return {bin("pivot-agent").string(),
          "--config", (dir_ / "agent.yaml").string(),
          "--cluster", cluster_.name(),
          "--node", claims,
          "--mysql-host", "127.0.0.1",
          "--mysql-port", std::to_string(cluster_.port(mysql_node)),
          "--mysql-user", "pivot",
          "--mysql-password-file", cluster_.password_file(Account::pivot).string(),
          "--events", "tcp://127.0.0.1:" + std::to_string(events_port_),
          "--commands", "tcp://127.0.0.1:" + std::to_string(commands_port_),
          "--key", key + "/agent.key",
          "--controller-key", (key_dir("controller") / "controller.pub").string(),
          "--state-dir", (dir_ / "state" / (claims + "-agent-" + std::to_string(++instance))).string()};
}

void PivotStack::start_agents() {
  for (int node = 1; node <= cluster_.nodes(); ++node) {
    const std::string name = "db" + std::to_string(node);
    agents_.push_back(std::make_unique<BackgroundProcess>(agent_args(name, key_dir(name).string(), node)));
  }
}

std::unique_ptr<BackgroundProcess> PivotStack::start_impostor(const std::string& key_of, const std::string& claims,
                                                              int mysql_node) {
  return std::make_unique<BackgroundProcess>(agent_args(claims, key_dir(key_of).string(), mysql_node));
}

void PivotStack::wait_ready(std::chrono::milliseconds timeout) {
  auto ready = wait_until(
      [&] {
        auto r = api("GET", "/v1/clusters/" + cluster_.name(), nullptr, "viewer");
        if (r.status != 200 || r.body["primary"].is_null()) return false;
        for (const auto& node : r.body["nodes"]) {
          if (node["state"].is_null() || node["state"]["age_ms"].get<int>() > 2000) return false;
        }
        return true;
      },
      timeout);
  if (!ready) throw std::runtime_error("the cluster did not become ready in pivotd:\n" + pivotd_log());
}

ApiReply PivotStack::api(const std::string& method, const std::string& target, const nlohmann::json& body,
                         const std::string& token) const {
  auto url = ctl::parse_controller_url("http://127.0.0.1:" + std::to_string(http_port_));
  ctl::BeastTransport transport(*url, {2000ms, 10000ms});
  const std::string bearer = token == "operator" || token == "viewer" ? this->token(token) : token;
  auto reply = transport.request(method == "POST" ? ctl::Method::post : ctl::Method::get, target,
                                 body.is_null() ? "" : body.dump(), bearer);
  if (!reply) return {0, nullptr};
  return {reply->status, nlohmann::json::parse(reply->body, nullptr, false)};
}

nlohmann::json PivotStack::run_job(const std::string& target, const nlohmann::json& body,
                                   std::chrono::milliseconds timeout) const {
  auto started = api("POST", target, body);
  if (started.status != 202) {
    throw std::runtime_error("POST " + target + " answered " + std::to_string(started.status) + ": " +
                             started.body.dump());
  }
  const std::string id = started.body["job"];
  nlohmann::json job;
  auto done = wait_until(
      [&] {
        auto r = api("GET", "/v1/jobs/" + id, nullptr, "viewer");
        job = r.body;
        const std::string state = r.status == 200 ? job.value("state", "") : "";
        return !state.empty() && state != "queued" && state != "running";
      },
      timeout, 20ms);
  if (!done) throw std::runtime_error("job " + id + " did not end: " + job.dump() + "\n" + pivotd_log());
  return job;
}

std::string PivotStack::write_hook(const std::string& name, const std::string& body) const {
  const auto path = dir_ / "hooks" / name;
  write_file(path, "#!/bin/sh\n" + body + "\n");
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  return path.string();
}

std::string PivotStack::pivotd_log() const { return pivotd_ ? pivotd_->err() + pivotd_->out() : ""; }

}  // namespace pivot::test
