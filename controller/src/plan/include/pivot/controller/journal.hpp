#pragma once
// The job journal port (ARCHITECTURE.md, "Job journal"): what a job did,
// written before it happens, so that a pivotd that restarts knows which
// commands may have run. The runner writes a step's start before any of its
// commands go out, and each command's id before it is sent; then the step's
// end and the job's. The service also saves the job as the API shows it each
// time it changes, so that GET /v1/jobs survives a restart. MemoryJournal keeps
// it all in memory and JournalTee writes to two journals (memory_journal.hpp);
// SqliteJournal (sqlite_journal.hpp) keeps it on disk.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/cluster_marks.hpp"
#include "pivot/controller/job.hpp"

namespace pivot::controller {

// An Idempotency-Key and what it belongs to.
struct KeyedRequest {
  std::string key;
  std::string job_id;
  std::string requested_by;  // the token's name
  std::string request;       // "POST /v1/clusters/sms-1/pivot {...}": the request's fingerprint
};

struct JournalEntry {
  enum class Kind { job_created, step_started, command_sent, step_finished, job_finished };
  Kind kind = Kind::job_created;
  std::string job_id;
  std::string detail;      // job_created: the cluster; step_* and command_sent: the step
  std::string state;       // step_finished, job_finished: the state reached; command_sent: the command id
  std::uint64_t deadline_ms = 0;  // step_started: the longest its commands may take (0: none sent)
  std::uint64_t at_ms = 0;  // wall clock
  // command_sent only, not stored: false for an id no fsync has to reach the
  // disk before the command goes out (Journal::command_unsynced).
  bool durable = true;
};

class Journal {
 public:
  virtual ~Journal() = default;
  virtual void job_created(const std::string& job_id, const std::string& cluster, JobKind kind, std::uint64_t at_ms) = 0;
  virtual void step_started(const std::string& job_id, const std::string& step, std::uint64_t deadline_ms,
                            std::uint64_t at_ms) = 0;
  // Before the command goes out: a command journaled may have run, one not journaled has not.
  virtual void command_sent(const std::string& job_id, const std::string& step, const std::string& command_id,
                            std::uint64_t at_ms) = 0;
  // The same, committed but not synced (issue 22): a later durable write
  // takes it to disk with it. For two kinds of id only:
  //  - a command that changes nothing (plan::changes_nothing: a read, a
  //    wait): recovery undoes only what may have changed, so a power cut
  //    that loses its id loses nothing to undo;
  //  - a command that goes out only after another one's command_sent
  //    returned (promote's writable switch, journaled with the reset it
  //    queues behind): that fsync takes this id to disk first.
  virtual void command_unsynced(const std::string& job_id, const std::string& step, const std::string& command_id,
                                std::uint64_t at_ms) {
    command_sent(job_id, step, command_id, at_ms);
  }
  virtual void step_finished(const std::string& job_id, const std::string& step, StepState state,
                             std::uint64_t at_ms) = 0;
  virtual void job_finished(const std::string& job_id, JobState state, std::uint64_t at_ms) = 0;
  // The job as GET /v1/jobs/{id} shows it, after each change (launched, a step
  // started or ended, finished); at_ms dates the change (a finished job's end).
  virtual void job_saved(const Job& job, std::uint64_t at_ms) = 0;
  // An Idempotency-Key taken by a job: the token's name and the request it
  // belongs to (the route and the body as read), so a replay after a restart
  // still returns the first job and a mismatch is still refused.
  virtual void key_taken(const KeyedRequest& keyed, std::uint64_t at_ms) = 0;
  // The primary pivotd sees for a cluster, each time it changes (nullopt: none).
  virtual void primary_observed(const std::string& cluster, const std::optional<std::string>& primary,
                                std::uint64_t at_ms) = 0;
  // What pivotd decided about a cluster (cooldown, maintenance, needs_rebuild
  // marks, the last writable primary), whole, each time it changes.
  virtual void marks_saved(const std::string& cluster, const ClusterMarks& marks, std::uint64_t at_ms) = 0;
  // Everything journaled so far is on disk when this returns. Before a hook
  // runs: a hook may change something, and it is not a command, whose id is
  // written durably anyway (a journal may write a step's start without an
  // fsync of its own: SqliteJournal). Nothing to do for a journal in memory.
  virtual void sync() {}
};

// The five runner events as JournalEntry rows, handed to append(): one mapping
// for every journal that keeps rows.
class EntryJournal : public Journal {
 public:
  void job_created(const std::string& job_id, const std::string& cluster, JobKind kind, std::uint64_t at_ms) override;
  void step_started(const std::string& job_id, const std::string& step, std::uint64_t deadline_ms,
                    std::uint64_t at_ms) override;
  void command_sent(const std::string& job_id, const std::string& step, const std::string& command_id,
                    std::uint64_t at_ms) override;
  void command_unsynced(const std::string& job_id, const std::string& step, const std::string& command_id,
                        std::uint64_t at_ms) override;
  void step_finished(const std::string& job_id, const std::string& step, StepState state, std::uint64_t at_ms) override;
  void job_finished(const std::string& job_id, JobState state, std::uint64_t at_ms) override;

 protected:
  virtual void append(JournalEntry entry) = 0;
};

}  // namespace pivot::controller
