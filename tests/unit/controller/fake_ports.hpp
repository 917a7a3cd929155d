#pragma once
// Hand-written fakes of the executor's ports (pivot/controller/ports.hpp):
// canned answers, every call recorded in order, a clock that moves only when
// told (or by the latency a fake is given). FakeAgents is thread-safe, as the
// real AgentPort is: repoint and verify call it from several threads.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "detail_print.hpp"
#include "pivot/controller/memory_journal.hpp"
#include "pivot/controller/ports.hpp"

namespace pivot::controller::test {

class ManualClock : public Clock {
 public:
  static constexpr std::uint64_t kWallStart = 1'795'000'000'000;  // wall = kWallStart + steady

  std::uint64_t steady_ms() override { return steady_.load(); }
  std::uint64_t wall_ms() override { return kWallStart + steady_.load(); }
  void advance(std::uint64_t ms) { steady_ += ms; }

 private:
  std::atomic<std::uint64_t> steady_{1000};
};

struct AgentCall {
  std::string cluster;
  std::string node;
  protocol::Command command;
};

class FakeAgents : public AgentPort {
 public:
  using Reply = Result<protocol::CommandResult>;

  explicit FakeAgents(ManualClock& clock) : clock_(clock) {}

  // Replies for node+action, used in turn; the last one repeats. Without
  // any, the action answers ok with a plausible MariaDB detail.
  void reply(const std::string& node, const std::string& action, std::vector<Reply> replies) {
    std::lock_guard lock(mutex_);
    replies_[{node, action}] = std::move(replies);
  }
  static Reply ok(protocol::ValueMap detail) { return answer(true, "", std::move(detail)); }
  static Reply refused(const std::string& error, const std::string& message) {
    return answer(false, error, {{"message", message}});
  }
  static Reply no_answer() { return make_error("no_answer", "no result within the command's timeout"); }
  void fail(const std::string& node, const std::string& action, const std::string& error = "mysql_error") {
    reply(node, action, {refused(error, "the server said no")});
  }
  // Fails the first call only: the undo of the same action then succeeds.
  void fail_once(const std::string& node, const std::string& action, Reply first) {
    reply(node, action, {std::move(first), ok(default_detail(action))});
  }
  // The clock moves this much during each call of node+action (default 1 ms).
  void latency(const std::string& node, const std::string& action, std::uint64_t ms) {
    std::lock_guard lock(mutex_);
    latency_[{node, action}] = ms;
  }
  // Calls of `action` to these nodes wait for each other (5 s at most): a
  // caller that sends them one after the other never sees them overlap.
  // Action "*" takes "node action" entries: calls of different actions.
  void rendezvous(const std::string& action, std::set<std::string> nodes) {
    std::lock_guard lock(mutex_);
    rendezvous_[action] = Meeting{std::move(nodes), {}, false};
  }
  bool overlapped(const std::string& action) {
    std::lock_guard lock(mutex_);
    return rendezvous_.at(action).all_met;
  }

  std::vector<AgentCall> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  // Forgets the calls so far (a test's second act).
  void clear_calls() {
    std::lock_guard lock(mutex_);
    calls_.clear();
  }
  // "db1 set_read_only", in call order.
  std::vector<std::string> sequence() {
    std::vector<std::string> out;
    for (const auto& c : calls()) out.push_back(c.node + " " + c.command.action);
    return out;
  }

  // call_notifying_sent runs on_sent as a real adapter does, once the command
  // is recorded and before the clock moves by its latency (by default after
  // the call returned, which keeps the order of what is sent fixed).
  void notify_sent_before_answer() {
    std::lock_guard lock(mutex_);
    sent_first_ = true;
  }

  // The answer is decided when the call is recorded, as an agent runs its
  // commands in arrival order; then the clock moves by its latency.
  Result<protocol::CommandResult> call(const std::string& cluster, const std::string& node,
                                       const protocol::Command& command) override {
    std::unique_lock lock(mutex_);
    Reply reply = take(cluster, node, command);
    pass_time(lock, node, command);
    return reply;
  }

  Result<protocol::CommandResult> call_notifying_sent(const std::string& cluster, const std::string& node,
                                                      const protocol::Command& command,
                                                      const std::function<void()>& on_sent) override {
    std::unique_lock lock(mutex_);
    if (!sent_first_) {
      lock.unlock();
      return AgentPort::call_notifying_sent(cluster, node, command, on_sent);
    }
    Reply reply = take(cluster, node, command);
    lock.unlock();
    on_sent();
    lock.lock();
    pass_time(lock, node, command);
    return reply;
  }

 private:
  // Like an agent, set_read_only with no_source refuses on a node whose
  // replication source no reset_replication took away (still_replica).
  Reply take(const std::string& cluster, const std::string& node, const protocol::Command& command) {
    calls_.push_back({cluster, node, command});
    const auto no_source = command.args.find("no_source");
    Reply reply = command.action == "set_read_only" && no_source != command.args.end() &&
                          no_source->second == protocol::Value(true) && !detached_.contains(node)
                      ? refused("still_replica", "the node still has a replication source")
                      : next_reply(node, command.action);
    if (reply && reply->ok && command.action == "reset_replication") detached_.insert(node);
    if (reply && reply->ok && command.action == "change_source") detached_.erase(node);
    if (reply) reply->id = command.id;
    return reply;
  }

  void pass_time(std::unique_lock<std::mutex>& lock, const std::string& node, const protocol::Command& command) {
    auto latency = latency_.find({node, command.action});
    clock_.advance(latency == latency_.end() ? 1 : latency->second);
    meet(lock, node, command.action);
  }

 public:
  static protocol::ValueMap default_detail(const std::string& action) {
    if (action == "report_position") {
      return {{"gtid_binlog_pos", std::string("0-1-100")},
              {"gtid_current_pos", std::string("0-1-100")},
              {"gtid_slave_pos", std::string("")},
              {"gtid_executed", std::monostate{}},
              {"read_only", true},
              {"fence", std::string("held")}};
    }
    if (action == "fence_writes") {
      // With read_only (issue 22) an agent adds set_read_only's keys.
      return {{"lock", std::string("backup_stage_block_commit")}, {"held", true}, {"already", false},
              {"waited_ms", std::int64_t{1}}, {"changed", true}, {"super_read_only", std::monostate{}}};
    }
    if (action == "release_fence") return {{"was", std::string("held")}};
    if (action == "wait_for_position") {
      return {{"reached", true}, {"waited_ms", std::int64_t{2}}, {"position", std::string("0-1-100")}};
    }
    if (action == "set_read_only") return {{"read_only", true}, {"super_read_only", std::monostate{}}, {"changed", true}};
    if (action == "kill_connections") return {{"killed", std::int64_t{3}}, {"remaining", std::int64_t{0}}};
    if (action == "reset_replication") return {{"had_source", true}};
    if (action == "change_source") return {{"started", true}};
    if (action == "stop_io_thread") {
      return {{"was_running", true},
              {"received", std::string("0-1-100")},
              {"executed", std::string("0-1-100")},
              {"sql_running", true}};
    }
    if (action == "start_replication") return {{"io_running", std::string("yes")}, {"sql_running", true}};
    return {};
  }

 private:
  struct Meeting {
    std::set<std::string> nodes;
    std::set<std::string> arrived;
    bool all_met = false;
  };

  static Reply answer(bool ok, const std::string& error, protocol::ValueMap detail) {
    protocol::CommandResult r;
    r.ok = ok;
    r.error = error;
    r.detail = std::move(detail);
    return r;
  }

  void meet(std::unique_lock<std::mutex>& lock, const std::string& node, const std::string& action) {
    auto it = rendezvous_.find(action);
    std::string who = node;
    if (it == rendezvous_.end()) {
      // rendezvous("*", {"db1 report_position", "db2 reset_replication"}): calls of different actions.
      it = rendezvous_.find("*");
      who = node + " " + action;
    }
    if (it == rendezvous_.end() || !it->second.nodes.contains(who)) return;
    Meeting& m = it->second;
    m.arrived.insert(who);
    if (m.arrived == m.nodes) {
      m.all_met = true;
      met_.notify_all();
    }
    met_.wait_for(lock, std::chrono::seconds(5), [&] { return m.all_met; });
  }

  Reply next_reply(const std::string& node, const std::string& action) {
    auto it = replies_.find({node, action});
    if (it == replies_.end() || it->second.empty()) return ok(default_detail(action));
    Reply reply = it->second.front();
    if (it->second.size() > 1) it->second.erase(it->second.begin());
    return reply;
  }

  ManualClock& clock_;
  std::mutex mutex_;
  std::condition_variable met_;
  std::vector<AgentCall> calls_;
  std::map<std::pair<std::string, std::string>, std::vector<Reply>> replies_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> latency_;
  std::map<std::string, Meeting> rendezvous_;
  bool sent_first_ = false;
  std::set<std::string> detached_;  // nodes a reset_replication answered ok on
};

struct HookCall {
  std::string path;
  std::map<std::string, std::string> env;
  std::uint64_t timeout_ms = 0;
};

class FakeHooks : public HookRunner {
 public:
  explicit FakeHooks(ManualClock& clock) : clock_(clock) {}

  // What a path answers, and how long it takes on the clock; unknown paths exit 0 at once.
  void outcome(const std::string& path, HookOutcome o) { outcomes_[path] = std::move(o); }
  static HookOutcome not_started(const std::string& error) {
    HookOutcome o;
    o.error = error;
    return o;
  }
  static HookOutcome timed_out() {
    HookOutcome o;
    o.started = true;
    o.timed_out = true;
    return o;
  }
  static HookOutcome exits(int code, std::uint64_t duration_ms = 0) {
    HookOutcome o;
    o.started = true;
    o.exit_code = code;
    o.output = "hook says hi\n";
    o.duration_ms = duration_ms;
    return o;
  }

  HookOutcome run(const std::string& path, const std::map<std::string, std::string>& env,
                  std::uint64_t timeout_ms) override {
    calls.push_back({path, env, timeout_ms});
    auto it = outcomes_.find(path);
    HookOutcome o = it == outcomes_.end() ? exits(0) : it->second;
    clock_.advance(o.duration_ms);
    return o;
  }

  std::vector<HookCall> calls;

 private:
  ManualClock& clock_;
  std::map<std::string, HookOutcome> outcomes_;
};

class FakeClusterSource : public ClusterSource {
 public:
  PivotStatus pivot_status(const std::string& cluster, const std::optional<std::string>& candidate) override {
    calls.emplace_back(cluster, candidate);
    return status;
  }
  // The snapshots to answer, in turn; the last one repeats.
  ObservedCluster snapshot(const std::string&, const std::vector<std::string>& fresh, std::uint64_t after_ms,
                           std::uint64_t) override {
    fresh_asked.push_back(fresh);
    after_asked.push_back(after_ms);
    if (snapshots.empty()) return {};
    const std::size_t i = std::min(snapshots_taken++, snapshots.size() - 1);
    return snapshots[i];
  }
  PivotStatus status;
  std::vector<std::pair<std::string, std::optional<std::string>>> calls;
  std::vector<ObservedCluster> snapshots;
  std::size_t snapshots_taken = 0;
  std::vector<std::vector<std::string>> fresh_asked;
  std::vector<std::uint64_t> after_asked;  // each snapshot's after_ms
};

// Holds until the given call of holds() (1-based); 0: always holds. Every ask recorded.
class FakeJobLock : public JobLock {
 public:
  bool holds(const std::string& cluster, const std::string& job_id) override {
    asked.push_back(cluster + " " + job_id);
    return lost_from == 0 || asked.size() < lost_from;
  }
  std::size_t lost_from = 0;
  std::vector<std::string> asked;
};

class RecordingObserver : public JobObserver {
 public:
  struct Event {
    bool started = false;  // else finished
    std::string job_id;
    JobStep step;
  };
  void step_started(const std::string& job_id, const JobStep& step) override { events.push_back({true, job_id, step}); }
  void step_finished(const std::string& job_id, const JobStep& step) override {
    events.push_back({false, job_id, step});
  }

  // The finished steps, in order.
  std::vector<JobStep> finished() const {
    std::vector<JobStep> out;
    for (const auto& e : events) {
      if (!e.started) out.push_back(e.step);
    }
    return out;
  }
  // The finished step of that name; a default step named "(absent)" when there is none.
  JobStep step(const std::string& name) const {
    for (const auto& s : finished()) {
      if (s.name == name) return s;
    }
    JobStep absent;
    absent.name = "(absent)";
    return absent;
  }

  std::vector<Event> events;
};

// The fakes behind an executor's ports, for a fixture to inherit: a clock,
// agents and hooks on it, the model, an observer, the lock and a journal.
struct FakeExecutorPorts {
  ManualClock clock;
  FakeAgents agents{clock};
  FakeHooks hooks{clock};
  FakeClusterSource source;
  RecordingObserver observer;
  FakeJobLock lock;
  MemoryJournal journal;
};

}  // namespace pivot::controller::test
