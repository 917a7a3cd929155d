// The failover's actions (ARCHITECTURE.md, "Failover"), and the job's result.
// The plan itself (order, phases, the undo) is failover_steps.cpp; the
// invariants are in failover_run.hpp.
#include "pivot/controller/failover_executor.hpp"

#include <algorithm>
#include <future>

#include "failover_run.hpp"
#include "pivot/controller/failover_loss.hpp"

namespace pivot::controller {
namespace {

const std::string* string_at(const protocol::ValueMap& detail, const char* key) {
  auto it = detail.find(key);
  return it == detail.end() ? nullptr : std::get_if<std::string>(&it->second);
}

bool flag_at(const protocol::ValueMap& detail, const char* key, bool fallback) {
  auto it = detail.find(key);
  const bool* b = it == detail.end() ? nullptr : std::get_if<bool>(&it->second);
  return b ? *b : fallback;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : "; ") + item;
  return out;
}

}  // namespace

PivotJobOutcome FailoverExecutor::run(const FailoverJobInput& input) {
  plan::RunnerPorts ports{clock_, observer_, journal_, lock_};
  journal_.job_created(input.job_id, input.spec.name, JobKind::failover, clock_.wall_ms());
  auto outcome = FailoverRun(agents_, hooks_, source_, ports, input).run();
  journal_.job_finished(input.job_id, outcome.state, clock_.wall_ms());
  return outcome;
}

PivotJobOutcome FailoverRun::run() {
  const plan::RunReport report = runner_.run(bind_plan(*this, steps(), input_.spec.policy));
  settle_fence();  // the job ends once a fence it went on without was answered or timed out
  switch (report.end) {
    case plan::RunEnd::completed:
    case plan::RunEnd::done:
      return finish(runner_.failures().empty() ? JobState::succeeded : JobState::failed);
    case plan::RunEnd::rolled_back:
      return finish(JobState::rolled_back);
    default:  // stopped before any change, or an IO thread that would not start again
      return finish(JobState::failed);
  }
}

// Detection on the model as it is now: a manual failover is refused while the
// primary lives, an automatic one needs the verdict dead (failover_policy.hpp).
plan::Verdict FailoverRun::check(JobStep& s) {
  snapshot_ = source_.snapshot(input_.spec.name);
  detection_ = detect_failover({input_.spec, snapshot_.observed, snapshot_.now_ms, snapshot_.last_primary,
                                snapshot_.observing_since_ms});
  // The gates the registry keeps (maintenance, cooldown, the hourly cap, the
  // hold) were checked when the job was admitted; here, detection decides.
  FailoverPolicyInput gates{.policy = input_.spec.policy,
                            .kind = input_.kind,
                            .now_ms = clock_.wall_ms(),
                            .maintenance = std::nullopt,
                            .last_failover_ms = std::nullopt,
                            .acknowledged = false,
                            .fleet_auto_failovers_ms = {}};
  const FailoverDecision decision = decide_failover(detection_, evaluate_failover_policy(gates));
  s.detail = {{"verdict", to_string(detection_.verdict)},
              {"primary", detection_.primary},
              {"reasons", detection_.reasons},
              {"confirmed_by", detection_.confirmed_by}};
  if (!decision.fail_over) {
    const bool alive = detection_.verdict == FailoverVerdict::healthy || detection_.verdict == FailoverVerdict::degraded;
    fail("check", alive ? "primary_alive" : "not_decided", joined(decision.reasons));
    return plan::Verdict::failed;
  }
  dead_ = input_.spec.find(detection_.primary);
  if (!dead_) {
    fail("check", "not_decided", "no primary to replace: detection names '" + detection_.primary + "'");
    return plan::Verdict::failed;
  }
  for (const auto& node : input_.spec.nodes) {
    if (&node == dead_) continue;
    const Current current = current_role(snapshot_.observed.find(node.name), snapshot_.now_ms, input_.spec.policy);
    if (current == Current::down || current == Current::unknown) {
      not_reached_.push_back(node.name);
    } else {
      survivors_.push_back(&node);
    }
  }
  std::vector<std::string> names;
  for (const NodeSpec* n : survivors_) names.push_back(n->name);
  s.detail["survivors"] = names;
  s.detail["not_reached"] = not_reached_;
  if (survivors_.empty()) {
    fail("check", "no_candidate", "no survivor's agent is fresh: nothing can be promoted");
    return plan::Verdict::failed;
  }
  return plan::Verdict::succeeded;
}

std::map<std::string, std::string> FailoverRun::hook_env() const {
  auto env = plan::hook_env("failover", input_.spec.name, input_.job_id, *dead_, candidate_ ? *candidate_ : *dead_);
  if (!candidate_) env["PIVOT_NEW_PRIMARY"] = env["PIVOT_NEW_NODE"] = "";  // pre_failover: not chosen yet
  return env;
}

// The place for STONITH when the old primary's agent cannot be reached: a
// failing hook aborts the failover before anything changed.
plan::Verdict FailoverRun::pre_failover(JobStep& s) {
  return calls_.hook(s, input_.spec.hooks.pre_failover, hook_env(),
                     static_cast<std::uint64_t>(input_.spec.policy.hook_timeout_ms));
}

// Read-only and its client sessions killed when its agent answers; a dead
// mysqld or a silent agent is the expected case and not a failure. An agent
// that cannot answer soon is not waited for (failover_run.hpp).
plan::Verdict FailoverRun::fence_old_primary(JobStep& s) {
  s.detail["commands"] = Detail::array();
  const std::string unanswerable = fence_unanswerable();
  fence_ = std::async(std::launch::async, [this] { return send_fence(); });
  if (!unanswerable.empty() && fence_.wait_for(kUnansweredFenceWaitMs) != std::future_status::ready) {
    old_primary_state_ = "fence sent, not awaited";
    s.detail["fenced"] = false;
    s.detail["awaited"] = false;
    s.detail["waited_ms"] = static_cast<std::uint64_t>(kUnansweredFenceWaitMs.count());
    s.detail["reason"] = unanswerable + ": fence sent, not awaited";
    return plan::Verdict::succeeded;
  }
  const FenceCalls fence = fence_.get();
  s.detail["commands"].push_back(plan::detail_of(fence.read_only));
  if (fence.kill) s.detail["commands"].push_back(plan::detail_of(*fence.kill));
  old_primary_state_ = fence_state(fence);
  s.detail["fenced"] = fence.read_only.ok;
  if (!fence.read_only.ok) {
    s.detail["reason"] = dead_->name + " could not be made read-only: " + plan::describe_failure(fence.read_only);
  }
  return plan::Verdict::succeeded;
}

FailoverRun::FenceCalls FailoverRun::send_fence() {
  FenceCalls fence{calls_.call(*dead_, plan::set_read_only(calls_.id("fence_old_primary", *dead_, "set_read_only"), true)),
                   std::nullopt};
  if (fence.read_only.ok) {
    fence.kill = calls_.call(*dead_, plan::kill_connections(calls_.id("fence_old_primary", *dead_, "kill_connections")));
  }
  return fence;
}

std::string FailoverRun::fence_state(const FenceCalls& fence) {
  if (!fence.read_only.ok) return "unreachable (" + fence.read_only.error + ")";
  return fence.kill && fence.kill->ok ? "fenced"
                                      : "read_only (sessions not killed: " + (fence.kill ? fence.kill->error : "") + ")";
}

std::string FailoverRun::fence_unanswerable() const {
  switch (detection_.primary_agent) {
    case PrimaryAgent::silent:
      return dead_->name + "'s agent is silent";
    case PrimaryAgent::unreachable:
      return dead_->name + "'s agent reports its mysqld unreachable";
    default:
      return "";
  }
}

void FailoverRun::settle_fence() {
  if (!fence_.valid()) return;
  old_primary_state_ = fence_state(fence_.get()) + ", its fence not awaited";
}

// Planned before stop_io runs: restarts the IO thread of every survivor whose
// thread ran, or whose stop got no answer (it may have run).
plan::Undo FailoverRun::undo_stop_io() {
  return {[this] {
    std::vector<const NodeSpec*> nodes;
    for (const NodeSpec* n : survivors_) {
      if (io_may_run_.count(n->name)) nodes.push_back(n);
    }
    return runner_.step("rollback_stop_io", [&](JobStep& s) {
      bool all = true;
      for (const auto& o : calls_.call_each(nodes, [this](const NodeSpec& n) {
             return plan::start_replication(calls_.id("rollback_stop_io", n));
           })) {
        all = calls_.record(s, o) && all;
      }
      return all;
    });
  }};
}

plan::Verdict FailoverRun::stop_io(JobStep& s) {
  for (const NodeSpec* n : survivors_) io_may_run_.insert(n->name);  // until each answers
  bool all = true;
  const auto outcomes =
      calls_.call_each(survivors_, [this](const NodeSpec& n) { return plan::stop_io_thread(calls_.id("stop_io", n)); });
  for (const auto& o : outcomes) {
    all = calls_.record(s, o) && all;
    if (!o.ok) continue;
    if (!flag_at(o.detail, "was_running", true)) io_may_run_.erase(o.node);
    if (const auto* received = string_at(o.detail, "received")) received_[o.node] = *received;
    if (!flag_at(o.detail, "sql_running", true)) sql_stopped_.insert(o.node);
  }
  return plan::verdict_of(all);
}

// Each survivor applies what its IO thread received; one whose SQL thread is
// stopped will not (the choice rejects it) and is not waited for.
plan::Verdict FailoverRun::apply_relay(JobStep& s) {
  std::vector<const NodeSpec*> waiting;
  Detail skipped = Detail::array();
  for (const NodeSpec* n : survivors_) {
    auto received = received_.find(n->name);
    if (sql_stopped_.count(n->name)) {
      skipped.push_back({{"node", n->name}, {"reason", "its SQL thread is stopped"}});
    } else if (received == received_.end() || received->second.empty()) {
      skipped.push_back({{"node", n->name}, {"reason", "it received nothing"}});
    } else {
      waiting.push_back(n);
    }
  }
  s.detail["not_waited"] = std::move(skipped);
  const auto wait_ms = static_cast<std::uint64_t>(input_.spec.policy.catch_up_timeout_ms);
  bool all = true;
  for (const auto& o : calls_.call_each(waiting, [&](const NodeSpec& n) {
         return plan::wait_for_position(calls_.id("apply_relay", n), received_.at(n.name), wait_ms);
       })) {
    auto checked = o;
    plan::require_reached(checked);
    all = calls_.record(s, checked) && all;
  }
  return plan::verdict_of(all);
}

// On the states the survivors reported after applying their relay logs.
plan::Verdict FailoverRun::choose(JobStep& s) {
  std::vector<std::string> fresh;
  for (const NodeSpec* n : survivors_) fresh.push_back(n->name);
  const std::uint64_t asked_ms = clock_.steady_ms();
  snapshot_ = source_.snapshot(input_.spec.name, fresh, asked_ms, 2 * static_cast<std::uint64_t>(input_.spec.policy.agent_fresh_ms));
  choice_ = choose_failover_candidate(
      {input_.spec, snapshot_.observed, snapshot_.now_ms, dead_->name, snapshot_.last_primary_state});
  Detail rejected = Detail::array();
  for (const auto& r : choice_.rejected) rejected.push_back({{"node", r.node}, {"reason", r.reason}});
  s.detail = {{"candidate", choice_.candidate},
              {"reason", choice_.reason},
              {"catch_up_from", choice_.catch_up_from},
              {"rejected", std::move(rejected)}};
  if (!choice_.stop.empty()) {
    fail("choose", "operator_decision", choice_.stop);
    return plan::Verdict::failed;
  }
  if (input_.candidate && *input_.candidate != choice_.candidate) {
    fail("choose", "candidate_not_chosen",
         "candidate " + *input_.candidate + " was asked for, but the rules choose " + choice_.candidate + ": " +
             choice_.reason);
    return plan::Verdict::failed;
  }
  candidate_ = input_.spec.find(choice_.candidate);
  if (!candidate_) {
    fail("choose", "no_candidate", "the choice names '" + choice_.candidate + "', which is not a node of the spec");
    return plan::Verdict::failed;
  }
  return plan::Verdict::succeeded;
}

std::string FailoverRun::use_gtid(const NodeSpec& node) const {
  const auto* seen = snapshot_.observed.find(node.name);
  const bool mysql = seen && seen->state && seen->state->flavor == protocol::Flavor::mysql;
  return mysql ? "auto_position" : "slave_pos";
}

std::string FailoverRun::executed(const NodeSpec& node) const {
  const auto* seen = snapshot_.observed.find(node.name);
  if (!seen || !seen->state) return "";
  const auto& st = *seen->state;
  if (st.flavor == protocol::Flavor::mysql) return st.gtid_executed.value_or("");
  return st.gtid_current_pos.value_or(st.gtid_slave_pos.value_or(""));
}

// The winner replicates from the survivor that holds more until it has it
// all; promote's reset then ends that replication.
plan::Verdict FailoverRun::catch_up(JobStep& s) {
  const NodeSpec* source = input_.spec.find(choice_.catch_up_from);
  const std::string position = source ? executed(*source) : "";
  s.detail = {{"from", choice_.catch_up_from}, {"position", position}, {"reason", choice_.catch_up_reason}};
  if (!source || position.empty()) {
    fail("catch_up", "position_unknown", "the position of " + choice_.catch_up_from + " is not known");
    return plan::Verdict::failed;
  }
  if (!calls_.record(s, calls_.call(*candidate_, plan::change_source(calls_.id("catch_up", *candidate_, "change_source"),
                                                                     *source, use_gtid(*candidate_), false,
                                                                     io_may_run_.count(candidate_->name) > 0)))) {
    return plan::Verdict::failed;
  }
  auto waited = calls_.call(*candidate_, plan::wait_for_position(calls_.id("catch_up", *candidate_, "wait_for_position"),
                                                                 position,
                                                                 static_cast<std::uint64_t>(input_.spec.policy.catch_up_timeout_ms)));
  plan::require_reached(waited);
  return plan::verdict_of(calls_.record(s, waited));
}

plan::Verdict FailoverRun::promote(JobStep& s) {
  if (!calls_.record(s, calls_.call(*candidate_, plan::reset_replication(calls_.id("promote", *candidate_, "reset_replication"))))) {
    return plan::Verdict::failed;
  }
  const bool ok =
      calls_.record(s, calls_.call(*candidate_, plan::make_writable(calls_.id("promote", *candidate_, "set_read_only"), input_.spec.policy)));
  if (ok) to_writable_ms_ = clock_.steady_ms() - started_ms_;
  return plan::verdict_of(ok);
}

plan::Verdict FailoverRun::post_promote(JobStep& s) {
  return calls_.hook(s, input_.spec.hooks.post_promote, hook_env(),
                     static_cast<std::uint64_t>(input_.spec.policy.hook_timeout_ms));
}

std::vector<const NodeSpec*> FailoverRun::survivors_except(const NodeSpec* node) const {
  std::vector<const NodeSpec*> out;
  std::copy_if(survivors_.begin(), survivors_.end(), std::back_inserter(out), [&](const NodeSpec* n) { return n != node; });
  return out;
}

// Every other survivor replicates from the new primary, from what it has
// applied (its IO thread starts again, now towards the new primary).
plan::Verdict FailoverRun::repoint(JobStep& s) {
  repointed_ = survivors_except(candidate_);
  bool all = true;
  for (const auto& o : calls_.call_each(repointed_, [this](const NodeSpec& n) {
         // The IO thread stop_io stopped starts again, towards the new primary.
         return plan::change_source(calls_.id("repoint", n), *candidate_, use_gtid(n), false,
                                    io_may_run_.count(n.name) > 0);
       })) {
    all = calls_.record(s, o) && all;
  }
  return plan::verdict_of(all);
}

plan::Verdict FailoverRun::post_failover(JobStep& s) {
  return calls_.hook(s, input_.spec.hooks.post_failover, hook_env(),
                     static_cast<std::uint64_t>(input_.spec.policy.hook_timeout_ms));
}

// Every repointed survivor reaches the new primary's position.
plan::Verdict FailoverRun::verify(JobStep& s) {
  auto reported = calls_.call(*candidate_, plan::report_position(calls_.id("verify", *candidate_, "report_position")));
  if (!calls_.record(s, reported)) return plan::Verdict::failed;
  const auto position = plan::position_of(reported.detail);
  if (!position) {
    fail("verify", "position_unknown", "verify: " + candidate_->name + " reported no position");
    return plan::Verdict::failed;
  }
  s.detail["position"] = position->gtid;
  bool all = true;
  for (const auto& o : calls_.call_each(repointed_, [&](const NodeSpec& n) {
         return plan::wait_for_position(calls_.id("verify", n), position->gtid, plan::kVerifyWaitMs);
       })) {
    auto checked = o;
    plan::require_reached(checked);
    all = calls_.record(s, checked) && all;
  }
  return plan::verdict_of(all);
}

// ARCHITECTURE.md's result fields; asynchronous clusters honestly: what the
// dead primary last held (as pivotd saw it) and what of it no survivor has;
// "lost: none" only when its last state showed semi-sync kept (failover_loss.hpp).
PivotJobOutcome FailoverRun::finish(JobState state) const {
  Detail result{{"old_primary", dead_ ? Detail(dead_->name) : Detail()},
                {"new_primary", candidate_ && to_writable_ms_ ? Detail(candidate_->name) : Detail()},
                {"old_primary_state", old_primary_state_},
                {"detect_ms", input_.detect_ms},  // null for a manual failover: detection is the operator's
                {"to_writable_ms", to_writable_ms_},
                {"total_ms", clock_.steady_ms() - started_ms_},
                {"last_known_primary_position", choice_.primary_last_gtids},
                {"may_be_lost", choice_.candidate.empty() ? Detail() : Detail(choice_.lacking_from_primary)}};
  if (dead_) {
    // "none" only when the primary's last state showed semi-sync active with AFTER_SYNC.
    const auto loss = failover_loss(input_.spec.policy, dead_->name, snapshot_.last_primary_state);
    result["lost"] = loss.lost;
    result["lost_reason"] = loss.reason;
  }
  if (!not_reached_.empty()) result["not_reached"] = not_reached_;
  if (!recovered_.empty()) result["recovered"] = Detail{{"way", recovered_}};  // as a pivot's recovery says it
  plan::add_failures(result, runner_.failures());
  return PivotJobOutcome{state, std::move(result)};
}

}  // namespace pivot::controller
