#pragma once
// The job journal on disk (ARCHITECTURE.md, "Job journal"; issue 14): one
// SQLite file, STATE_DIR/journal.sqlite, in WAL mode with synchronous=FULL so
// that a row is on disk before the runner sends the commands it announces.
// A step's start and end and a running job's row are written without their
// own fsync (synchronous=NORMAL for that transaction; issue 22): the next
// command's id, written with one, takes them to disk with it, in order
// (docs/pivotd.md, "The job journal": why recovery loses nothing).
// The file is opened in exclusive locking mode: a second pivotd on the same
// state_dir is refused at start ("database is locked"), never interleaved.
// A write that fails later is logged (job= field) and does not stop the job.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pivot/controller/journal.hpp"
#include "pivot/controller/step_texts.hpp"
#include "pivot/result.hpp"

struct sqlite3;

namespace pivot::controller {

class SqliteJournal : public EntryJournal {
 public:
  // Opens or creates the file and checks it: an error names the file and the
  // problem (unwritable directory, not a database, corrupt, locked by another pivotd).
  static Result<std::unique_ptr<SqliteJournal>> open(const std::string& path);
  ~SqliteJournal() override;
  SqliteJournal(const SqliteJournal&) = delete;
  SqliteJournal& operator=(const SqliteJournal&) = delete;

  void job_saved(const Job& job, std::uint64_t at_ms) override;
  void key_taken(const KeyedRequest& keyed, std::uint64_t at_ms) override;
  void primary_observed(const std::string& cluster, const std::optional<std::string>& primary,
                        std::uint64_t at_ms) override;
  void marks_saved(const std::string& cluster, const ClusterMarks& marks, std::uint64_t at_ms) override;
  // fdatasync of the WAL when a commit since the last sync had none.
  void sync() override;

  // The newest `limit` jobs, oldest first (pivotd's registry at start).
  Result<std::vector<Job>> recent_jobs(std::size_t limit);
  // One job as last saved (nullopt: none by that id, or pruned).
  Result<std::optional<Job>> job(const std::string& id);
  // The Idempotency-Keys of the jobs kept, oldest first.
  Result<std::vector<KeyedRequest>> keys();
  // Each cluster's last observed primary ("" for none).
  Result<std::map<std::string, std::string>> primaries();
  // Each cluster's marks as last saved (a cluster whose marks are empty is absent).
  Result<std::map<std::string, ClusterMarks>> cluster_marks();
  // The runner's entries of one job, in order.
  Result<std::vector<JournalEntry>> entries(const std::string& job_id);
  // Deletes the jobs that finished before `before_ms` with their entries and keys; a
  // running job is never pruned. Returns how many jobs went.
  Result<std::size_t> prune(std::uint64_t before_ms);
  const std::string& path() const { return path_; }

 protected:
  void append(JournalEntry entry) override;

 private:
  SqliteJournal(sqlite3* db, std::string path);
  Result<void> exec(const char* sql);
  // Sets the connection's synchronous mode for the next transaction (under mutex_).
  void sync_each_commit(bool full);

  std::mutex mutex_;  // one connection, written by the job threads
  sqlite3* db_;
  std::string path_;
  bool full_sync_ = true;  // the connection's synchronous mode: FULL (true) or NORMAL
  bool unsynced_ = false;  // a commit under NORMAL not yet taken to disk
  StepTexts row_steps_;    // the jobs column `steps`, ended steps' text reused
};

}  // namespace pivot::controller
