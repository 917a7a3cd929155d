#pragma once
// PivotService: pivotd's facade behind the REST API. It wires three parts and
// keeps none of their state:
// - ObservedModel: the specs and what the agents said (fed by the bus);
// - JobRegistry: the jobs, holds, cancels and Idempotency-Keys, journaled;
// - JobScheduler: a fixed set of workers (kJobWorkers; more wait queued) on
//   which each job runs through the ports (the executor's calls block until
//   the agents answer, holding neither the model's lock nor the registry's).
// The agents' counters are the bus's (set_agents_source). Lock order: the
// registry's, then the model's (admission reads the model under the
// registry's lock), never the reverse.
//
// Deviation from ARCHITECTURE.md's "one strand": the model and the registry
// live behind a mutex each, and a job runs on a worker thread, because the
// executor is written as straight-line blocking steps (like Vitess'
// reparenter), which reads and tests better than callbacks. The pure logic
// still has no locks.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pivot/controller/cluster_guard.hpp"
#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/controller_service.hpp"
#include "pivot/controller/eligibility_wait.hpp"
#include "pivot/controller/failover_policy.hpp"
#include "pivot/controller/job_registry.hpp"
#include "pivot/controller/job_scheduler.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/controller/marks_store.hpp"
#include "pivot/controller/observed_model.hpp"
#include "pivot/controller/pivot_executor.hpp"
#include "pivot/controller/pivot_status.hpp"
#include "pivot/controller/rollout_runner.hpp"
#include "pivot/controller/semi_sync_sender.hpp"
#include "pivot/controller/ports.hpp"
#include "pivot/protocol/message.hpp"

namespace pivot::controller {

class PivotService : public ControllerService {
 public:
  // Jobs kept in memory for GET /v1/jobs, newest; the oldest finished go first.
  static constexpr std::size_t kJobsKept = 2000;
  // Jobs that run at once; more wait, queued (a pivot holds its worker for
  // its whole run, a pivot status for milliseconds).
  static constexpr std::size_t kJobWorkers = 16;
  // `epoch` makes job ids unique across restarts (it rises at every start).
  PivotService(AgentPort& agents, HookRunner& hooks, Clock& clock, std::uint64_t epoch);
  ~PivotService() override;  // waits for running jobs (each is bounded by its deadlines)

  // Replaces the specs (start-up and SIGHUP). Running jobs keep their copy.
  void set_specs(std::map<std::string, ClusterSpec> specs);
  // A message from an agent whose identity the bus has checked.
  void on_message(const protocol::Message& message, std::uint64_t received_at_ms);
  // What GET /v1/agents and /metrics list: the bus's counters (set once at
  // start-up; without it, no agent is listed).
  void set_agents_source(std::function<AgentsView()> source);
  // The event stream's per-tick read of one cluster (ClusterWatcher): each
  // node's role and change counters, on the clock GET /v1/clusters/{name} reads.
  bool stamps(const std::string& cluster, ClusterStamps& out) { return model_.stamps(cluster, clock_.steady_ms(), out); }
  // Blocks until no job runs (shutdown, tests).
  void wait_idle() { registry_.wait_idle(); }
  // The same, for at most `timeout`: false when jobs still run then.
  bool wait_idle_for(std::chrono::milliseconds timeout) { return registry_.wait_idle_for(timeout); }

  // ControllerService
  std::vector<ClusterSummary> clusters() override;
  Result<ClusterDetail> cluster(const std::string& name) override;
  AgentsView agents() override;
  Result<std::string> start_pivot_status(const std::string& cluster, const std::optional<std::string>& candidate,
                                         const std::string& requested_by,
                                         const std::optional<std::string>& idempotency_key,
                                         std::uint64_t wait_s = 0) override;
  Result<std::string> start_pivot(const std::string& cluster, const PivotOptions& options,
                                  const std::string& requested_by) override;
  Result<std::string> start_failover(const std::string& cluster, const std::optional<std::string>& candidate,
                                     const std::string& requested_by,
                                     const std::optional<std::string>& idempotency_key) override;
  Result<FailoverView> acknowledge(const std::string& cluster, const AcknowledgeRequest& request,
                                   const std::string& requested_by) override;
  Result<FailoverView> set_maintenance(const std::string& cluster, const MaintenanceWindow& window,
                                       const std::string& requested_by) override;
  Result<FailoverView> end_maintenance(const std::string& cluster, const std::string& requested_by) override;
  Result<std::string> start_reopen(const std::string& cluster, const std::string& requested_by,
                                   const std::optional<std::string>& idempotency_key) override;
  // A rollout job (RolloutRunner): its children are this service's pivots.
  Result<std::string> start_rollout(const RolloutRequest& request, const std::string& requested_by) override {
    return rollouts_.start(request, requested_by);
  }
  // pivotd stopping: no rollout starts another pivot. A rollout is not
  // among the jobs a stop waits for: it holds no worker, its result is
  // journaled at every change, and the next start resumes it.
  void stop_rollouts() { rollouts_.stop(); }
  Result<Job> job(const std::string& id) override { return registry_.job(id); }
  Result<Job> cancel_job(const std::string& id, const std::string& requested_by) override {
    return registry_.cancel(id, requested_by);
  }
  std::vector<Job> jobs(const std::optional<std::string>& cluster, std::size_t limit) override {
    return registry_.jobs(cluster, limit);
  }

  // The model as a job sees it (`holder` is the asking job: its own hold
  // does not count as a job in progress).
  PivotStatus pivot_status_for(const std::string& cluster, const std::optional<std::string>& candidate,
                               const std::string& holder);
  // ClusterSource::snapshot for a job: the model, waiting for fresh reports.
  ObservedCluster snapshot_for(const std::string& cluster, const std::vector<std::string>& fresh,
                               std::uint64_t after_ms, std::uint64_t timeout_ms);
  // The JobLock: whether the job still holds the cluster (a dry run holds
  // nothing and changes nothing: true); false once it was cancelled.
  bool job_holds(const std::string& cluster, const std::string& job_id) { return registry_.holds(cluster, job_id); }
  // Every job's steps and commands, as the runner journals them, in memory.
  const MemoryJournal& journal() const { return registry_.memory_journal(); }
  // pivotd's journal on disk (SqliteJournal, which must outlive the service):
  // every event and every job change is written there too, after memory.
  // `restored` are the jobs it kept, oldest first: listed again as they were;
  // `keys` their Idempotency-Keys, replayed as before. Call before the first job.
  void use_journal(Journal& durable, std::vector<Job> restored, std::vector<KeyedRequest> keys = {});
  // Where GET /v1/jobs/{id} looks for a job the registry no longer holds (one
  // older than the newest kJobsKept): pivotd reads the journal's file.
  void set_job_archive(std::function<std::optional<Job>(const std::string& id)> archive) {
    registry_.set_archive(std::move(archive));
  }
  // The jobs use_journal restored as running (pivotd stopped under them):
  // each pivot is recovered as a job of its own, holding its cluster
  // (PivotExecutor::recover: rolled back or forward once its nodes answer);
  // a pivot status or a dry run, which changed nothing, ends failed
  // (interrupted). `entries_of` reads a job's journal entries. Call once the
  // bus runs. Returns how many pivots are being recovered.
  using EntriesOf = std::function<Result<std::vector<JournalEntry>>(const std::string& job_id)>;
  std::size_t recover_jobs(const EntriesOf& entries_of);
  // What the journal kept of each cluster (cooldowns, maintenance windows,
  // needs_rebuild marks, the last writable primary): call at start-up,
  // after use_journal and before the bus delivers its first message.
  void restore_marks(std::map<std::string, ClusterMarks> marks);
  // The failover guard (ARCHITECTURE.md, "Failover"): every `tick_ms` each
  // cluster is judged (cluster_guard.hpp) and what that decides is started
  // as a job: an automatic failover, a rejoin of a returned old primary, an
  // automatic reopen. Every decision not to act is logged once per change
  // and shown in the cluster's `failover` view. Call once the bus runs and
  // recover_jobs has claimed the interrupted jobs; stopped by the destructor.
  void start_guard(std::uint64_t tick_ms, int max_auto_failovers_per_hour);
  // One tick of the guard on every cluster, now (the guard's thread; tests).
  void guard_tick();
  // One look at every job waiting for eligibility (wait_s): each that is
  // eligible goes on, each past its deadline or cancelled ends (the guard's
  // thread, every tick; tests).
  void waiters_tick();
  // pivotd stopping: every job still waiting for eligibility stops waiting
  // here but stays running in the journal (a wait holds nothing and changed
  // nothing), and the next start's recover_jobs resumes it with what is left
  // of its wait_s.
  void leave_waits();
  // Called as each step starts, once it is journaled (pivotd: crash failpoints).
  void set_step_start_hook(std::function<void(const std::string& job_id, const std::string& step)> hook) {
    registry_.set_step_start_hook(std::move(hook));
  }
  // Told every job's change: state and steps (JobStateSink: it must outlive the
  // service, and must not call it back). Add sinks before the first job.
  void add_state_sink(JobStateSink& sink) { registry_.add_state_sink(sink); }

 private:
  // Runs a job the registry counted as launched on a worker; a body that
  // throws (a bug) still ends its job, failed, and frees its hold.
  void run(const std::string& job_id, std::function<void()> body);
  // Whether the cluster's primary lives, as detection reads the model now
  // (a manual failover is refused then: "use pivot"); the reason when it does.
  std::optional<std::string> primary_lives(const ClusterSpec& spec);
  // A job waiting for eligibility, outside the worker pool (it holds no
  // worker and no hold while it waits).
  struct Waiter {
    std::string job_id;
    std::string cluster;
    std::optional<std::string> candidate;
    int max_lag_seconds = 0;
    EligibilityWait wait;
    std::uint64_t next_look_ms = 0;
    // Eligible: what runs next (takes the hold, runs the pivot on a worker).
    std::function<void(const PivotStatus&)> go;
    // Past the deadline: how the job ends (not eligible, the checks as they stood).
    std::function<void(const PivotStatus&)> expire;
  };
  void wait_for_eligibility(Waiter waiter);
  // The waiting half of a pivot-status or a pivot with wait_s, from its
  // request or resumed at start (resume_wait, from the job's SavedWait).
  void wait_then_answer(const std::string& id, const std::string& cluster, const std::optional<std::string>& candidate,
                        int max_lag_seconds, EligibilityWait wait);
  void wait_then_pivot(PivotJobInput input, EligibilityWait wait);
  void resume_wait(const Job& job, const SavedWait& saved);
  // The candidate's seconds_behind as the model sees it now (the wait's progress).
  std::optional<double> candidate_lag_s(const std::string& cluster, const std::string& candidate);
  // A launched job's body on a worker (run() = launched() + this).
  void submit(const std::string& job_id, std::function<void()> body);
  // The guard's memory of one cluster between ticks.
  struct GuardState {
    GuardDecision last;
    std::uint64_t healthy_at_ms = 0;  // steady: the last tick detection found the primary healthy (detect_ms)
    std::string logged_kind;          // verdict and action of the last decision logged
    std::string logged;               // its sentences
    std::uint64_t logged_at_ms = 0;
    GuardPause retry;  // a job the guard started failed: that action not again before retry.until_ms (steady)
    std::string retry_reason;
    // What the last evaluation saw: a cluster whose nodes' roles and states
    // did not change (positions aside) and whose hold did not change is
    // judged again only every kGuardFullEveryMs (the time-based verdicts:
    // agent_dead_ms), not at every tick.
    ClusterStamps stamps;
    bool held = false;
    std::uint64_t evaluated_ms = 0;
  };
  // Of the first `n` clusters of `batch` (a stamps_batch read at `now_ms`),
  // appends to `due` those guard_one must judge now (see
  // GuardState::stamps); `held`: the clusters jobs hold. A due cluster's
  // stamps are swapped into its GuardState.
  void guard_due(std::vector<NamedStamps>& batch, std::size_t n, const std::set<std::string>& held,
                 std::uint64_t now_ms, std::vector<std::string>& due);
  void guard_one(const std::string& cluster);
  // The guard's job ended failed: nothing more of that kind before a pause.
  void guard_backoff(const std::string& cluster, GuardAction failed, const std::string& why);
  FailoverView failover_view(const std::string& cluster, const Policy& policy);
  Result<std::string> launch_failover(const ClusterSpec& spec, const std::optional<std::string>& candidate,
                                      const std::string& requested_by, const std::optional<std::string>& idempotency_key,
                                      FailoverKind kind, std::optional<std::uint64_t> detect_ms);
  Result<std::string> launch_rejoin(const ClusterSpec& spec, const FailoverMemo& memo, bool marked);
  Result<std::string> launch_reopen(const ClusterSpec& spec, FailoverKind kind, const std::string& requested_by,
                                    const std::optional<std::string>& idempotency_key);
  // The failover ended: its memo (the cooldown, the old primary to watch)
  // when it went past its checks; nothing when it changed nothing or was
  // rolled back.
  void failover_ended(const ClusterSpec& spec, const std::string& job_id, FailoverKind kind,
                      std::uint64_t started_wall_ms, const PivotJobOutcome& outcome);
  // A pivot or failover found running whose spec or journal entries are
  // gone: ended needs_attention, nothing done (true); false when it can be recovered.
  bool cannot_recover(const Job& job, const std::optional<ClusterSpec>& spec,
                      const Result<std::vector<JournalEntry>>& entries);
  // A pivot's run or recovery through the ports, with this job's view of the model.
  void run_pivot(const std::string& job_id, const std::function<PivotJobOutcome(PivotExecutor&)>& body);

  AgentPort& agents_;
  HookRunner& hooks_;
  Clock& clock_;
  const std::uint64_t epoch_;
  const std::uint64_t started_ms_;  // steady: when this pivotd began to listen (failover detection)
  ObservedModel model_;
  JobRegistry registry_;
  std::function<AgentsView()> agents_source_;  // set once, before the API serves
  MarksStore marks_{registry_.journal()};
  // Its thread is stopped first thing in the destructor.
  RolloutRunner rollouts_{registry_, clock_, rollout_ports()};
  RolloutRunner::Ports rollout_ports();
  // The guard: its per-cluster memory (a leaf lock) and its thread.
  std::mutex guard_mu_;
  std::map<std::string, GuardState> guard_;
  // One guard_tick at a time (the guard's thread; tests call it too): its
  // buffers below are reused from tick to tick.
  std::mutex guard_tick_mu_;
  std::vector<NamedStamps> tick_stamps_;
  std::vector<std::string> tick_due_;
  int max_auto_failovers_per_hour_ = 3;
  std::mutex guard_stop_mu_;
  std::condition_variable guard_stop_cv_;
  bool guard_stop_ = false;
  std::thread guard_thread_;
  // policy.durability semi_sync kept by the guard (its calls waited for at destruction).
  SemiSyncSender semi_sync_;
  std::mutex waiters_mu_;  // a leaf: nothing else is called under it
  std::map<std::string, Waiter> waiters_;  // by job id
  // Last: destroyed (its workers joined) once wait_idle has let every job end.
  JobScheduler scheduler_{kJobWorkers};
};

}  // namespace pivot::controller
