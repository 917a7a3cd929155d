// pivotd: the controller. Loads its config and the cluster specs, binds the
// agents' bus (CURVE + ZAP) and the REST API, and runs jobs until SIGTERM.
#include "pivot/asio.hpp"

#include <systemd/sd-daemon.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>

#include "pivot/controller/api_router.hpp"
#include "pivot/controller/cluster_watcher.hpp"
#include "pivot/controller/event_hub.hpp"
#include "pivot/controller/job_metrics.hpp"
#include "pivot/controller/controller_bus.hpp"
#include "pivot/controller/controller_epoch.hpp"
#include "pivot/controller/leadership.hpp"
#include "pivot/controller/failpoint_agent_port.hpp"
#include "pivot/controller/http_server.hpp"
#include "pivot/controller/pivot_service.hpp"
#include "pivot/controller/pivotd_setup.hpp"
#include "pivot/controller/posix_hook_runner.hpp"
#include "pivot/controller/sqlite_journal.hpp"
#include "pivot/controller/system_clock.hpp"
#include "pivot/controller/systemd_watchdog.hpp"
#include "pivot/controller/zmq_agent_port.hpp"
#include "pivot/curve_keys.hpp"
#include "pivot/log.hpp"

#ifndef PIVOT_VERSION
#define PIVOT_VERSION "0.0.0"
#endif

namespace {
using namespace pivot::controller;

template <typename T>
void optional_flag(CLI::App& app, const std::string& name, std::optional<T>& target, const std::string& help) {
  app.add_option_function<T>(name, [&target](const T& value) { target = value; }, help);
}

// --check-config: every problem, then 0 (all good) or 1.
int check_config(const PivotdSetup& setup) {
  for (const auto& p : setup.fatal) std::cout << p << "\n";
  for (const auto& p : setup.refused) std::cout << p << "\n";
  if (setup.fatal.empty()) {
    std::cout << setup.clusters.specs.size() << " cluster(s) valid";
    if (!setup.config.insecure) {
      std::cout << ", " << setup.agent_keys.size() << " agent key(s), " << (setup.tokens ? setup.tokens->size() : 0)
                << " token(s)";
    }
    std::cout << "\n";
  }
  // Layouts a spec's policy can never accept: said, but the exit status is
  // the problems' alone (the spec loads and runs).
  for (const auto& [cluster, warnings] : setup.clusters.warnings) {
    for (const auto& w : warnings) std::cout << "warning: " << w << "\n";
  }
  const bool ok = setup.fatal.empty() && setup.refused.empty();
  std::cout << (ok ? "configuration OK" : "configuration has problems") << "\n";
  return ok ? 0 : 1;
}

void log_refused(spdlog::logger& log, const PivotdSetup& setup) {
  for (const auto& p : setup.refused) log.error("refused: {}", p);
  // Loaded, but no pivot of it can ever be eligible (spec_layout.hpp).
  for (const auto& [cluster, warnings] : setup.clusters.warnings) {
    for (const auto& w : warnings) log.warn("cluster={} unsafe layout: {}", cluster, w);
  }
}

// PIVOT_FAILPOINT, honoured only with --enable-failpoints (tests); armed ones
// are logged loudly. A bad value stops pivotd: a test must not run without its fault.
pivot::Result<std::vector<Failpoint>> armed_failpoints(bool enabled, spdlog::logger& log) {
  const char* text = std::getenv(kFailpointEnv);
  if (!enabled && text && *text) {
    log.warn("{} is set but ignored: failpoints need --enable-failpoints (test use only)", kFailpointEnv);
  }
  auto failpoints = failpoints_to_arm(enabled, text);
  if (!failpoints) return failpoints;
  if (enabled && failpoints->empty()) log.warn("--enable-failpoints given but {} is empty: no failpoint armed", kFailpointEnv);
  for (const auto& fp : *failpoints) {
    log.critical("FAILPOINT ARMED: {} (test use only; never run pivotd like this in production)", fp.text);
  }
  return failpoints;
}

// Finished jobs older than the retention leave the journal: at start, then daily.
void prune_journal(SqliteJournal& journal, int retention_days, spdlog::logger& log) {
  const auto now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  const std::uint64_t keep_ms = static_cast<std::uint64_t>(retention_days) * 24 * 3600 * 1000;
  auto pruned = journal.prune(now_ms > keep_ms ? now_ms - keep_ms : 0);
  if (!pruned) {
    log.error("{}", pruned.error().message);
  } else if (*pruned > 0) {
    log.info("journal {}: pruned {} job(s) finished more than {} day(s) ago", journal.path(), *pruned, retention_days);
  }
}

void prune_daily(boost::asio::steady_timer& timer, SqliteJournal& journal, int retention_days, spdlog::logger& log) {
  timer.expires_after(std::chrono::hours(24));
  timer.async_wait([&timer, &journal, retention_days, &log](const boost::system::error_code& ec) {
    if (ec) return;
    prune_journal(journal, retention_days, log);
    prune_daily(timer, journal, retention_days, log);
  });
}

// Node and cluster events: the clusters the bus marked, every 100 ms, and
// every cluster once a second (a node that falls silent sends nothing).
void watch_clusters(boost::asio::steady_timer& timer, ClusterWatcher& watcher, unsigned tick) {
  timer.expires_after(std::chrono::milliseconds(100));
  timer.async_wait([&timer, &watcher, tick](const boost::system::error_code& ec) {
    if (ec) return;
    watcher.refresh(tick % 10 == 0);
    watch_clusters(timer, watcher, tick + 1);
  });
}

int run(const std::optional<std::string>& config_path, const PivotdOverrides& overrides, PivotdSetup setup,
        bool failpoints_enabled) {
  auto log = pivot::log::get("pivotd");
  const auto& config = setup.config;
  log_refused(*log, setup);
  if (config.insecure) log->warn("--insecure: no CURVE on the bus and no tokens on the API; loopback only");

  auto failpoints = armed_failpoints(failpoints_enabled, *log);
  if (!failpoints) {
    log->critical("{}: {}", kFailpointEnv, failpoints.error().message);
    return 2;
  }
  // The journal first: a second pivotd on this state_dir stops here, before it
  // raises the epoch the first one commands with.
  // state_dir is made on first start (0700), as the epoch file's save does.
  std::error_code made;
  if (std::filesystem::create_directories(config.state_dir, made)) {
    std::filesystem::permissions(config.state_dir, std::filesystem::perms::owner_all, made);
  }
  if (made) {
    log->critical("cannot create the state_dir {}: {}", config.state_dir, made.message());
    return 1;
  }
  auto journal = SqliteJournal::open(config.state_dir + "/journal.sqlite");
  if (!journal) {
    log->critical("cannot open the job journal: {}", journal.error().message);
    return 1;
  }
  prune_journal(**journal, config.journal_retention_days, *log);
  auto restored = (*journal)->recent_jobs(PivotService::kJobsKept);
  auto keys = (*journal)->keys();
  if (!restored || !keys) {
    log->critical("cannot read the job journal: {}", (!restored ? restored.error() : keys.error()).message);
    return 1;
  }
  auto epoch = raise_controller_epoch(config.state_dir);
  if (!epoch) {
    log->critical("cannot raise the controller epoch: {}", epoch.error().message);
    return 1;
  }
  // The only pivotd: always the leader, at the epoch it just raised; every
  // command's epoch comes from here (etcd's election replaces it later).
  SoleLeadership leadership(*epoch);
  SystemClock clock;
  PosixHookRunner hooks;
  ControllerBus bus({config.events_bind, config.commands_bind, setup.secret_key, setup.agent_keys, {}});
  ZmqAgentPort port(bus, leadership);
  FailpointAgentPort faulty_port(port, *failpoints);
  AgentPort& agent_port = failpoints->empty() ? static_cast<AgentPort&>(port) : faulty_port;
  // Before the service: its jobs tell the hub until the service has waited for them.
  EventHub events(leadership.epoch(),
                  {.history_bytes = static_cast<std::size_t>(config.event_history_kib) * 1024,
                   .client_buffer_bytes = static_cast<std::size_t>(config.event_client_buffer_kib) * 1024,
                   .keepalive = std::chrono::milliseconds(config.event_keepalive_ms)});
  JobMetrics job_metrics;
  PivotService service(agent_port, hooks, clock, leadership.epoch());
  service.add_state_sink(events);
  service.add_state_sink(job_metrics);
  ClusterWatcher watcher(
      service, [&service](const std::string& cluster, ClusterStamps& out) { return service.stamps(cluster, out); },
      clock, events);
  if (!failpoints->empty()) {
    service.set_step_start_hook([fps = *failpoints](const std::string& job_id, const std::string& step) {
      if (auto fp = crash_at_start(fps, step)) crash_for_failpoint(*fp, "job " + job_id + " started step " + step);
    });
  }
  log->info("journal {}: {} job(s) and {} Idempotency-Key(s) restored", (*journal)->path(), restored->size(),
            keys->size());
  service.use_journal(**journal, std::move(restored).value(), std::move(keys).value());
  // Cooldowns, maintenance windows, needs_rebuild marks and the last primary
  // of each cluster: a pivotd that cannot read them must not guess them.
  auto marks = (*journal)->cluster_marks();
  if (!marks) {
    log->critical("cannot read the cluster marks: {}", marks.error().message);
    return 1;
  }
  log->info("journal {}: marks of {} cluster(s) restored", (*journal)->path(), marks->size());
  service.restore_marks(std::move(marks).value());
  service.set_job_archive([&journal = **journal, &log](const std::string& id) -> std::optional<Job> {
    auto found = journal.job(id);
    if (found) return *found;
    log->error("{}", found.error().message);
    return std::nullopt;
  });
  service.set_specs(setup.clusters.specs);
  service.set_agents_source([&bus] { return bus.agents(std::chrono::steady_clock::now()); });

  if (auto started = bus.start([&](pivot::protocol::Message message, std::chrono::steady_clock::time_point at) {
        port.deliver(message);
        service.on_message(message, steady_ms_of(at));
        watcher.mark(message.envelope.cluster);
      });
      !started) {
    log->critical("cannot start the bus: {}", started.error().message);
    return 1;
  }

  boost::asio::io_context io;
  auto http = parse_http_address(config.http);  // validated with the config
  ApiRouter router(service, setup.tokens ? &*setup.tokens : nullptr, PIVOT_VERSION, &events, &job_metrics);
  HttpServer server(io, {http->host, http->port}, [&router](const ApiRequest& r) { return router.handle(r); });
  if (auto started = server.start(); !started) {
    log->critical("cannot serve the REST API: {}", started.error().message);
    bus.stop();
    return 1;
  }
  // Jobs that ran when the last pivotd stopped: recovered now that agents can
  // answer, and only once this pivotd surely runs (a start that fails to bind
  // must leave them to the next one, not end them half-recovered).
  if (const auto recovering = service.recover_jobs([&journal = **journal](const std::string& id) {
        return journal.entries(id);
      });
      recovering > 0) {
    log->warn("{} pivot(s) found running in the journal: recovering them", recovering);
  }
  service.start_guard(static_cast<std::uint64_t>(config.failover_guard_tick_ms), config.max_auto_failovers_per_hour);

  log->info("pivotd {} started: epoch {}, {} cluster(s), API on {}:{}, events {}, commands {}", PIVOT_VERSION, *epoch,
            setup.clusters.specs.size(), http->host, server.port(), config.events_bind, config.commands_bind);
  sd_notify(0, "READY=1");
  SystemdWatchdog watchdog(io, [&bus] { return bus.last_loop(); }, log);
  watchdog.start();
  boost::asio::steady_timer prune_timer(io);
  prune_daily(prune_timer, **journal, config.journal_retention_days, *log);
  boost::asio::steady_timer watch_timer(io);
  watch_clusters(watch_timer, watcher, 0);

  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::thread waiter;
  std::function<void(const boost::system::error_code&, int)> on_signal = [&](const boost::system::error_code& ec,
                                                                             int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      auto reloaded = load_pivotd_setup(config_path, overrides);
      log_refused(*log, reloaded);
      if (!reloaded.fatal.empty()) {
        for (const auto& p : reloaded.fatal) log->error("reload refused: {}", p);
      } else {
        for (const auto& cluster : keep_loaded_specs_of_refused_files(setup.clusters, reloaded.clusters)) {
          log->error("cluster={} its spec file was refused: the spec loaded before stays in force until the file is fixed",
                     cluster);
        }
        service.set_specs(reloaded.clusters.specs);
        // A node added to a spec brings its agent's key: taken at once.
        bus.replace_agent_keys(reloaded.agent_keys);
        log->info("reloaded: {} cluster(s), {} agent key(s); tokens, binds and pivotd's key need a restart",
                  reloaded.clusters.specs.size(), reloaded.agent_keys.size());
        setup.clusters = std::move(reloaded.clusters);
      }
      signals.async_wait(on_signal);
      return;
    }
    // Stop taking requests and let running jobs end, for stop_timeout_s at
    // most (below the unit's TimeoutStopSec): a job still running then is
    // left to the next start's crash recovery, which its journal allows,
    // rather than to systemd's SIGKILL at a moment nobody chose.
    log->info("signal {}: stopping; waiting up to {} s for running jobs", signal, config.stop_timeout_s);
    sd_notify(0, "STOPPING=1");
    service.stop_rollouts();  // no rollout starts another pivot; the next start resumes them
    server.stop();
    // A job waiting for eligibility holds nothing and changed nothing: it
    // stops waiting now (not at the timeout) and the next start resumes it.
    service.leave_waits();
    waiter = std::thread([&] {
      if (!service.wait_idle_for(std::chrono::seconds(config.stop_timeout_s))) {
        log->warn("jobs still running after {} s (stop_timeout_s): leaving them to crash recovery at the next start",
                  config.stop_timeout_s);
        spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
        // Their threads still run: no destructor may pull the ground from
        // under them. The journal is written synchronously, so this is as
        // safe as the crash recovery is.
        std::_Exit(0);
      }
      io.stop();
    });
  };
  signals.async_wait(on_signal);
  io.run();
  if (waiter.joinable()) waiter.join();
  bus.stop();
  log->info("pivotd stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pivotd: the pivot controller (agents' bus, eligibility, pivots, REST API)"};
  app.set_version_flag("--version", std::string("pivotd ") + PIVOT_VERSION);
  std::optional<std::string> config_path;
  PivotdOverrides o;
  bool check = false;
  bool failpoints_enabled = false;
  optional_flag(app, "--config", config_path, "pivotd.yaml (flags override it)");
  optional_flag(app, "--clusters", o.clusters_dir, "directory of cluster specs (*.yaml)");
  optional_flag(app, "--state-dir", o.state_dir, "where pivotd keeps its epoch (and later its journal)");
  optional_flag(app, "--http", o.http, "REST API listen address HOST:PORT");
  optional_flag(app, "--events-bind", o.events_bind, "agents' events endpoint, tcp://*:7701");
  optional_flag(app, "--commands-bind", o.commands_bind, "commands endpoint, tcp://*:7702");
  optional_flag(app, "--key", o.key, "pivotd's CURVE secret key file");
  optional_flag(app, "--agent-keys", o.agent_keys, "directory of <cluster>.<node>.pub agent keys");
  optional_flag(app, "--tokens-file", o.tokens_file, "API tokens: 'operator|viewer NAME TOKEN' per line");
  optional_flag(app, "--log-level", o.log_level, "trace|debug|info|warn|error (PIVOT_LOG_LEVEL wins)");
  app.add_flag("--insecure", o.insecure, "no CURVE, no tokens: loopback only");
  app.add_flag("--enable-failpoints", failpoints_enabled,
               "TEST USE ONLY: honour PIVOT_FAILPOINT=<step>[/<action>]:drop_answer (docs/pivotd.md)");
  app.add_flag("--check-config", check, "validate the config and every spec, print every problem, exit 0 or 1");

  CLI::App* keygen = app.add_subcommand("keygen", "write DIR/controller.key (0600) and DIR/controller.pub");
  std::string key_dir;
  bool force = false;
  keygen->add_option("--out", key_dir, "directory for the key pair")->required();
  keygen->add_flag("--force", force, "replace an existing key pair");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // CLI11's codes are 100-127; ours are 0 and 2
    return code == 0 ? 0 : 2;
  }

  if (keygen->parsed()) {
    auto pair = pivot::curve::write_key_pair(key_dir, "controller", force);
    if (!pair) {
      std::cerr << "pivotd keygen: " << pair.error().message << "\n";
      return pair.error().code == "exists" ? 2 : 1;
    }
    std::cout << "wrote " << key_dir << "/controller.key (secret, 0600) and " << key_dir << "/controller.pub\n"
              << "give controller.pub to every agent (controller.public_key in agent.yaml)\n";
    return 0;
  }

  pivot::log::init(o.log_level.value_or(""));
  auto setup = load_pivotd_setup(config_path, o);
  if (check) return check_config(setup);
  if (!setup.fatal.empty()) {
    std::cerr << "pivotd: invalid configuration:\n";
    for (const auto& p : setup.fatal) std::cerr << p << "\n";
    pivot::log::get("pivotd")->error("invalid configuration, not starting");
    return 2;
  }
  pivot::log::init(o.log_level.value_or(setup.config.log_level));
  const int code = run(config_path, o, std::move(setup), failpoints_enabled);
  spdlog::shutdown();
  return code;
}
