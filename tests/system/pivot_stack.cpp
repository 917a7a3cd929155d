#include "pivot_stack.hpp"

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "pivot/ctl/beast_transport.hpp"
#include "pivot/test/process.hpp"
#include "pivot/test/reaper.hpp"
#include "pivot/test/wait.hpp"

namespace pivot::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// `up` makes keys (one keygen per node) and configs on an existing cluster:
// well under a second, bounded generously for a loaded machine.
constexpr auto kUpTimeout = 60s;
// `spec` waits (<= 15 s) for a running pivotd to reload; `start pivotd` for
// it to answer (<= 15 s); `down` stops each process within 10 s, then kills.
constexpr auto kCommandTimeout = 40s;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string first_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (line.empty()) throw std::runtime_error("nothing in " + path.string());
  return line;
}

// One KEY=VALUE of scripts/stack's stack.env (values are shell-quoted; the
// ones read here, ports, never need quoting).
std::string env_value(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  throw std::runtime_error(file.string() + " has no " + key);
}

}  // namespace

fs::path PivotStack::script() { return Cluster::script().parent_path() / "stack"; }

fs::path PivotStack::bin(const std::string& name) const { return built_binary(name, PIVOT_DEFAULT_BIN_DIR); }

std::string PivotStack::run_script(const std::string& command, const std::vector<std::string>& args,
                                   std::chrono::seconds timeout) const {
  std::vector<std::string> argv{script().string(), command, "--dir", dir_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult run = run_process(argv, timeout, {{"PIVOT_BIN_DIR", bin("pivotd").parent_path().string()}});
  if (!run.ok()) {
    std::string line = "scripts/stack " + command;
    for (const auto& a : args) line += " " + a;
    throw std::runtime_error(line + " (" + run.describe() + "):\n" + run.out + run.err);
  }
  return run.out;
}

PivotStack::PivotStack(const Cluster& cluster, const fs::path& dir, const std::string& controller_host)
    : cluster_(cluster), dir_(dir) {
  run_script("down", {}, kCommandTimeout);  // a stack left by an earlier run under the same path
  // From here on, whatever happens to this process, the reaper cleans up.
  reaper_ = std::make_unique<Reaper>(script(), dir_);
  try {
    std::vector<std::string> args{"--cluster-dir", cluster_.dir().string(), "--no-start", "--log-level", "debug",
                                  "--operator-name", "pipeline"};
    if (!controller_host.empty()) args.insert(args.end(), {"--controller-host", controller_host});
    run_script("up", args, kUpTimeout);
    http_port_ = std::stoi(env_value(dir_ / "stack.env", "STACK_HTTP_PORT"));
    operator_token_ = first_line(dir_ / "operator.token");
    viewer_token_ = first_line(dir_ / "viewer.token");
    write_spec({});
  } catch (...) {
    reaper_->fire();  // no destructor runs for a constructor that throws
    throw;
  }
}

PivotStack::~PivotStack() {
  try {
    run_script("down", {}, kCommandTimeout);
    reaper_->dismiss();
  } catch (const std::exception& e) {
    std::cerr << "pivot::test::PivotStack: " << e.what() << "\n(the reaper tries `down` again)\n";
    reaper_->fire();
  }
}

std::string PivotStack::node_address(int node) const {
  return cluster_.host(node) + ":" + std::to_string(cluster_.port(node));
}

void PivotStack::write_spec(const SpecOptions& options) {
  std::vector<std::string> args{"--min-replicas", std::to_string(options.min_replicas),
                                "--az-spread", std::to_string(options.az_spread),
                                "--catch-up-timeout-ms", std::to_string(options.catch_up_timeout_ms),
                                "--durability", options.durability,
                                "--auto-failover", options.auto_failover ? "true" : "false",
                                "--failover-cooldown-s", std::to_string(options.failover_cooldown_s)};
  for (const auto& [hook, path] : options.hooks) args.insert(args.end(), {"--hook", hook + "=" + path});
  for (const auto& [node, priority] : options.priority) {
    args.insert(args.end(), {"--priority", node + "=" + std::to_string(priority)});
  }
  for (const auto& [node, role] : options.roles) args.insert(args.end(), {"--role", node + "=" + role});
  if (!options.nodes.empty()) {
    std::string list;
    for (int n : options.nodes) list += (list.empty() ? "" : ",") + std::to_string(n);
    args.insert(args.end(), {"--spec-nodes", list});
  }
  run_script("spec", args, kCommandTimeout);
}

void PivotStack::start_pivotd(const std::string& failpoints) {
  if (failpoints.empty()) {
    run_script("start", {"pivotd"}, kCommandTimeout);
  } else {
    run_script("start", {"pivotd", "--failpoints", failpoints}, kCommandTimeout);
  }
  // Other ports when the chosen ones were taken by the time pivotd bound them.
  http_port_ = std::stoi(env_value(dir_ / "stack.env", "STACK_HTTP_PORT"));
}

void PivotStack::start_agents() { run_script("start", {"agents"}, kCommandTimeout); }

void PivotStack::stop_pivotd() { run_script("stop", {"pivotd"}, kCommandTimeout); }

bool PivotStack::pivotd_running() const {
  const std::string status = run_script("status", {}, kCommandTimeout);
  return status.find("\npivotd     running") != std::string::npos;
}

void PivotStack::stop_agent(int node) { run_script("stop", {"agent", "db" + std::to_string(node)}, kCommandTimeout); }

void PivotStack::start_agent(int node) { run_script("start", {"agent", "db" + std::to_string(node)}, kCommandTimeout); }

void PivotStack::pause_agent(int node) { run_script("pause", {"agent", "db" + std::to_string(node)}, kCommandTimeout); }

void PivotStack::resume_agent(int node) { run_script("resume", {"agent", "db" + std::to_string(node)}, kCommandTimeout); }

std::unique_ptr<BackgroundProcess> PivotStack::start_impostor(const std::string& key_of, const std::string& claims,
                                                              int mysql_node) {
  if (!fs::exists(key_dir(key_of) / "agent.key")) {
    auto r = run_process({bin("pivot-agent").string(), "keygen", "--out", key_dir(key_of).string()}, 10s);
    if (!r.ok()) throw std::runtime_error("pivot-agent keygen: " + r.describe() + "\n" + r.err);
  }
  static int instance = 0;
  return std::make_unique<BackgroundProcess>(std::vector<std::string>{
      bin("pivot-agent").string(), "--config", (dir_ / "agents" / ("db" + std::to_string(mysql_node) + ".yaml")).string(),
      "--node", claims, "--key", (key_dir(key_of) / "agent.key").string(), "--state-dir",
      (dir_ / "state" / (claims + "-impostor-" + std::to_string(++instance))).string()});
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
  const auto verb = method == "POST"     ? ctl::Method::post
                    : method == "PUT"    ? ctl::Method::put
                    : method == "DELETE" ? ctl::Method::delete_
                                         : ctl::Method::get;
  auto reply = transport.request(verb, target, body.is_null() ? "" : body.dump(), bearer);
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
  {
    std::ofstream out(path);
    out << "#!/bin/sh\n" << body << "\n";
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  return path.string();
}

std::string PivotStack::pivotd_log() const { return slurp(dir_ / "logs" / "pivotd.log"); }

}  // namespace pivot::test
