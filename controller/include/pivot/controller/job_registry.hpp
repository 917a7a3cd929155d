#pragma once
// The job registry: every job pivotd knows (the newest kJobsKept in memory,
// older ones from the archive), the hold each pivot has on its cluster, the
// cancels asked for, the commit points passed and the Idempotency-Keys taken.
// One part of pivotd's service, beside the observed model: it has its own
// lock, and journals every change (memory, then the durable journal) and
// tells the state sinks, in the order the changes happen.
//
// It runs nothing itself: the service's scheduler runs each job's body, which
// reports here (record_step, finish) and asks (holds, commits).

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

#include "pivot/controller/job.hpp"
#include "pivot/controller/journal.hpp"
#include "pivot/controller/memory_journal.hpp"
#include "pivot/controller/ports.hpp"
#include "pivot/result.hpp"

namespace pivot::controller {

class JobRegistry {
 public:
  // A job asked for: what it is, and the request as its Idempotency-Key keeps it.
  struct Admission {
    JobKind kind = JobKind::pivot_status;
    std::string cluster;
    std::string requested_by;
    bool dry_run = false;
    bool holds = false;  // takes the cluster's hold (a pivot; not its dry run)
    std::optional<std::string> idempotency_key = {};
    std::string request = {};  // the route and the body as read (describe the request)
  };
  struct Admitted {
    std::string job_id;
    bool replayed = false;  // the key's first job, nothing new started
  };

  // `epoch` makes job ids unique across restarts (it rises at every start).
  JobRegistry(Clock& clock, std::uint64_t epoch, std::size_t kept);

  // The journal on disk (it must outlive the registry): every event and every
  // job change is written there too, after memory. `restored` are the jobs it
  // kept, oldest first, listed again as they were; `keys` their
  // Idempotency-Keys, replayed as before. Call before the first job.
  void use_journal(Journal& durable, std::vector<Job> restored, std::vector<KeyedRequest> keys);
  // Memory, then the durable journal: what the runner writes through.
  Journal& journal() { return journals_; }
  const MemoryJournal& memory_journal() const { return memory_; }
  // Where job() looks for a job no longer kept in memory.
  void set_archive(std::function<std::optional<Job>(const std::string& id)> archive);
  void add_state_sink(JobStateSink& sink);
  void set_step_start_hook(std::function<void(const std::string& job_id, const std::string& step)> hook);

  // A new job, queued (and journaled, and told to the sinks), or the first
  // job of the same Idempotency-Key. In this order, under the registry's
  // lock: the key (idempotency_mismatch: another token's or request's), then
  // `check` (the request itself: its error refuses the job), the hold
  // (conflict: another job holds the cluster), then `precondition` (the
  // cluster as observed).
  Result<Admitted> admit(const Admission& admission, const std::function<Result<void>()>& check = {},
                         const std::function<Result<void>()>& precondition = {});
  // The job is about to run on the scheduler: counted until finish().
  void launched();
  // A worker took the job: running.
  void started(const std::string& job_id);
  void record_step(const std::string& job_id, const JobStep& step);
  // A running job's result so far (a rollout's children as they go):
  // journaled, so a restarted pivotd knows what the job had done.
  void set_result(const std::string& job_id, Detail result);
  // A waiting job's progress (Job::progress): told to the sinks, not journaled.
  void set_progress(const std::string& job_id, Detail progress);
  // A cancel was asked for the job (a waiting job ends at once, cancelled).
  bool cancel_requested(const std::string& job_id);
  // A pivot admitted without its hold (it waited for eligibility) takes it
  // now. Errors: conflict (another job holds the cluster), bad_request (no
  // such running job).
  Result<void> take_hold(const std::string& cluster, const std::string& job_id);
  // Ends the job (once; a second finish is ignored): a job cancelled before
  // its commit point ends `cancelled` unless it succeeded; the hold is freed.
  void finish(const std::string& job_id, JobState state, Detail result);

  // JobLock: whether the job still holds its cluster (a dry run holds nothing:
  // true); false once it was cancelled.
  bool holds(const std::string& cluster, const std::string& job_id);
  // JobLock::commits: the job goes past its commit point, no longer cancellable.
  bool commits(const std::string& cluster, const std::string& job_id);
  // The job holding the cluster, if any.
  std::optional<std::string> holder(const std::string& cluster);
  // Every held cluster (the failover guard's tick reads them once, not per cluster).
  std::set<std::string> held_clusters();
  // See ControllerService::cancel_job: waits up to 5 s for the job to stop.
  Result<Job> cancel(const std::string& id, const std::string& requested_by);

  Result<Job> job(const std::string& id);
  std::vector<Job> jobs(const std::optional<std::string>& cluster, std::size_t limit);
  // The cluster's newest job's id.
  std::optional<std::string> last_job_of(const std::string& cluster);
  // Why the cluster waits for the operator (ClusterDetail::attention), if its last pivot left it so.
  std::optional<std::string> attention_of(const std::string& cluster);

  // Crash recovery: the jobs restored unfinished (running, or queued and never
  // taken), oldest first. Each pivot (not a dry run) or failover among them
  // takes its cluster's hold in the same breath, committed: nothing
  // else can start on that cluster first, and a recovery, which undoes or
  // finishes what was begun, cannot be cancelled. finish() frees the hold.
  std::vector<Job> claim_unfinished();
  // A claimed pivot that had not begun (it waited for eligibility) gives its
  // hold back: it takes it again once eligible, and may be cancelled meanwhile.
  void unclaim(const std::string& job_id);
  // A launched job left unfinished on purpose as pivotd stops (a wait that
  // the next start resumes): no longer counted, still running in the journal.
  void detach(const std::string& job_id);

  // Blocks until every launched job finished (at most `timeout`): false when some still run.
  void wait_idle();
  bool wait_idle_for(std::chrono::milliseconds timeout);

 private:
  // All private helpers expect mu_ held.
  std::string new_job_id(JobKind kind);
  Job& add_job(JobKind kind, const std::string& cluster, const std::string& requested_by);
  // An Idempotency-Key belongs to its token and its request: the same one
  // again replays the first job; anything else is idempotency_mismatch,
  // never another request's job.
  Result<std::optional<std::string>> replay(const std::optional<std::string>& key, const std::string& requested_by,
                                            const std::string& request) const;
  void remember(const std::optional<std::string>& key, const std::string& job_id, const std::string& requested_by,
                const std::string& request);
  void index(const Job& job);  // last_job_ and last_pivot_, as a job is added or ends
  void changed(const Job& job, bool save);  // to the journals (when `save`) and the sinks

  Clock& clock_;
  const std::uint64_t epoch_;
  const std::size_t kept_;
  MemoryJournal memory_;                    // thread-safe on its own: written by the job threads
  JournalTee journals_{memory_, nullptr};   // memory, then the durable one (use_journal)

  std::mutex mu_;
  std::condition_variable idle_;
  std::vector<JobStateSink*> state_sinks_;
  std::map<std::string, Job> jobs_;                   // by id
  std::deque<std::string> job_order_;                 // oldest first, bounded
  std::map<std::string, std::string> holds_;          // cluster -> pivot/failover job id
  std::map<std::string, std::string> last_job_;       // cluster -> its newest job's id
  std::map<std::string, std::string> last_pivot_;     // cluster -> its newest ended pivot's or failover's id
  std::map<std::string, std::string> cancels_;        // job id -> who cancelled it (until it ends)
  std::set<std::string> committed_;                   // running jobs past their commit point
  std::map<std::string, KeyedRequest> idempotency_;   // by Idempotency-Key
  std::function<std::optional<Job>(const std::string&)> archive_;
  std::function<void(const std::string&, const std::string&)> step_start_hook_;
  std::uint64_t next_job_ = 0;
  std::size_t running_ = 0;  // launched and not finished (shutdown waits for them)
};

}  // namespace pivot::controller
