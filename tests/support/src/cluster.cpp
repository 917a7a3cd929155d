#include "pivot/test/cluster.hpp"

#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "pivot/test/free_ports.hpp"
#include "pivot/test/process.hpp"
#include "pivot/test/reaper.hpp"

namespace fs = std::filesystem;

namespace pivot::test {
namespace {

constexpr int kUpAttempts = 5;
constexpr auto kUpTimeout = std::chrono::seconds(240);
constexpr auto kDownTimeout = std::chrono::seconds(120);
constexpr auto kResetTimeout = std::chrono::seconds(180);
constexpr auto kNodeTimeout = std::chrono::seconds(120);
constexpr auto kSqlTimeout = std::chrono::seconds(60);

// The mariadb client's --batch escapes: \t, \n, \\ and \0 in values.
std::string unescape_batch(std::string_view field) {
  std::string out;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out += field[i];
      continue;
    }
    char next = field[++i];
    out += next == 't' ? '\t' : next == 'n' ? '\n' : next == '0' ? '\0' : next;
  }
  return out;
}

Rows parse_batch(const std::string& text) {
  Rows rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    Row row;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      row.push_back(unescape_batch(std::string_view(line).substr(start, tab - start)));
    }
    row.push_back(unescape_batch(std::string_view(line).substr(start)));
    rows.push_back(std::move(row));
  }
  return rows;
}

// "ERROR 1290 (HY000) at line 1: ..." -> 1290; -1 when the client said no number.
int client_error_code(const std::string& err) {
  auto at = err.find("ERROR ");
  int code = -1;
  if (at == std::string::npos || std::sscanf(err.c_str() + at, "ERROR %d", &code) != 1) return -1;
  return code;
}

// cluster.env values are written with bash's printf %q: plain paths and
// numbers as they are, anything else backslash-escaped.
std::string unquote_env(const std::string& value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

bool port_busy_failure(const ProcessResult& up) {
  // scripts/cluster exits 3 when a port is taken (checked first, or lost to
  // another process at bind time); the message is the fallback.
  return up.exit_code == 3 || up.err.find("in use") != std::string::npos;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

std::string_view account_name(Account account) {
  switch (account) {
    case Account::root: return "root";
    case Account::pivot: return "pivot";
    case Account::repl: return "repl";
    case Account::app: return "app";
  }
  return "?";
}

fs::path Cluster::script() {
  const char* source = std::getenv("PIVOT_SOURCE_DIR");
  return fs::path(source != nullptr && *source != '\0' ? source : PIVOT_DEFAULT_SOURCE_DIR) / "scripts" / "cluster";
}

Cluster::Cluster(std::string name, fs::path dir, std::unique_ptr<Reaper> reaper)
    : name_(std::move(name)), dir_(std::move(dir)), reaper_(std::move(reaper)) {}

std::unique_ptr<Cluster> Cluster::start(const ClusterOptions& options) {
  if (options.nodes < 1) throw std::invalid_argument("a cluster needs at least one node");
  std::string pattern = (fs::temp_directory_path() / "pivot-cluster-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a directory like " + pattern);
  const fs::path dir = pattern;
  // From here on, whatever happens to this process, the reaper cleans up.
  std::unique_ptr<Cluster> cluster(new Cluster(options.name, dir, std::make_unique<Reaper>(script(), dir)));

  ProcessResult up;
  for (int attempt = 1; attempt <= kUpAttempts; ++attempt) {
    const int base = find_free_base_port(options.nodes);
    std::vector<std::string> argv{script().string(), "up",        "--name", options.name, "--nodes",
                                  std::to_string(options.nodes), "--base-port", std::to_string(base), "--dir",
                                  dir.string()};
    if (options.ssl) argv.push_back("--ssl");
    for (const auto& where : options.netns) argv.insert(argv.end(), {"--netns", where});
    up = run_process(argv, kUpTimeout);
    if (up.ok() || !port_busy_failure(up)) break;
    // A failed up removes its directory; the next attempt reuses the path
    // the reaper watches.
    fs::create_directories(dir);
  }
  if (!up.ok()) {
    cluster->reaper_->fire();
    throw std::runtime_error("scripts/cluster up (" + up.describe() + "):\n" + up.out + up.err);
  }
  cluster->startup_line_ = trimmed(up.out);
  cluster->load_env();
  std::cerr << cluster->startup_line_ << '\n';
  return cluster;
}

Cluster::~Cluster() {
  if (!reaper_) return;
  try {
    run_script({"down"}, kDownTimeout);
    reaper_->dismiss();
  } catch (const std::exception& e) {
    std::cerr << "pivot::test::Cluster: " << e.what() << "\n(the reaper tries `down` again)\n";
    reaper_->fire();
  }
}

void Cluster::load_env() {
  std::ifstream in(env_file());
  if (!in) throw std::runtime_error("cannot read " + env_file().string());
  std::string line;
  while (std::getline(in, line)) {
    auto equals = line.find('=');
    if (line.empty() || line[0] == '#' || equals == std::string::npos) continue;
    env_[line.substr(0, equals)] = unquote_env(line.substr(equals + 1));
  }
  nodes_ = std::stoi(env("NODES"));
  if (auto it = env_.find("SSL_CA"); it != env_.end()) ssl_ca_ = it->second;
}

const std::string& Cluster::env(const std::string& key) const {
  auto found = env_.find(key);
  if (found == env_.end()) throw std::runtime_error(env_file().string() + " has no " + key);
  return found->second;
}

void Cluster::check_node(int node) const {
  if (node < 1 || node > nodes_) {
    throw std::out_of_range("node " + std::to_string(node) + " is not in 1.." + std::to_string(nodes_));
  }
}

int Cluster::port(int node) const {
  check_node(node);
  return std::stoi(env("NODE" + std::to_string(node) + "_PORT"));
}

std::string Cluster::host(int node) const {
  check_node(node);
  const auto found = env_.find("NODE" + std::to_string(node) + "_HOST");
  return found == env_.end() || found->second.empty() ? host() : found->second;
}

fs::path Cluster::socket(int node) const {
  check_node(node);
  return env("NODE" + std::to_string(node) + "_SOCKET");
}

fs::path Cluster::pid_file(int node) const {
  check_node(node);
  return env("NODE" + std::to_string(node) + "_PIDFILE");
}

pid_t Cluster::pid(int node) const {
  std::ifstream in(pid_file(node));
  long pid = 0;
  return in >> pid ? static_cast<pid_t>(pid) : 0;
}

fs::path Cluster::password_file(Account account) const {
  if (account == Account::root) throw std::invalid_argument("root has no password file: it has no password");
  return dir_ / (std::string(account_name(account)) + ".password");
}

std::string Cluster::password(Account account) const {
  if (account == Account::root) return "";
  std::ifstream in(password_file(account));
  std::string password;
  if (!std::getline(in, password)) throw std::runtime_error("cannot read " + password_file(account).string());
  return password;
}

SqlOutcome Cluster::run_sql(int node, std::string_view sql, Account as, bool with_columns) const {
  std::vector<std::string> argv{"mariadb", "--no-defaults", "--batch", "--connect-timeout=5"};
  if (!with_columns) argv.push_back("--skip-column-names");
  Environment env;
  if (as == Account::root) {
    argv.push_back("--user=root");
    argv.push_back("--socket=" + socket(node).string());
  } else {
    argv.push_back("--user=" + std::string(account_name(as)));
    argv.push_back("--host=" + host(node));
    argv.push_back("--port=" + std::to_string(port(node)));
    // Through the environment, not the command line that ps shows.
    env.emplace_back("MYSQL_PWD", password(as));
  }
  argv.push_back("--execute=" + std::string(sql));
  ProcessResult run = run_process(argv, kSqlTimeout, env);

  SqlOutcome outcome;
  if (!run.ok()) {
    outcome.error_code = run.timed_out ? -1 : client_error_code(run.err);
    outcome.error = "node " + std::to_string(node) + " as " + std::string(account_name(as)) + ": " +
                    (run.err.empty() ? run.describe() : trimmed(run.err));
    return outcome;
  }
  outcome.rows = parse_batch(run.out);
  if (with_columns && !outcome.rows.empty()) {
    outcome.columns = std::move(outcome.rows.front());
    outcome.rows.erase(outcome.rows.begin());
  }
  return outcome;
}

SqlOutcome Cluster::try_query(int node, std::string_view sql, Account as) const {
  return run_sql(node, sql, as, false);
}

Rows Cluster::query(int node, std::string_view sql, Account as) const {
  SqlOutcome outcome = try_query(node, sql, as);
  if (!outcome.ok()) throw SqlError(outcome.error_code, outcome.error + "\n  in: " + std::string(sql));
  return std::move(outcome.rows);
}

void Cluster::execute(int node, std::string_view sql, Account as) const { (void)query(node, sql, as); }

std::string Cluster::value(int node, std::string_view sql, Account as) const {
  Rows rows = query(node, sql, as);
  if (rows.empty() || rows.front().empty()) {
    throw SqlError(-1, "node " + std::to_string(node) + " returned no row for: " + std::string(sql));
  }
  return rows.front().front();
}

Record Cluster::record(int node, std::string_view sql, Account as) const {
  SqlOutcome outcome = run_sql(node, sql, as, true);
  if (!outcome.ok()) throw SqlError(outcome.error_code, outcome.error + "\n  in: " + std::string(sql));
  Record record;
  if (outcome.rows.empty()) return record;
  for (std::size_t i = 0; i < outcome.columns.size() && i < outcome.rows.front().size(); ++i) {
    record[outcome.columns[i]] = outcome.rows.front()[i];
  }
  return record;
}

void Cluster::sync_replicas(int primary, std::chrono::seconds timeout) const {
  const std::string position = value(primary, "SELECT @@gtid_binlog_pos");
  for (int node = 1; node <= nodes_; ++node) {
    if (node == primary || record(node, "SHOW SLAVE STATUS").empty()) continue;
    const std::string waited = value(node, "SELECT MASTER_GTID_WAIT('" + position + "', " +
                                               std::to_string(timeout.count()) + ")");
    if (waited != "0") {
      throw SqlError(-1, "node " + std::to_string(node) + " did not reach node " + std::to_string(primary) +
                             "'s position " + position + " within " + std::to_string(timeout.count()) + " s");
    }
  }
}

std::string Cluster::run_script(const std::vector<std::string>& args, std::chrono::seconds timeout) const {
  std::vector<std::string> argv{script().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--dir");
  argv.push_back(dir_.string());
  ProcessResult run = run_process(argv, timeout);
  if (!run.ok()) {
    std::string command;
    for (const auto& a : args) command += " " + a;
    throw std::runtime_error("scripts/cluster" + command + " (" + run.describe() + "):\n" + run.out + run.err);
  }
  return run.out;
}

void Cluster::reset() { run_script({"reset"}, kResetTimeout); }

void Cluster::recopy(int node) {
  check_node(node);
  run_script({"recopy", "--node", std::to_string(node)}, kNodeTimeout);
}

void Cluster::stop(int node, StopMode mode) {
  check_node(node);
  std::vector<std::string> args{"stop", "--node", std::to_string(node)};
  if (mode == StopMode::kill) args.push_back("--kill");
  run_script(args, kNodeTimeout);
}

void Cluster::start_node(int node) {
  check_node(node);
  run_script({"start", "--node", std::to_string(node)}, kNodeTimeout);
}

void Cluster::pause(int node) {
  check_node(node);
  run_script({"pause", "--node", std::to_string(node)}, kNodeTimeout);
}

void Cluster::resume(int node) {
  check_node(node);
  run_script({"resume", "--node", std::to_string(node)}, kNodeTimeout);
}

std::string Cluster::status() const { return run_script({"status"}, kNodeTimeout); }

}  // namespace pivot::test
