// write_probe: an ordinary client (no READ_ONLY ADMIN) writing through a
// primary change, and the judge of what it saw. docs/write_probe.md.

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sys/stat.h>
#include <thread>

#include "ack_analysis.hpp"
#include "final_check.hpp"
#include "node_writer.hpp"
#include "pivot/log.hpp"
#include "probe_config.hpp"
#include "probe_report.hpp"
#include "route_file.hpp"
#include "table_setup.hpp"

namespace {

using namespace pivot::tools;

std::atomic<bool> g_signalled{false};  // lock-free, so safe to set from a handler

extern "C" void on_stop_signal(int) { g_signalled.store(true); }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

const char* probe_mode(const ProbeConfig& config) {
  if (config.proxy) return "proxy";
  return config.route_file.empty() ? "all_nodes" : "route";
}

bool file_exists(const std::string& path) {
  struct stat info {};
  return !path.empty() && ::stat(path.c_str(), &info) == 0;
}

// Polls the three ways a run ends; 10 ms is far below any window worth reporting.
void wait_for_stop(const ProbeConfig& config, const ProbeClock& clock, const TickPlan& plan) {
  const std::int64_t end_us = plan.start_us() + config.duration_ms * 1000;
  while (!g_signalled.load()) {
    if (config.duration_ms > 0 && clock.now_us() >= end_us) return;
    if (file_exists(config.stop_file)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

struct WriteRun {
  TickPlan plan;
  std::int64_t end_us = 0;
  std::vector<Ack> acks;
  std::vector<WriterStats> stats;  // per node (all zero with --proxy)
  WriterStats proxy_stats;         // the proxy's writer (--proxy)
};

WriteRun write_until_stopped(const ProbeConfig& config, const std::string& password, const ProbeTable& table,
                             const ProbeClock& clock) {
  auto log = pivot::log::get("write_probe");
  std::optional<RouteFile> route;
  if (!config.route_file.empty()) route.emplace(config.route_file, config.nodes);
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<NodeWriter>> writers;
  if (config.proxy) {
    // One client of the proxy, whatever node is behind it; its index follows
    // the nodes' (rows and acks name the proxy, see final_check.cpp).
    writers.push_back(std::make_unique<NodeWriter>(static_cast<int>(config.nodes.size()),
                                                   session_options(config, *config.proxy, config.user, password),
                                                   table, clock, nullptr, stop, config.connect_per_write));
  }
  for (std::size_t i = 0; !config.proxy && i < config.nodes.size(); ++i) {
    writers.push_back(std::make_unique<NodeWriter>(
        static_cast<int>(i), session_options(config, config.nodes[i], config.user, password), table, clock,
        route ? &*route : nullptr, stop, config.connect_per_write));
  }
  const std::size_t expected_acks =
      config.duration_ms > 0 ? static_cast<std::size_t>(config.duration_ms / config.interval_ms + 64) : 1u << 16;

  // Every writer connects first, so that connection set-up is not mistaken
  // for a write-blocked window at the start.
  std::latch connected(static_cast<std::ptrdiff_t>(writers.size()));
  std::promise<TickPlan> plan_promise;
  std::shared_future<TickPlan> plan_future = plan_promise.get_future().share();
  std::vector<std::thread> threads;
  for (auto& writer : writers) {
    threads.emplace_back([&, w = writer.get()] { w->run(connected, plan_future, expected_acks); });
  }
  connected.wait();

  WriteRun run;
  run.plan = TickPlan::starting_after(clock.now_us(), config.interval_ms * 1000);
  plan_promise.set_value(run.plan);
  if (!config.ready_file.empty()) std::ofstream(config.ready_file) << run.plan.first_tick << "\n";
  log->info("writing first_seq={} nodes={} interval_ms={} mode={}", run.plan.first_tick, config.nodes.size(),
            config.interval_ms, probe_mode(config));

  wait_for_stop(config, clock, run.plan);
  run.end_us = clock.now_us();
  stop.store(true);
  // A writer inside a hung server returns within the session timeouts.
  for (auto& thread : threads) thread.join();
  for (const auto& writer : writers) {
    run.acks.insert(run.acks.end(), writer->acks().begin(), writer->acks().end());
  }
  if (config.proxy) {
    run.proxy_stats = writers.front()->stats();
    run.stats.assign(config.nodes.size(), WriterStats{});
  } else {
    for (const auto& writer : writers) run.stats.push_back(writer->stats());
  }
  log->info("stopped writing acked={}; settling", run.acks.size());
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = parse_probe_config(argc, argv);
  if (const int* code = std::get_if<int>(&parsed)) return *code;
  const ProbeConfig config = std::get<ProbeConfig>(std::move(parsed));
  pivot::log::init(config.log_level);
  auto log = pivot::log::get("write_probe");
  install_signal_handlers();

  auto password = read_password_file(config.password_file);
  auto admin_password = read_password_file(config.admin_password_file);
  if (!password || !admin_password) {
    log->error("{}", (!password ? password.error() : admin_password.error()).message);
    return kExitUsage;
  }
  pivot::mysql::init_driver();  // once, before any thread uses Connector/C++

  const ProbeTable table{config.database, config.table};
  if (config.create_table) {
    if (auto created = create_probe_table(config, *admin_password, table); !created) {
      log->error("{}", created.error().message);
      return kExitCouldNotRun;
    }
  }
  if (auto usable = check_probe_table(config, *password, table); !usable) {
    log->error("{}", usable.error().message);
    return kExitCouldNotRun;
  }

  const ProbeClock clock;
  WriteRun run = write_until_stopped(config, *password, table, clock);

  ReportInput report;
  for (const auto& node : config.nodes) report.node_names.push_back(node.name());
  report.writers = std::move(run.stats);
  report.mode = probe_mode(config);
  if (config.proxy) report.proxy = ProxyWriter{config.proxy->name(), run.proxy_stats};
  report.first_seq = run.plan.first_tick;
  // The stop is raised right after end_us is read, so writers rarely start a
  // tick past the first one at or after end_us; if this thread was
  // descheduled in between they may have, and their acks say so. Rows read
  // back must cover every acked tick, or an ack would count as lost.
  report.last_seq = run.plan.first_tick_from(run.end_us);
  for (const Ack& ack : run.acks) report.last_seq = std::max(report.last_seq, ack.seq);
  report.interval_ms = config.interval_ms;
  report.start_us = run.plan.start_us();
  report.end_us = run.end_us;
  report.max_listed = config.max_listed;
  report.analysis =
      analyze_acks(run.acks, static_cast<int>(config.nodes.size() + (config.proxy ? 1 : 0)), run.plan.start_us(),
                   run.end_us, GapListing{config.interval_ms * 1500, config.max_listed});
  report.final_state = run_final_check(config, *password, table, report.first_seq, report.last_seq, clock);
  report.verdict = judge_final(report.final_state, run.acks);

  std::cout << build_report(report).dump() << std::endl;
  const int code = exit_code_for(report);
  log->info("done exit_code={} acked={} lost={} split_brain={} write_blocked_ms={}", code, report.analysis.acked,
            report.verdict.on_checked.missing.size(), split_brain(report),
            (report.analysis.blocked.length_us + 500) / 1000);
  return code;
}
