#include "pivot/agent/agent_runtime.hpp"

#include <fstream>

#include <systemd/sd-daemon.h>

#include "pivot/agent/action_executor.hpp"
#include "pivot/agent/agent_bus.hpp"
#include "pivot/agent/command_gate.hpp"
#include "pivot/agent/mysql_probe.hpp"
#include "pivot/agent/publication.hpp"
#include "pivot/agent/sql_worker.hpp"
#include "pivot/asio.hpp"
#include "pivot/epoch_file.hpp"
#include "pivot/log.hpp"
#include "pivot/protocol/boot_id.hpp"

namespace pivot::agent {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr milliseconds kTick{50};
constexpr milliseconds kInsecureReminder{60000};
// How often an idle action worker checks a held fence's session: a lost fence
// is said (event fence_lost) within this, not only at the next command.
constexpr milliseconds kFenceCheck{100};
// How often an idle action worker checks its MySQL session (and reopens it
// when the server closed it, wait_timeout being 8 h by default): a pivot's
// commands then find one open, with no connect inside the window.
constexpr milliseconds kSessionKeep{30000};

uint64_t wall_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

uint64_t steady_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count());
}

std::string read_password(const std::string& path) {
  std::ifstream in(path);
  std::string password;
  std::getline(in, password);
  return password;
}

mysql::SessionOptions session_options(const AgentConfig& c) {
  mysql::SessionOptions o;
  o.host = c.mysql.host;
  o.port = c.mysql.port;
  o.socket = c.mysql.socket;
  o.user = c.mysql.user;
  o.password = read_password(c.mysql.password_file);
  const int timeout_s = c.probe_timeout_ms / 1000;
  o.connect_timeout_s = o.read_timeout_s = o.write_timeout_s = timeout_s;
  return o;
}

// One line for systemd's STATUS= and the log.
std::string summary(const protocol::NodeState& s) {
  if (!s.mysql_reachable) return "mysqld unreachable: " + s.probe_error;
  std::string role = s.replica ? "replica of " + s.replica->source_host + ":" + std::to_string(s.replica->source_port)
                               : "no source";
  std::string ro = !s.read_only ? "?" : *s.read_only ? "ON" : "OFF";
  std::string lag = s.replica && s.replica->seconds_behind ? std::to_string(*s.replica->seconds_behind) + " s" : "-";
  return role + ", read_only " + ro + ", lag " + lag;
}

class Runtime {
 public:
  Runtime(const RuntimeOptions& options)
      : options_(options),
        config_(options.config),
        log_(log::get("agent")),
        ctx_{.cluster = config_.cluster, .node = config_.node},
        tick_(io_),
        signals_(io_, SIGTERM, SIGINT),
        hangup_(io_, SIGHUP),
        publication_(static_cast<uint64_t>(config_.heartbeat_interval_ms)),
        boot_id_(protocol::new_boot_id()),
        bus_(config_.cluster, config_.node),
        epochs_(config_.state_dir) {}

  int run(bool& worker_stuck) {
    auto epoch = epochs_.load();
    if (!epoch) {
      log::event(*log_, spdlog::level::err, ctx_, "{}: fix it or run pivot-agent reset-epoch",
                 epoch.error().message);
      return 1;
    }
    gate_ = std::make_unique<CommandGate>(*epoch);
    std::unique_ptr<CurveClientKeys> keys;
    if (config_.insecure) {
      log::event(*log_, spdlog::level::warn, ctx_,
                 "insecure mode: no CURVE encryption or authentication, loopback endpoints only");
    } else {
      auto loaded = load_curve_client_keys(config_.key, config_.controller.public_key);
      if (!loaded) {
        log::event(*log_, spdlog::level::err, ctx_, "{}", loaded.error().message);
        return 1;
      }
      keys = std::make_unique<CurveClientKeys>(std::move(loaded).value());
    }
    auto started = bus_.start(
        {config_.controller.events, config_.controller.commands}, keys.get(),
        [this](protocol::Command command, AgentBus::Clock::time_point received) {
          boost::asio::post(io_, [this, command = std::move(command), received]() mutable {
            on_command(std::move(command), received);
          });
        },
        [this](std::string reason, std::optional<std::string> id) {
          boost::asio::post(io_, [this, reason = std::move(reason), id = std::move(id)] { on_bad_input(reason, id); });
        });
    if (!started) {
      log::event(*log_, spdlog::level::err, ctx_, "{}", started.error().message);
      return 1;
    }
    const auto mysql_options = session_options(config_);
    log::event(*log_, spdlog::level::info, ctx_, "started boot_id={} epoch={} events={} commands={} mysql={}",
               boot_id_, *epoch, config_.controller.events, config_.controller.commands, mysql_options.name());

    probe_ = std::make_unique<MysqlProbe>(mysql_options, config_.cluster, config_.node, options_.agent_version);
    executor_ = std::make_unique<ActionExecutor>(mysql_options, config_.replication,
                                                 read_password(config_.replication.password_file));
    // The fence's session and the action session, opened now so that a
    // pivot's commands do not pay for a connection inside its write-blocked
    // window; if mysqld is down now, the first command opens them then.
    action_worker_.post([this] {
      if (auto prepared = executor_->prepare_fence(); !prepared) {
        log::event(*log_, spdlog::level::debug, ctx_, "fence session not opened ahead: {}", prepared.error().message);
      }
      keep_action_session();
    });
    next_session_keep_ = Clock::now() + kSessionKeep;
    uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0) watchdog_every_ = milliseconds(watchdog_usec / 2000);
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      log::event(*log_, spdlog::level::info, ctx_, "signal {}: stopping", sig);
      sd_notify(0, "STOPPING=1");
      io_.stop();
    });
    wait_hangup();
    schedule_tick();
    io_.run();

    bus_.stop();
    const bool probe_stuck = !probe_worker_.stop();
    const bool action_stuck = !action_worker_.stop();
    worker_stuck = probe_stuck || action_stuck;
    if (worker_stuck) {
      log::event(*log_, spdlog::level::warn, ctx_, "exiting without waiting for a MySQL call stuck in mysqld");
    }
    return 0;
  }

 private:
  void schedule_tick() {
    tick_.expires_after(kTick);
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      on_tick();
      schedule_tick();
    });
  }

  void wait_hangup() {
    hangup_.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      reload();
      wait_hangup();
    });
  }

  void on_tick() {
    const auto now = Clock::now();
    if (!probe_worker_.busy() && now >= next_probe_) {
      probe_worker_.post([this] {
        auto state = probe_->probe();
        boost::asio::post(io_, [this, state = std::move(state)]() mutable { on_probe_done(std::move(state)); });
      });
      next_probe_ = now + milliseconds(config_.probe_interval_ms);
      hang_reported_ = false;
    } else if (probe_worker_.busy() && !hang_reported_) {
      // The probe's own timeouts are whole seconds and the client library may
      // retry a read; the loop does not wait for them.
      const auto stuck = std::chrono::duration_cast<milliseconds>(now - probe_worker_.started());
      if (stuck.count() >= config_.probe_timeout_ms) {
        hang_reported_ = true;
        protocol::NodeState hung = publication_.last().value_or(protocol::NodeState{});
        protocol::NodeState report;
        report.cluster = config_.cluster;
        report.node = config_.node;
        report.flavor = hung.flavor;
        report.agent_version = options_.agent_version;
        report.mysql_reachable = false;
        report.probe_error = "mysqld did not answer the probe for " + std::to_string(stuck.count()) +
                             " ms (hung or overloaded)";
        publish(publication_.on_snapshot(report, steady_ms()));
      }
    }
    watch_fence(now);
    if (!action_worker_.busy() && now >= next_session_keep_) {
      next_session_keep_ = now + kSessionKeep;
      action_worker_.post([this] { keep_action_session(); });
    }
    publish(publication_.on_tick(steady_ms()));
    if (watchdog_every_.count() && now - last_watchdog_ >= watchdog_every_) {
      sd_notify(0, "WATCHDOG=1");
      last_watchdog_ = now;
    }
    if (config_.insecure && now - last_insecure_warning_ >= kInsecureReminder) {
      if (last_insecure_warning_ != Clock::time_point{}) {
        log::event(*log_, spdlog::level::warn, ctx_, "still in insecure mode (no CURVE)");
      }
      last_insecure_warning_ = now;
    }
  }

  // The fence's session belongs to the action worker: the check runs there,
  // between commands, and its answer comes back to this loop.
  void watch_fence(Clock::time_point now) {
    if (!fence_watched_ || fence_check_posted_ || action_worker_.busy() || now < next_fence_check_) return;
    next_fence_check_ = now + kFenceCheck;
    fence_check_posted_ = true;
    action_worker_.post([this] {
      const WriteFence::State state = executor_->check_fence();
      boost::asio::post(io_, [this, state] { on_fence_checked(state); });
    });
  }

  // On the action worker. A failure is the probe's to report (mysqld down or
  // hung); the next command opens a session itself.
  void keep_action_session() {
    if (auto kept = executor_->keep_session(); !kept) {
      log::event(*log_, spdlog::level::debug, ctx_, "action session not kept open: {}", kept.error().message);
    }
  }

  void on_fence_checked(WriteFence::State state) {
    fence_check_posted_ = false;
    if (!fence_watched_ || state == WriteFence::State::held) return;
    fence_watched_ = false;
    if (state == WriteFence::State::none) return;  // released meanwhile
    const std::string why = state == WriteFence::State::expired
                                ? "its lease passed and the agent ended it"
                                : "its session ended (killed, or mysqld restarted)";
    log::event(*log_, spdlog::level::err, ctx_, "fence lost: {}; commits are possible on this node again", why);
    send(protocol::Body(protocol::Event{protocol::EventKind::fence_lost, "the fence lock ended without a release: " + why}));
  }

  void on_probe_done(protocol::NodeState state) {
    const bool was_reachable = publication_.last() && publication_.last()->mysql_reachable;
    if (state.mysql_reachable != was_reachable || !publication_.last()) {
      log::event(*log_, state.mysql_reachable ? spdlog::level::info : spdlog::level::warn, ctx_, "{}",
                 summary(state));
    }
    publish(publication_.on_snapshot(state, steady_ms()));
    if (!ready_sent_) {
      // Once the socket is up and the first probe finished, whatever its
      // outcome: a node whose mysqld is down must still be reported.
      sd_notify(0, "READY=1");
      ready_sent_ = true;
    }
    sd_notify(0, ("STATUS=" + summary(state)).c_str());
  }

  void publish(const Publish& what) {
    for (const auto& event : what.events) {
      log::event(*log_, spdlog::level::info, ctx_, "event {}: {}", protocol::to_string(event.kind), event.detail);
      send(protocol::Body(event));
    }
    if (what.state && publication_.last()) send(protocol::Body(*publication_.last()));
  }

  void send(protocol::Body body) {
    protocol::Message message{{config_.cluster, config_.node, boot_id_, ++seq_, wall_ms()}, std::move(body)};
    if (auto sent = bus_.send(message); !sent) {
      log::event(*log_, spdlog::level::warn, ctx_, "{}", sent.error().message);
    }
  }

  void on_command(protocol::Command command, AgentBus::Clock::time_point received) {
    const log::Ctx ctx{.cluster = config_.cluster, .node = config_.node, .job = command.id, .step = command.action};
    Admission admission = gate_->admit(command);
    switch (admission.kind) {
      case Admission::Kind::in_flight:
        log::event(*log_, spdlog::level::debug, ctx, "command re-sent while it runs: ignored");
        return;
      case Admission::Kind::replay:
        log::event(*log_, spdlog::level::info, ctx, "command seen before: stored result sent again, not run");
        send(protocol::Body(admission.answer));
        return;
      case Admission::Kind::refuse:
        log::event(*log_, spdlog::level::warn, ctx, "command refused: {}: {}", admission.answer.error,
                   std::get<std::string>(admission.answer.detail.at("message")));
        send(protocol::Body(admission.answer));
        return;
      case Admission::Kind::run:
        break;
    }
    if (admission.raises_epoch) {
      // Stored before anything runs: after a restart this agent still refuses
      // the controller this epoch deposed.
      if (auto saved = epochs_.save(command.epoch); !saved) {
        auto answer = error_result(command.id, "state_dir", "epoch not saved, command not run: " +
                                                               saved.error().message);
        gate_->finished(answer);
        log::event(*log_, spdlog::level::err, ctx, "{}", saved.error().message);
        send(protocol::Body(answer));
        return;
      }
      log::event(*log_, spdlog::level::info, ctx, "controller epoch raised to {}", command.epoch);
    }
    log::event(*log_, spdlog::level::info, ctx, "command received (epoch {}, timeout {} ms)", command.epoch,
               command.timeout_ms);
    const auto deadline = received + milliseconds(command.timeout_ms);
    action_worker_.post([this, command = std::move(command), deadline] {
      auto result = executor_->run(command, deadline);
      boost::asio::post(io_, [this, action = command.action, result = std::move(result)] {
        on_action_done(action, result);
      });
    });
  }

  void on_action_done(const std::string& action, const protocol::CommandResult& result) {
    gate_->finished(result);
    if (action == "fence_writes" && result.ok) fence_watched_ = true;
    if (action == "release_fence") fence_watched_ = false;
    const log::Ctx ctx{.cluster = config_.cluster, .node = config_.node, .job = result.id};
    if (result.ok) {
      log::event(*log_, spdlog::level::info, ctx, "command done in {} ms", result.duration_ms);
    } else {
      auto message = result.detail.find("message");
      log::event(*log_, spdlog::level::err, ctx, "command failed in {} ms: {}: {}", result.duration_ms, result.error,
                 message != result.detail.end() && std::holds_alternative<std::string>(message->second)
                     ? std::get<std::string>(message->second)
                     : std::string());
    }
    send(protocol::Body(result));
  }

  void on_bad_input(const std::string& reason, const std::optional<std::string>& id) {
    log::event(*log_, spdlog::level::warn, ctx_, "bad input on the commands channel, nothing run: {}{}", reason,
               id ? " (answered id " + *id + ")" : std::string());
    if (id) send(protocol::Body(error_result(*id, "bad_command", "command not run: " + reason)));
  }

  void reload() {
    if (!options_.config_path) {
      log::event(*log_, spdlog::level::info, ctx_, "SIGHUP: no config file to reload");
      return;
    }
    auto loaded = load_agent_config(options_.config_path, options_.overrides);
    if (!loaded) {
      log::event(*log_, spdlog::level::err, ctx_, "SIGHUP: config kept, the new one is invalid: {}",
                 loaded.error().message);
      return;
    }
    const AgentConfig& next = loaded.value();
    // What the running sockets and connections were built from needs a restart.
    const bool needs_restart = next.node != config_.node || next.cluster != config_.cluster ||
                               next.controller.events != config_.controller.events ||
                               next.controller.commands != config_.controller.commands ||
                               next.key != config_.key || next.insecure != config_.insecure ||
                               next.mysql.host != config_.mysql.host || next.mysql.port != config_.mysql.port ||
                               next.mysql.socket != config_.mysql.socket || next.mysql.user != config_.mysql.user ||
                               next.probe_timeout_ms != config_.probe_timeout_ms;
    config_.probe_interval_ms = next.probe_interval_ms;
    config_.heartbeat_interval_ms = next.heartbeat_interval_ms;
    config_.replication = next.replication;
    // The executor belongs to the action thread: hand it the new settings there.
    action_worker_.post([this, replication = next.replication,
                         password = read_password(next.replication.password_file)] {
      executor_->set_replication(replication, password);
    });
    config_.log_level = next.log_level;
    publication_.set_heartbeat_interval(static_cast<uint64_t>(next.heartbeat_interval_ms));
    log::init(next.log_level);
    log::event(*log_, spdlog::level::info, ctx_, "SIGHUP: reloaded intervals, replication settings and log level{}",
               needs_restart ? "; identity, endpoints, keys and mysql settings changed too: restart to apply them"
                             : "");
  }

  const RuntimeOptions& options_;
  AgentConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  log::Ctx ctx_;
  boost::asio::io_context io_;
  boost::asio::steady_timer tick_;
  boost::asio::signal_set signals_;
  boost::asio::signal_set hangup_;
  Publication publication_;
  std::string boot_id_;
  AgentBus bus_;
  EpochFile epochs_;
  std::unique_ptr<CommandGate> gate_;
  std::unique_ptr<MysqlProbe> probe_;
  std::unique_ptr<ActionExecutor> executor_;
  // Declared last: destroyed first, before what their tasks use.
  SqlWorker probe_worker_;
  SqlWorker action_worker_;
  uint64_t seq_ = 0;
  Clock::time_point next_probe_{};
  Clock::time_point last_watchdog_{};
  Clock::time_point last_insecure_warning_{};
  milliseconds watchdog_every_{0};
  bool hang_reported_ = false;
  bool fence_watched_ = false;      // a fence_writes succeeded and no release_fence followed
  bool fence_check_posted_ = false;
  Clock::time_point next_fence_check_{};
  Clock::time_point next_session_keep_{};
  bool ready_sent_ = false;
};

}  // namespace

int run_agent(const RuntimeOptions& options, bool& worker_stuck) {
  Runtime runtime(options);
  return runtime.run(worker_stuck);
}

}  // namespace pivot::agent
