#pragma once
// PivotService: pivotd's state and jobs behind the REST API. It holds the
// loaded specs, the observed state of every node (fed by the bus), the jobs
// and the per-cluster hold, and runs each job on one of a fixed set of
// workers (JobScheduler, kJobWorkers; more wait queued) through the ports
// (the executor's calls block until the agents answer, without the lock).
//
// Deviation from ARCHITECTURE.md's "one strand": the model lives behind one
// mutex here and a job runs on a worker thread, because the executor is
// written as straight-line blocking steps (like Vitess' reparenter), which
// reads and tests better than callbacks. The pure logic still has no locks.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pivot/controller/cluster_spec.hpp"
#include "pivot/controller/controller_service.hpp"
#include "pivot/controller/job_scheduler.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/controller/observed.hpp"
#include "pivot/controller/pivot_status.hpp"
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
  // Fills the bus's counters into GET /v1/agents (set once at start-up).
  void set_agent_counters(std::function<void(AgentsView&)> fill);
  // Blocks until no job runs (shutdown, tests).
  void wait_idle();
  // The same, for at most `timeout`: false when jobs still run then.
  bool wait_idle_for(std::chrono::milliseconds timeout);

  // ControllerService
  std::vector<ClusterSummary> clusters() override;
  Result<ClusterDetail> cluster(const std::string& name) override;
  AgentsView agents() override;
  Result<std::string> start_pivot_status(const std::string& cluster, const std::optional<std::string>& candidate,
                                         const std::string& requested_by,
                                         const std::optional<std::string>& idempotency_key) override;
  Result<std::string> start_pivot(const std::string& cluster, const PivotOptions& options,
                                  const std::string& requested_by) override;
  Result<Job> job(const std::string& id) override;
  Result<Job> cancel_job(const std::string& id, const std::string& requested_by) override;
  std::vector<Job> jobs(const std::optional<std::string>& cluster, std::size_t limit) override;

  // The model as a job sees it (`holder` is the asking job: its own hold
  // does not count as a job in progress).
  PivotStatus pivot_status_for(const std::string& cluster, const std::optional<std::string>& candidate,
                               const std::string& holder);
  void record_step(const std::string& job_id, const JobStep& step);
  // The JobLock: whether the job still holds the cluster (a dry run holds
  // nothing and changes nothing: true); false once it was cancelled.
  bool job_holds(const std::string& cluster, const std::string& job_id);
  // JobLock::commits: the job goes past the fence, and can no longer be cancelled.
  bool job_commits(const std::string& cluster, const std::string& job_id);
  // Every job's steps and commands, as the runner journals them, in memory.
  const MemoryJournal& journal() const { return journal_; }
  // pivotd's journal on disk (SqliteJournal, which must outlive the service):
  // every event and every job change is written there too, after memory.
  // `restored` are the jobs it kept, oldest first: listed again as they were;
  // `keys` their Idempotency-Keys, replayed as before. Call before the first job.
  void use_journal(Journal& durable, std::vector<Job> restored, std::vector<KeyedRequest> keys = {});
  // Where GET /v1/jobs/{id} looks for a job the registry no longer holds (one
  // older than the newest kJobsKept): pivotd reads the journal's file.
  void set_job_archive(std::function<std::optional<Job>(const std::string& id)> archive);
  // The jobs use_journal restored as running (pivotd stopped under them):
  // each pivot is recovered as a job of its own, holding its cluster
  // (PivotExecutor::recover: rolled back or forward once its nodes answer);
  // a pivot status or a dry run, which changed nothing, ends failed
  // (interrupted). `entries_of` reads a job's journal entries. Call once the
  // bus runs. Returns how many pivots are being recovered.
  using EntriesOf = std::function<Result<std::vector<JournalEntry>>(const std::string& job_id)>;
  std::size_t recover_jobs(const EntriesOf& entries_of);
  // Called as each step starts, once it is journaled (pivotd: crash failpoints).
  void set_step_start_hook(std::function<void(const std::string& job_id, const std::string& step)> hook);
  // Told every job's change: state and steps (JobStateSink: it must outlive the
  // service, and must not call it back). Add sinks before the first job.
  void add_state_sink(JobStateSink& sink);

 private:
  struct AgentStats {
    std::string boot_id;
    std::uint64_t last_seen_ms = 0;
    std::uint64_t messages = 0;
  };

  // All private helpers expect mu_ held.
  std::string new_job_id(JobKind kind);
  Job& add_job(JobKind kind, const std::string& cluster, const std::string& requested_by);
  // An Idempotency-Key belongs to its token and its request (the route and
  // the body as read, describe_request): the same one again replays the first
  // job; anything else is idempotency_mismatch, never another request's job.
  Result<std::optional<std::string>> replay(const std::optional<std::string>& idempotency_key,
                                            const std::string& requested_by, const std::string& request) const;
  void remember(const std::optional<std::string>& idempotency_key, const std::string& job_id,
                const std::string& requested_by, const std::string& request);
  Result<void> check_candidate(const ClusterSpec& spec, const std::optional<std::string>& candidate) const;
  std::optional<std::string> last_job_of(const std::string& cluster) const;
  // Why the cluster waits for the operator (ClusterDetail::attention), if its last pivot left it so.
  std::optional<std::string> attention_of(const std::string& cluster) const;
  void index(const Job& job);  // last_job_ and last_pivot_, as a job is added or ends
  void launch(const std::string& job_id, std::function<void()> body);
  // The thread of a job already registered as running (launch's second half).
  void run_thread(const std::string& job_id, std::function<void()> body);
  void finish(const std::string& job_id, JobState state, nlohmann::json result);
  void save(const Job& job);  // to the journals, after each change

  AgentPort& agents_;
  HookRunner& hooks_;
  Clock& clock_;
  const std::uint64_t epoch_;
  MemoryJournal journal_;  // thread-safe on its own: written by the job threads
  JournalTee journals_{journal_, nullptr};  // memory, then the durable one (use_journal)
  std::vector<JobStateSink*> state_sinks_;

  std::mutex mu_;
  std::condition_variable idle_;
  std::map<std::string, ClusterSpec> specs_;
  std::map<std::string, ClusterObservation> observed_;        // by cluster
  std::map<std::string, AgentStats> agent_stats_;             // by "cluster.node"
  std::map<std::string, Job> jobs_;                           // by id
  std::deque<std::string> job_order_;                         // oldest first, bounded
  std::map<std::string, std::string> holds_;                  // cluster -> pivot/failover job id
  std::map<std::string, std::string> last_job_;                // cluster -> its newest job's id
  std::map<std::string, std::string> last_pivot_;              // cluster -> its newest ended pivot's id
  std::map<std::string, std::string> cancels_;                // job id -> who cancelled it (until it ends)
  std::set<std::string> committed_;                           // running jobs past their commit point
  std::map<std::string, KeyedRequest> idempotency_;           // by Idempotency-Key
  std::map<std::string, std::optional<std::string>> primaries_;  // by cluster: the last journaled
  std::function<void(AgentsView&)> fill_counters_;
  std::function<std::optional<Job>(const std::string&)> job_archive_;
  std::function<void(const std::string&, const std::string&)> step_start_hook_;
  std::uint64_t next_job_ = 0;
  std::size_t running_ = 0;  // jobs submitted and not finished (shutdown waits for them)
  // Last: destroyed (its workers joined) once wait_idle has let every job end.
  JobScheduler scheduler_{kJobWorkers};
};

}  // namespace pivot::controller
