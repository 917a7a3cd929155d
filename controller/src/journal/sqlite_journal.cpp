// The job journal in SQLite (sqlite_journal.hpp). `entries`: the runner's
// events in order (what may have run); `jobs`: each job as the API shows it,
// upserted on every change (what GET /v1/jobs lists after a restart);
// `idempotency_keys`: each key with its token and request; `primaries`: each
// cluster's last observed primary ("" for none).
#include "pivot/controller/sqlite_journal.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <array>

#include "pivot/controller/detail_json.hpp"
#include "pivot/controller/marks_json.hpp"
#include "pivot/log.hpp"
#include "pivot/protocol/enum_names.hpp"

namespace pivot::controller {
namespace {

auto logger() {
  static auto l = log::get("pivotd.journal");
  return l;
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS entries(
  seq INTEGER PRIMARY KEY, job_id TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL,
  state TEXT NOT NULL, deadline_ms INTEGER NOT NULL, at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS entries_by_job ON entries(job_id);
CREATE TABLE IF NOT EXISTS jobs(
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, cluster TEXT NOT NULL, state TEXT NOT NULL,
  requested_by TEXT NOT NULL, dry_run INTEGER NOT NULL, created_ms INTEGER NOT NULL,
  finished_ms INTEGER, steps TEXT NOT NULL, result TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency_keys(
  key TEXT PRIMARY KEY, job_id TEXT NOT NULL, requested_by TEXT NOT NULL, request TEXT NOT NULL,
  at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS primaries(
  cluster TEXT PRIMARY KEY, node TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cluster_marks(
  cluster TEXT PRIMARY KEY, marks TEXT NOT NULL, at_ms INTEGER NOT NULL);
)sql";

constexpr std::array<std::string_view, 5> kKindNames{"job_created", "step_started", "command_sent", "step_finished",
                                                     "job_finished"};

// One prepared statement, finalized on every path.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) { prepared_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK; }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool prepared() const { return prepared_; }
  void text(int i, const std::string& v) { sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void integer(int i, std::uint64_t v) { sqlite3_bind_int64(stmt_, i, static_cast<sqlite3_int64>(v)); }
  void null(int i) { sqlite3_bind_null(stmt_, i); }
  int step() { return rc_ = sqlite3_step(stmt_); }
  bool done() const { return rc_ == SQLITE_DONE; }  // the last step() ran to the end
  std::string column_text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : "";
  }
  std::uint64_t column_integer(int i) const { return static_cast<std::uint64_t>(sqlite3_column_int64(stmt_, i)); }
  std::string error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool prepared_ = false;
  int rc_ = SQLITE_OK;
};

Error journal_error(const std::string& path, const std::string& problem) {
  return make_error("journal", "journal " + path + ": " + problem);
}

// One step of the row's steps column (steps_of reads it back).
std::string step_row_text(const JobStep& s) {
  return nlohmann::json{{"name", s.name},
                        {"state", protocol::to_string(s.state)},
                        {"started_at_ms", s.started_at_ms},
                        {"finished_at_ms", s.finished_at_ms},
                        {"detail", to_json(s.detail)},
                        {"summary", s.summary}}
      .dump();
}

std::vector<JobStep> steps_of(const std::string& text) {
  std::vector<JobStep> out;
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const auto& s : parsed) {
    JobStep step;
    step.name = s.value("name", "");
    step.state = protocol::enum_from_string<StepState>(s.value("state", "")).value_or(StepState::failed);
    step.started_at_ms = s.value("started_at_ms", std::uint64_t{0});
    step.finished_at_ms = s.value("finished_at_ms", std::uint64_t{0});
    step.detail = s.contains("detail") ? detail_from_json(s["detail"]) : Detail::object();
    step.summary = s.value("summary", "");
    out.push_back(std::move(step));
  }
  return out;
}

// A row of `SELECT id, kind, cluster, state, requested_by, dry_run, created_ms, steps, result`.
Job job_of(const Statement& row) {
  Job job;
  job.id = row.column_text(0);
  job.kind = protocol::enum_from_string<JobKind>(row.column_text(1)).value_or(JobKind::pivot);
  job.cluster = row.column_text(2);
  job.state = protocol::enum_from_string<JobState>(row.column_text(3)).value_or(JobState::failed);
  job.requested_by = row.column_text(4);
  job.dry_run = row.column_integer(5) != 0;
  job.created_at_ms = row.column_integer(6);
  job.steps = steps_of(row.column_text(7));
  const auto result = nlohmann::json::parse(row.column_text(8), nullptr, false);
  job.result = result.is_discarded() ? Detail() : detail_from_json(result);
  return job;
}

}  // namespace

Result<std::unique_ptr<SqliteJournal>> SqliteJournal::open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string problem = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return journal_error(path, problem + " (is its directory there and writable by pivotd?)");
  }
  std::unique_ptr<SqliteJournal> journal(new SqliteJournal(db, path));
  // Exclusive locking: the lock taken by the first write below is held until
  // close, so a second pivotd on this file fails here, at once (no busy wait).
  for (const char* pragma : {"PRAGMA locking_mode=EXCLUSIVE", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"}) {
    if (auto done = journal->exec(pragma); !done) return done.error();
  }
  if (auto done = journal->exec("BEGIN IMMEDIATE"); !done) return done.error();
  if (auto done = journal->exec(kSchema); !done) return done.error();
  if (auto done = journal->exec("COMMIT"); !done) return done.error();
  Statement check(db, "PRAGMA quick_check");
  if (!check.prepared() || check.step() != SQLITE_ROW) return journal_error(path, check.error());
  if (auto verdict = check.column_text(0); verdict != "ok") return journal_error(path, "corrupt: " + verdict);
  return journal;
}

SqliteJournal::SqliteJournal(sqlite3* db, std::string path)
    : db_(db), path_(std::move(path)), row_steps_(step_row_text) {}

SqliteJournal::~SqliteJournal() { sqlite3_close(db_); }

Result<void> SqliteJournal::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return ok();
  std::string problem = message ? message : sqlite3_errmsg(db_);
  sqlite3_free(message);
  if (sqlite3_errcode(db_) == SQLITE_BUSY || sqlite3_errcode(db_) == SQLITE_LOCKED) {
    problem += " (another pivotd holds it: one pivotd per state_dir)";
  }
  return journal_error(path_, problem);
}

// What must be on disk before the call returns. A command's id, before the
// command goes out, and a job's creation and end are. A step's start or end is
// not: it leaves pivotd only with the next command's id, whose fsync takes every
// earlier commit of the WAL to disk with it (the WAL is one file, appended in
// order, and after a power loss SQLite keeps the commits up to the first frame
// whose cumulative checksum fails: a prefix). So the journal after a power loss
// reads as after a crash of pivotd at some instant no earlier than the last
// command it sent or hook it ran (a hook is not a command: sync() before it),
// which recovery handles; a crash of pivotd alone loses
// nothing (the commit is in the WAL, in the kernel's cache). Inside the
// write-blocked window this leaves one fsync per command instead of three or
// four per step.
void SqliteJournal::sync_each_commit(bool full) {
  // A FULL commit syncs the WAL, with the NORMAL commits before it.
  unsynced_ = !full;
  if (full == full_sync_) return;
  if (auto done = exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"); !done) {
    log::event(*logger(), spdlog::level::err, {}, "{}", done.error().message);
    return;
  }
  full_sync_ = full;
}

void SqliteJournal::sync() {
  std::lock_guard lock(mutex_);
  if (!unsynced_) return;
  // fsync(2) flushes the file, whichever descriptor names it: SQLite's own
  // is not reachable, a second one on its WAL is as good.
  const std::string wal = path_ + "-wal";
  const int fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fdatasync(fd) != 0) {
    log::event(*logger(), spdlog::level::err, {}, "journal {}: cannot sync {}: {}", path_, wal, std::strerror(errno));
  } else {
    unsynced_ = false;
  }
  if (fd >= 0) ::close(fd);
}

void SqliteJournal::append(JournalEntry entry) {
  std::lock_guard lock(mutex_);
  // An unsynced command id (command_unsynced) is as a step's start: the next durable write takes it to disk.
  sync_each_commit(entry.kind != JournalEntry::Kind::step_started && entry.kind != JournalEntry::Kind::step_finished &&
                   entry.durable);
  Statement insert(db_,
                   "INSERT INTO entries(job_id, kind, detail, state, deadline_ms, at_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  insert.text(1, entry.job_id);
  insert.text(2, std::string(kKindNames[static_cast<std::size_t>(entry.kind)]));
  insert.text(3, entry.detail);
  insert.text(4, entry.state);
  insert.integer(5, entry.deadline_ms);
  insert.integer(6, entry.at_ms);
  if (!insert.prepared() || insert.step() != SQLITE_DONE) {
    log::event(*logger(), spdlog::level::err, {.job = entry.job_id}, "journal {}: cannot write an entry: {}", path_,
               insert.error());
  }
}

void SqliteJournal::job_saved(const Job& job, std::uint64_t at_ms) {
  std::lock_guard lock(mutex_);
  // A running job's row after a step: recovery reads it (the nodes, the
  // captured position) only with the entries, and only what a later command's
  // fsync took to disk can have had an effect. A new job's row (it was
  // answered 202) and a finished one's are what the API promises: synced.
  sync_each_commit(job.finished() || job.steps.empty());
  Statement upsert(db_, R"sql(
INSERT INTO jobs(id, kind, cluster, state, requested_by, dry_run, created_ms, finished_ms, steps, result)
VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT(id) DO UPDATE SET state = excluded.state, dry_run = excluded.dry_run,
  finished_ms = excluded.finished_ms, steps = excluded.steps, result = excluded.result)sql");
  upsert.text(1, job.id);
  upsert.text(2, std::string(protocol::to_string(job.kind)));
  upsert.text(3, job.cluster);
  upsert.text(4, std::string(protocol::to_string(job.state)));
  upsert.text(5, job.requested_by);
  upsert.integer(6, job.dry_run ? 1 : 0);
  upsert.integer(7, job.created_at_ms);
  if (job.finished()) {
    upsert.integer(8, at_ms);
  } else {
    upsert.null(8);
  }
  upsert.text(9, row_steps_.array(job));
  upsert.text(10, to_json(job.result).dump());
  if (!upsert.prepared() || upsert.step() != SQLITE_DONE) {
    log::event(*logger(), spdlog::level::err, {.cluster = job.cluster, .job = job.id},
               "journal {}: cannot save the job: {}", path_, upsert.error());
  }
}

void SqliteJournal::key_taken(const KeyedRequest& keyed, std::uint64_t at_ms) {
  std::lock_guard lock(mutex_);
  sync_each_commit(true);
  Statement insert(db_,
                   "INSERT OR REPLACE INTO idempotency_keys(key, job_id, requested_by, request, at_ms) "
                   "VALUES(?1, ?2, ?3, ?4, ?5)");
  insert.text(1, keyed.key);
  insert.text(2, keyed.job_id);
  insert.text(3, keyed.requested_by);
  insert.text(4, keyed.request);
  insert.integer(5, at_ms);
  if (!insert.prepared() || insert.step() != SQLITE_DONE) {
    log::event(*logger(), spdlog::level::err, {.job = keyed.job_id}, "journal {}: cannot write an Idempotency-Key: {}",
               path_, insert.error());
  }
}

void SqliteJournal::primary_observed(const std::string& cluster, const std::optional<std::string>& primary,
                                     std::uint64_t at_ms) {
  std::lock_guard lock(mutex_);
  sync_each_commit(true);
  Statement upsert(db_, "INSERT OR REPLACE INTO primaries(cluster, node, at_ms) VALUES(?1, ?2, ?3)");
  upsert.text(1, cluster);
  upsert.text(2, primary.value_or(""));
  upsert.integer(3, at_ms);
  if (!upsert.prepared() || upsert.step() != SQLITE_DONE) {
    log::event(*logger(), spdlog::level::err, {.cluster = cluster}, "journal {}: cannot write the primary: {}", path_,
               upsert.error());
  }
}

Result<std::vector<KeyedRequest>> SqliteJournal::keys() {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT key, job_id, requested_by, request FROM idempotency_keys ORDER BY at_ms, rowid");
  std::vector<KeyedRequest> out;
  while (select.prepared() && select.step() == SQLITE_ROW) {
    out.push_back({select.column_text(0), select.column_text(1), select.column_text(2), select.column_text(3)});
  }
  if (!select.done()) return journal_error(path_, select.error());
  return out;
}

Result<std::map<std::string, std::string>> SqliteJournal::primaries() {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT cluster, node FROM primaries");
  std::map<std::string, std::string> out;
  while (select.prepared() && select.step() == SQLITE_ROW) out[select.column_text(0)] = select.column_text(1);
  if (!select.done()) return journal_error(path_, select.error());
  return out;
}

void SqliteJournal::marks_saved(const std::string& cluster, const ClusterMarks& marks, std::uint64_t at_ms) {
  std::lock_guard lock(mutex_);
  sync_each_commit(true);
  Statement write(db_, marks.empty() ? "DELETE FROM cluster_marks WHERE cluster = ?1"
                                     : "INSERT OR REPLACE INTO cluster_marks(cluster, marks, at_ms) VALUES(?1, ?2, ?3)");
  write.text(1, cluster);
  if (!marks.empty()) {
    write.text(2, marks_to_json(marks));
    write.integer(3, at_ms);
  }
  if (!write.prepared() || write.step() != SQLITE_DONE) {
    log::event(*logger(), spdlog::level::err, {.cluster = cluster}, "journal {}: cannot write the cluster's marks: {}",
               path_, write.error());
  }
}

Result<std::map<std::string, ClusterMarks>> SqliteJournal::cluster_marks() {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT cluster, marks FROM cluster_marks");
  std::map<std::string, ClusterMarks> out;
  while (select.prepared() && select.step() == SQLITE_ROW) {
    auto marks = marks_from_json(select.column_text(1));
    if (!marks) return journal_error(path_, "cluster " + select.column_text(0) + ": " + marks.error().message);
    out[select.column_text(0)] = std::move(marks).value();
  }
  if (!select.done()) return journal_error(path_, select.error());
  return out;
}

Result<std::vector<Job>> SqliteJournal::recent_jobs(std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement select(db_, R"sql(
SELECT id, kind, cluster, state, requested_by, dry_run, created_ms, steps, result FROM
  (SELECT rowid AS r, * FROM jobs ORDER BY rowid DESC LIMIT ?1) ORDER BY r)sql");
  select.integer(1, limit);
  std::vector<Job> out;
  while (select.prepared() && select.step() == SQLITE_ROW) out.push_back(job_of(select));
  if (!select.done()) return journal_error(path_, select.error());
  return out;
}

Result<std::optional<Job>> SqliteJournal::job(const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement select(db_,
                   "SELECT id, kind, cluster, state, requested_by, dry_run, created_ms, steps, result FROM jobs "
                   "WHERE id = ?1");
  select.text(1, id);
  std::optional<Job> out;
  while (select.prepared() && select.step() == SQLITE_ROW) out = job_of(select);
  if (!select.done()) return journal_error(path_, select.error());
  return out;
}

Result<std::vector<JournalEntry>> SqliteJournal::entries(const std::string& job_id) {
  std::lock_guard lock(mutex_);
  Statement select(db_, "SELECT kind, detail, state, deadline_ms, at_ms FROM entries WHERE job_id = ?1 ORDER BY seq");
  select.text(1, job_id);
  std::vector<JournalEntry> out;
  while (select.prepared() && select.step() == SQLITE_ROW) {
    JournalEntry e;
    const auto kind = select.column_text(0);
    for (std::size_t i = 0; i < kKindNames.size(); ++i) {
      if (kKindNames[i] == kind) e.kind = static_cast<JournalEntry::Kind>(i);
    }
    e.job_id = job_id;
    e.detail = select.column_text(1);
    e.state = select.column_text(2);
    e.deadline_ms = select.column_integer(3);
    e.at_ms = select.column_integer(4);
    out.push_back(std::move(e));
  }
  if (!select.done()) return journal_error(path_, select.error());
  return out;
}

Result<std::size_t> SqliteJournal::prune(std::uint64_t before_ms) {
  std::lock_guard lock(mutex_);
  sync_each_commit(true);
  if (auto done = exec("BEGIN IMMEDIATE"); !done) return done.error();
  Statement entries(db_,
                    "DELETE FROM entries WHERE job_id IN (SELECT id FROM jobs WHERE finished_ms IS NOT NULL AND finished_ms < ?1)");
  entries.integer(1, before_ms);
  Statement keys(db_,
                 "DELETE FROM idempotency_keys WHERE job_id IN "
                 "(SELECT id FROM jobs WHERE finished_ms IS NOT NULL AND finished_ms < ?1)");
  keys.integer(1, before_ms);
  Statement jobs(db_, "DELETE FROM jobs WHERE finished_ms IS NOT NULL AND finished_ms < ?1");
  jobs.integer(1, before_ms);
  if (!entries.prepared() || entries.step() != SQLITE_DONE || !keys.prepared() || keys.step() != SQLITE_DONE ||
      !jobs.prepared() || jobs.step() != SQLITE_DONE) {
    auto problem = jobs.error();
    (void)exec("ROLLBACK");
    return journal_error(path_, "cannot prune: " + problem);
  }
  const auto pruned = static_cast<std::size_t>(sqlite3_changes(db_));
  if (auto done = exec("COMMIT"); !done) return done.error();
  return pruned;
}

}  // namespace pivot::controller
