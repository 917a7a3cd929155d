// The traffic switch as shipped (issue 20, item 2): Debian's haproxy on a
// loopback port in front of the 5-node cluster, its write backend one server
// per node; pivotd runs packaging/examples/hooks/haproxy-switch itself as
// post_promote (HAPROXY_* reach it through pivotd's environment, as the
// drop-in's Environment= gives them in production). write_probe writes only
// through HAProxy (--proxy), pooled. Checked: nothing acknowledged lost and
// equal checksums through a pivot, a reload of haproxy and a pivot back; the
// window the client saw through the proxy (printed); HAProxy's own state
// (new ready, every other server in maint) after each pivot and after the
// reload, which reads the server-state file the hook saved; a second run of
// the hook changes nothing; a session held on the old primary's server is
// shut down by the switch; clear failures for a wrong socket or address.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "pivot/test/free_ports.hpp"
#include "pivot/test/process.hpp"
#include "pivot/test/reaper.hpp"
#include "stack_test.hpp"

namespace pivot::test {
namespace {
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const fs::path kHook = fs::path(PIVOT_SOURCE_DIR_DEFAULT) / "packaging/examples/hooks/haproxy-switch";
constexpr int kNodes = 5;  // StackTest's cluster

// One runtime API exchange on a Unix socket: the command out, everything
// HAProxy answers until it closes. "" when the socket cannot be reached.
std::string ask_socket(const fs::path& socket_path, const std::string& command) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", socket_path.c_str());
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string line = command + "\n";
    if (::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
      char buffer[4096];
      pollfd p{fd, POLLIN, 0};
      while (::poll(&p, 1, 5000) > 0) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  return answer;
}

// A line of `show servers state`, split on blanks.
std::vector<std::string> fields_of(const std::string& line) {
  std::istringstream in(line);
  return {std::istream_iterator<std::string>(in), std::istream_iterator<std::string>()};
}

// Debian's haproxy in master-worker mode (-W: SIGUSR2 reloads it as
// `systemctl reload haproxy` does), its admin socket and server-state file in
// a directory of its own, stopped by PID.
class Haproxy {
 public:
  // A port found free may be taken before haproxy binds it (parallel
  // tests): then another, three times at most.
  Haproxy(const fs::path& dir, const std::vector<std::string>& servers) : dir_(dir) {
    arm_reaper();
    for (int attempt = 1;; ++attempt) {
      port_ = find_free_base_port(1);
      write_config(servers);
      process_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{
          "/usr/sbin/haproxy", "-W", "-f", (dir_ / "haproxy.cfg").string(), "-p", pid_file().string()});
      if (wait_until([&] { return process_->exited() || (loads() == 1 && !ask("show info").empty()); }, 10s) &&
          !process_->exited()) {
        return;
      }
      if (attempt == 3) throw std::runtime_error("haproxy did not start: " + log());
      process_->kill_now();
    }
  }
  ~Haproxy() {
    process_->signal(SIGTERM);  // the master stops every worker, old ones included
    if (!process_->wait_exit(10s)) process_->kill_now();
    reaper_->dismiss();
  }
  // SIGUSR2 to the master: it re-reads the configuration and the server-state
  // file and starts a new worker. Returns once the new worker answers.
  void reload() {
    const int before = loads();
    process_->signal(SIGUSR2);
    if (!wait_until([&] { return loads() > before && !ask("show info").empty(); }, 10s)) {
      throw std::runtime_error("haproxy did not reload: " + log());
    }
  }
  std::string ask(const std::string& command) const { return ask_socket(socket(), command); }
  // Server name -> srv_admin_state, from `show servers state mysql_write`.
  std::map<std::string, int> admin_states() const {
    std::map<std::string, int> out;
    std::istringstream lines(ask("show servers state mysql_write"));
    for (std::string line; std::getline(lines, line);) {
      const auto f = fields_of(line);
      if (f.size() >= 19 && f[0] != "#") out[f[3]] = std::stoi(f[6]);
    }
    return out;
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  fs::path socket() const { return dir_ / "admin.sock"; }
  fs::path state_file() const { return dir_ / "server-state"; }
  std::string log() const { return process_->out() + process_->err(); }

 private:
  void write_config(const std::vector<std::string>& servers) const {
    std::ofstream cfg(dir_ / "haproxy.cfg");
    cfg << "global\n"
        << "  stats socket " << socket().string() << " mode 660 level admin\n"
        << "  server-state-file " << state_file().string() << "\n"
        << "defaults\n  mode tcp\n  timeout connect 1s\n  timeout client 1h\n  timeout server 1h\n"
        << "  load-server-state-from-file global\n"
        << "listen mysql_write\n  bind 127.0.0.1:" << port_ << "\n  balance first\n";
    // One server per node, named by node: db1, the primary, takes the
    // writes; the others wait in maint until a switch makes one ready.
    for (std::size_t i = 0; i < servers.size(); ++i) {
      cfg << "  server db" << i + 1 << " " << servers[i] << (i == 0 ? "" : " disabled") << "\n";
    }
  }
  fs::path pid_file() const { return dir_ / "haproxy.pid"; }
  // If this process dies first (a crash, ctest's SIGKILL at the timeout),
  // the reaper stops haproxy's master by the PID it wrote, and removes the
  // directory.
  void arm_reaper() {
    const fs::path script = dir_ / "reap-haproxy";
    std::ofstream(script) << "#!/bin/sh\n"
                          << "pid=\"$(cat '" << pid_file().string() << "' 2>/dev/null)\"\n"
                          << "ours() { [ -n \"$pid\" ] && [ \"$(cat /proc/$pid/comm 2>/dev/null)\" = haproxy ]; }\n"
                          << "! ours || kill -TERM \"$pid\"\n"
                          << "sleep 1; ! ours || kill -KILL \"$pid\"\n"
                          << "rm -rf '" << dir_.string() << "'\n";
    fs::permissions(script, fs::perms::owner_all);
    reaper_ = std::make_unique<Reaper>(script, dir_);
  }
  int loads() const {
    const std::string text = log();
    int n = 0;
    for (std::size_t at = 0; (at = text.find("Loading success.", at)) != std::string::npos; ++at) ++n;
    return n;
  }
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<Reaper> reaper_;
  std::unique_ptr<BackgroundProcess> process_;
};

// HAProxy's srv_admin_state bits: 0x01 maint set over the runtime API; a
// server is ready when none but 0x04 (the configuration's `disabled`, which
// `state ready` overrides) is set. The hook reads them the same way.
bool ready(int admin) { return (admin & 0x7b) == 0; }
bool maint(int admin) { return (admin & 0x01) != 0; }

// A TCP client of the proxy that sends nothing: whatever server it reached
// keeps it until HAProxy or the server closes it.
class HeldConnection {
 public:
  explicit HeldConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~HeldConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  // Reads (the server's greeting) until the peer closes: true if it closed
  // within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[1024];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) return true;
    }
    return false;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class HaproxySwitch : public StackTest {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/pivot-haproxy-XXXXXX";  // short: a socket path has 107 bytes
    if (::mkdtemp(tmpl) == nullptr) return;
    haproxy_dir_ = tmpl;
    // Searchable by others: the permission case runs the hook as nobody,
    // whom the socket's own mode (660) must stop.
    fs::permissions(haproxy_dir_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    // pivotd passes its environment on to hooks (docs/operations.md).
    ::setenv("HAPROXY_SOCKET", (haproxy_dir_ / "admin.sock").c_str(), 1);
    ::setenv("HAPROXY_BACKEND", "mysql_write", 1);
    ::setenv("HAPROXY_STATE_FILE", (haproxy_dir_ / "server-state").c_str(), 1);
    start_stack("syshaproxy");
    if (!stack_) return;
    try {
      std::vector<std::string> servers;
      for (int i = 1; i <= kNodes; ++i) servers.push_back(stack_->node_address(i));
      haproxy_ = std::make_unique<Haproxy>(haproxy_dir_, servers);
    } catch (const std::exception& e) {
      haproxy_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    haproxy_.reset();
    StackTest::TearDownTestSuite();
    std::error_code ignored;
    if (!haproxy_dir_.empty()) fs::remove_all(haproxy_dir_, ignored);
  }
  void SetUp() override {
    StackTest::SetUp();
    ASSERT_TRUE(haproxy_) << "no haproxy: " << haproxy_error_;
    // Each test starts with db1's server taking the writes, as the reset
    // cluster does (a test that failed half-way may have left another).
    if (!switched_to(1)) {
      auto reset = run_hook(1);
      ASSERT_EQ(reset.exit_code, 0) << reset.out << reset.err;
    }
  }
  void TearDown() override {
    if (HasFailure() && haproxy_) std::cout << "---- haproxy log ----\n" << haproxy_->log() << "\n";
    StackTest::TearDown();
  }

  bool switched_to(int primary) const {
    const auto states = haproxy_->admin_states();
    if (states.size() != static_cast<std::size_t>(kNodes)) return false;
    for (const auto& [name, admin] : states) {
      if (name == "db" + std::to_string(primary) ? !ready(admin) : !maint(admin)) return false;
    }
    return true;
  }
  // The backend as it must be when db<primary> takes the writes.
  void expect_switched_to(int primary, const std::string& when) const {
    const auto states = haproxy_->admin_states();
    ASSERT_EQ(states.size(), static_cast<std::size_t>(kNodes)) << when << ": " << haproxy_->ask("show servers state");
    for (int i = 1; i <= kNodes; ++i) {
      const int admin = states.at("db" + std::to_string(i));
      if (i == primary) {
        EXPECT_TRUE(ready(admin)) << when << ": db" << i << " srv_admin_state " << admin;
      } else {
        EXPECT_TRUE(maint(admin)) << when << ": db" << i << " srv_admin_state " << admin;
      }
    }
  }
  // write_probe as the app account, every write through HAProxy, pooled.
  std::unique_ptr<ProbeProcess> start_probe_through_proxy() const {
    std::string nodes;
    for (int i = 1; i <= kNodes; ++i) nodes += (i > 1 ? "," : "") + stack().node_address(i);
    return std::make_unique<ProbeProcess>(std::vector<std::string>{
        "--nodes", nodes, "--proxy", haproxy_->address(), "--user", "app", "--password-file",
        cluster().password_file(Account::app).string(), "--database", "pivot_test", "--settle-timeout-ms",
        "20000", "--duration-ms", "120000"});
  }
  // Stops the probe: as expect_probe_lost_nothing, and every write went
  // through the proxy. Returns the window the client saw.
  int expect_proxy_probe_clean(ProbeProcess& probe, int final_primary) const {
    auto outcome = probe.finish(60s);
    if (!outcome.report) {
      ADD_FAILURE() << outcome.describe();
      return -1;
    }
    const auto& report = *outcome.report;
    std::cout << "write_probe: " << report.dump().substr(0, 700) << "\n";
    EXPECT_EQ(outcome.exit_code, 0) << outcome.describe();
    EXPECT_EQ(report.at("mode"), "proxy");
    EXPECT_EQ(report.at("lost"), 0);
    EXPECT_EQ(report.at("split_brain"), false);
    EXPECT_EQ(report.at("checksums_equal"), true);
    EXPECT_EQ(report.at("blocked_until_end"), false) << "writes through the proxy never came back";
    EXPECT_GT(report.at("acked").get<int>(), 0);
    EXPECT_EQ(report.at("proxy").at("acked"), report.at("acked"));
    EXPECT_EQ(report.at("final_primary"), stack().node_address(final_primary));
    return report.at("write_blocked_ms").get<int>();
  }
  nlohmann::json pivot(const std::string& candidate, const std::string& expected_primary) {
    auto job = stack().run_job(cluster_path("/pivot"), {{"candidate", candidate}, {"expected_primary", expected_primary}});
    std::cout << "pivot to " << candidate << ": " << job.dump() << "\n";
    EXPECT_EQ(job["state"], "succeeded") << job.dump(2);
    return job;
  }
  static nlohmann::json step_of(const nlohmann::json& job, const std::string& name) {
    for (const auto& step : job["steps"]) {
      if (step.value("name", "") == name) return step;
    }
    return nlohmann::json::object();
  }
  static std::string step_summary(const nlohmann::json& job, const std::string& name) {
    return step_of(job, name).value("summary", "");
  }
  static std::int64_t hook_ms(const nlohmann::json& job) {
    return step_of(job, "post_promote").value("detail", nlohmann::json::object()).value("duration_ms", std::int64_t{-1});
  }
  // The shipped hook run by hand, as pivotd runs it.
  ProcessResult run_hook(int new_primary, const Environment& extra = {}) const {
    Environment env{{"PIVOT_CLUSTER", stack().cluster_name()},
                    {"PIVOT_OLD_PRIMARY", stack().node_address(1)},
                    {"PIVOT_NEW_PRIMARY", stack().node_address(new_primary)}};
    for (const auto& [name, value] : extra) {  // an extra replaces a default
      auto same = std::find_if(env.begin(), env.end(), [&](const auto& e) { return e.first == name; });
      if (same != env.end()) same->second = value;
      else env.emplace_back(name, value);
    }
    return run_process({kHook.string()}, 10s, env);
  }

  static inline fs::path haproxy_dir_;
  static inline std::unique_ptr<Haproxy> haproxy_;
  static inline std::string haproxy_error_;
};

TEST_F(HaproxySwitch, PivotReloadAndBackThroughHaproxy) {
  stack().write_spec({.hooks = {{"post_promote", kHook.string()}}});
  expect_switched_to(1, "at the start");

  // 1. The pivot to db2, the client writing through HAProxy.
  auto probe = start_probe_through_proxy();
  ASSERT_TRUE(probe->wait_ready(10s));
  std::this_thread::sleep_for(300ms);  // writes before the pivot
  auto job = pivot("db2", "db1");
  ASSERT_EQ(job["state"], "succeeded");
  EXPECT_EQ(step_summary(job, "post_promote"),
            "haproxy mysql_write: db2 ready, db1,db3,db4,db5 maint (changed: db1:maint db2:ready)");
  // The probe's pooled session was moved by HAProxy's `shutdown sessions`,
  // not by the fence's kill that follows the hook.
  EXPECT_EQ(step_summary(job, "fence_kill_connections"), "no client session to kill on db1");
  const double job_window_1 = job["result"].value("write_blocked_ms", 0.0);
  const std::int64_t hook_ms_1 = hook_ms(job);
  std::this_thread::sleep_for(300ms);  // writes after
  const int window_1 = expect_proxy_probe_clean(*probe, 2);
  expect_switched_to(2, "after the pivot to db2");

  // 2. A second run of the hook finds nothing to do and changes nothing.
  const std::string state_before = haproxy_->ask("show servers state mysql_write");
  auto again = run_hook(2);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(again.out, "haproxy mysql_write: db2 ready, db1,db3,db4,db5 maint (already)\n");
  EXPECT_EQ(again.err, "");
  expect_switched_to(2, "after a second run of the hook");
  auto strip_times = [](const std::string& state) {  // srv_time_since_last_change moves on
    std::istringstream lines(state);
    std::string out;
    for (std::string line; std::getline(lines, line);) {
      auto f = fields_of(line);
      if (f.size() >= 10 && f[0] != "#") f[9] = "-";
      for (const auto& field : f) out += field + " ";
      out += "\n";
    }
    return out;
  };
  EXPECT_EQ(strip_times(haproxy_->ask("show servers state mysql_write")), strip_times(state_before));

  // 3. A reload (configuration: db1 the enabled server) under load: the
  // server-state file the hook saved keeps db2.
  probe = start_probe_through_proxy();
  ASSERT_TRUE(probe->wait_ready(10s));
  std::this_thread::sleep_for(300ms);
  haproxy_->reload();
  EXPECT_NE(haproxy_->log().find("changed from server-state after a reload"), std::string::npos) << haproxy_->log();
  expect_switched_to(2, "after the reload");
  std::this_thread::sleep_for(300ms);

  // 4. And back to db1, through the reloaded HAProxy.
  stack().wait_ready();
  wait_observed_primary("db2");
  job = pivot("db1", "db2");
  ASSERT_EQ(job["state"], "succeeded");
  EXPECT_EQ(step_summary(job, "post_promote"),
            "haproxy mysql_write: db1 ready, db2,db3,db4,db5 maint (changed: db1:ready db2:maint)");
  std::this_thread::sleep_for(300ms);
  const int window_2 = expect_proxy_probe_clean(*probe, 1);
  expect_switched_to(1, "after the pivot back to db1");
  expect_replicating_from(1);
  std::cout << "window through haproxy: pivot to db2 " << window_1 << " ms (the job's write_blocked_ms "
            << job_window_1 << ", the hook " << hook_ms_1 << " ms), reload + pivot back " << window_2
            << " ms (the job's " << job["result"].value("write_blocked_ms", 0.0) << ", the hook " << hook_ms(job)
            << " ms)\n";
  std::cout << "HAPROXY_WINDOW_MS " << window_1 << " " << window_2 << "\n";
}

TEST_F(HaproxySwitch, TheSwitchShutsTheOldServersSessions) {
  // A client holding a session on db1's server (it sends nothing, so only
  // HAProxy can end it before MariaDB's 10 s connect_timeout).
  expect_switched_to(1, "at the start");
  HeldConnection held(haproxy_->port());
  ASSERT_TRUE(held.connected());
  ASSERT_FALSE(held.closed_within(300ms)) << "the proxy's session closed before any switch";
  // The switch alone (the hook by hand, no pivot: the cluster does not care
  // which server HAProxy marks ready), then back.
  auto moved = run_hook(3);
  ASSERT_EQ(moved.exit_code, 0) << moved.out << moved.err;
  EXPECT_TRUE(held.closed_within(2s)) << "the session on db1's server survived the switch to db3";
  expect_switched_to(3, "after the hook named db3");
  auto back = run_hook(1);
  ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
  expect_switched_to(1, "after the hook named db1 again");
}

TEST_F(HaproxySwitch, FailuresExitNonZeroWithOneLineNamingThem) {
  struct Case {
    std::string what;
    Environment env;
    std::string names;  // the stderr line must contain this
  };
  const std::vector<Case> cases{
      {"no socket", {{"HAPROXY_SOCKET", (haproxy_dir_ / "missing.sock").string()}}, "no HAProxy admin socket at"},
      {"unknown backend", {{"HAPROXY_BACKEND", "mysql_nope"}}, "no backend 'mysql_nope'"},
      {"unknown server", {{"PIVOT_NEW_PRIMARY", "127.0.0.1:1"}}, "no server in backend 'mysql_write' has the new primary's address 127.0.0.1:1"},
      {"state not saved", {{"HAPROXY_STATE_FILE", "/proc/no-such-dir/server-state"}}, "a reload of haproxy would bring back the old primary"},
  };
  for (const auto& c : cases) {
    auto run = run_hook(1, c.env);
    EXPECT_EQ(run.exit_code, 1) << c.what << ": " << run.out << run.err;
    EXPECT_NE(run.err.find(c.names), std::string::npos) << c.what << ": " << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << c.what << ": " << run.err;
  }
  // A user outside the socket's group: permission denied, named (root
  // only can become that user).
  if (::geteuid() != 0) return;
  auto denied = run_process({"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", kHook.string()},
                            10s, {{"PIVOT_NEW_PRIMARY", stack().node_address(1)}});
  EXPECT_EQ(denied.exit_code, 1) << denied.out << denied.err;
  EXPECT_NE(denied.err.find("permission denied on " + haproxy_->socket().string()), std::string::npos) << denied.err;
  expect_switched_to(1, "after the failed runs");
}

}  // namespace
}  // namespace pivot::test
