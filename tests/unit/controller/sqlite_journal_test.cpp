// The SQLite journal on a real file: what it keeps across a reopen, what
// retention prunes, and the clear errors a bad file, directory or a second
// opener get (issue 14).
#include "pivot/controller/sqlite_journal.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pivot/controller/detail_json.hpp"

namespace pivot::controller {
namespace {

using Kind = JournalEntry::Kind;
using ::testing::HasSubstr;

class SqliteJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pivot-journal-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "journal.sqlite").string();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ignored);
    std::filesystem::remove_all(dir_, ignored);
  }

  std::unique_ptr<SqliteJournal> open() {
    auto journal = SqliteJournal::open(path_);
    EXPECT_TRUE(journal.ok()) << journal.error().message;
    return journal.ok() ? std::move(journal).value() : nullptr;
  }

  static Job pivot_job(const std::string& id, JobState state) {
    Job job;
    job.id = id;
    job.kind = JobKind::pivot;
    job.cluster = "sms-1";
    job.state = state;
    job.requested_by = "ops";
    job.dry_run = false;
    job.created_at_ms = 1000;
    JobStep step;
    step.name = "fence_read_only";
    step.state = StepState::succeeded;
    step.started_at_ms = 1001;
    step.finished_at_ms = 1012;
    step.detail = {{"node", "db1"}, {"sessions_killed", 1}};
    step.summary = "db1 read-only (was writable), 1 client session killed";
    job.steps.push_back(step);
    if (job.finished()) job.result = {{"new_primary", "db2"}};
    return job;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(SqliteJournalTest, KeepsJobsAndEntriesAcrossAReopen) {
  {
    auto journal = open();
    ASSERT_TRUE(journal);
    journal->job_created("pv-1-1", "sms-1", JobKind::pivot, 1000);
    journal->step_started("pv-1-1", "fence_read_only", 5000, 1001);
    journal->command_sent("pv-1-1", "fence_read_only", "pv-1-1/fence_read_only/db1", 1002);
    journal->step_finished("pv-1-1", "fence_read_only", StepState::succeeded, 1012);
    journal->job_saved(pivot_job("pv-1-1", JobState::running), 1012);
    journal->job_finished("pv-1-1", JobState::succeeded, 1020);
    journal->job_saved(pivot_job("pv-1-1", JobState::succeeded), 1020);
    journal->job_saved(pivot_job("ps-1-2", JobState::running), 1030);
  }
  auto journal = open();  // a pivotd restart
  ASSERT_TRUE(journal);
  auto jobs = journal->recent_jobs(10);
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  ASSERT_EQ(jobs->size(), 2u);
  const Job& job = jobs->front();  // oldest first
  EXPECT_EQ(job.id, "pv-1-1");
  EXPECT_EQ(job.kind, JobKind::pivot);
  EXPECT_EQ(job.cluster, "sms-1");
  EXPECT_EQ(job.state, JobState::succeeded);
  EXPECT_EQ(job.requested_by, "ops");
  EXPECT_EQ(job.created_at_ms, 1000u);
  EXPECT_EQ(to_json(job.result), nlohmann::json({{"new_primary", "db2"}}));
  ASSERT_EQ(job.steps.size(), 1u);
  EXPECT_EQ(job.steps[0].name, "fence_read_only");
  EXPECT_EQ(job.steps[0].state, StepState::succeeded);
  EXPECT_EQ(job.steps[0].started_at_ms, 1001u);
  EXPECT_EQ(job.steps[0].finished_at_ms, 1012u);
  EXPECT_EQ(job.steps[0].detail["sessions_killed"], 1);
  EXPECT_EQ(job.steps[0].summary, "db1 read-only (was writable), 1 client session killed");
  EXPECT_EQ((*jobs)[1].state, JobState::running);
  EXPECT_TRUE((*jobs)[1].result.is_null());

  auto one = journal->job("pv-1-1");
  ASSERT_TRUE(one.ok());
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->state, JobState::succeeded);
  EXPECT_EQ((*one)->steps.size(), 1u);
  EXPECT_FALSE(journal->job("pv-1-404")->has_value());

  auto entries = journal->entries("pv-1-1");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 5u);
  EXPECT_EQ((*entries)[0].kind, Kind::job_created);
  EXPECT_EQ((*entries)[0].detail, "sms-1");
  EXPECT_EQ((*entries)[1].kind, Kind::step_started);
  EXPECT_EQ((*entries)[1].deadline_ms, 5000u);
  EXPECT_EQ((*entries)[2].kind, Kind::command_sent);
  EXPECT_EQ((*entries)[2].state, "pv-1-1/fence_read_only/db1");
  EXPECT_EQ((*entries)[4].kind, Kind::job_finished);
  EXPECT_EQ((*entries)[4].state, "succeeded");
  EXPECT_EQ((*entries)[4].at_ms, 1020u);
}

// Cooldowns, maintenance, needs_rebuild marks and the last primary outlive a
// restart, every field as written; empty marks leave no row.
TEST_F(SqliteJournalTest, KeepsClusterMarksAcrossAReopen) {
  ClusterMarks marks;
  marks.last_failover = FailoverMemo{.job_id = "fo-3-9", .old_primary = "db1", .new_primary = "db2", .automatic = true,
                                     .started_ms = 1000, .acknowledged = true, .acknowledged_by = "ops",
                                     .comment = "db1's disk replaced", .acknowledged_ms = 2000,
                                     .old_primary_settled = true};
  marks.maintenance = MaintenanceWindow{.until_ms = 5000, .reason = "kernel \"upgrade\"", .set_by = "ops", .set_ms = 3000};
  marks.needs_rebuild["db1"] = RebuildMark{.extra_gtids = "0-1-104 to 0-1-105", .extra_count = 2, .job_id = "fo-3-9",
                                           .marked_ms = 4000};
  marks.auto_failovers_ms = {1000, 900};
  marks.last_primary = LastPrimary{.node = "db2", .flavor = "mariadb", .server_id = 2, .gtid_binlog_pos = "0-2-7",
                                   .gtid_binlog_state = "0-1-5,0-2-7", .uptime_s = 42, .seen_ms = 4500};
  {
    auto journal = open();
    ASSERT_TRUE(journal);
    journal->marks_saved("sms-1", marks, 10);
    journal->marks_saved("sms-2", ClusterMarks{.maintenance = MaintenanceWindow{.until_ms = 1}}, 11);
    journal->marks_saved("sms-2", ClusterMarks{}, 12);  // cleared: no row
  }
  auto journal = open();
  ASSERT_TRUE(journal);
  auto kept = journal->cluster_marks();
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_TRUE(kept->at("sms-1") == marks);
}

TEST_F(SqliteJournalTest, KeepsIdempotencyKeysAndPrimariesAcrossAReopen) {
  {
    auto journal = open();
    ASSERT_TRUE(journal);
    journal->key_taken({"k1", "pv-1-1", "ops", "POST /v1/clusters/sms-1/pivot {}"}, 10);
    journal->key_taken({"k2", "ps-1-2", "ci", "POST /v1/clusters/sms-2/pivot-status {}"}, 11);
    journal->primary_observed("sms-1", "db1", 12);
    journal->primary_observed("sms-1", "db2", 13);
    journal->primary_observed("sms-2", std::nullopt, 14);
  }
  auto journal = open();
  ASSERT_TRUE(journal);
  auto keys = journal->keys();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].key, "k1");
  EXPECT_EQ((*keys)[0].job_id, "pv-1-1");
  EXPECT_EQ((*keys)[0].requested_by, "ops");
  EXPECT_EQ((*keys)[0].request, "POST /v1/clusters/sms-1/pivot {}");
  EXPECT_EQ((*keys)[1].key, "k2");
  auto primaries = journal->primaries();
  ASSERT_TRUE(primaries.ok());
  EXPECT_EQ(*primaries, (std::map<std::string, std::string>{{"sms-1", "db2"}, {"sms-2", ""}}));
}

TEST_F(SqliteJournalTest, RecentJobsAreTheNewestOldestFirst) {
  auto journal = open();
  ASSERT_TRUE(journal);
  for (int i = 1; i <= 5; ++i) journal->job_saved(pivot_job("pv-1-" + std::to_string(i), JobState::succeeded), 2000);
  journal->job_saved(pivot_job("pv-1-2", JobState::failed), 2100);  // an update keeps its place
  auto jobs = journal->recent_jobs(3);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[0].id, "pv-1-3");
  EXPECT_EQ((*jobs)[2].id, "pv-1-5");
  auto all = journal->recent_jobs(10);
  EXPECT_EQ((*all)[1].state, JobState::failed);
}

TEST_F(SqliteJournalTest, RetentionPrunesOldFinishedJobsNeverARunningOne) {
  auto journal = open();
  ASSERT_TRUE(journal);
  journal->job_created("old", "sms-1", JobKind::pivot, 100);
  journal->job_saved(pivot_job("old", JobState::succeeded), 100);
  journal->key_taken({"k-old", "old", "ops", "POST /v1/clusters/sms-1/pivot {}"}, 100);
  journal->key_taken({"k-stuck", "stuck", "ops", "POST /v1/clusters/sms-1/pivot {}"}, 100);
  journal->job_saved(pivot_job("stuck", JobState::running), 100);
  journal->job_saved(pivot_job("recent", JobState::failed), 5000);
  auto pruned = journal->prune(1000);
  ASSERT_TRUE(pruned.ok()) << pruned.error().message;
  EXPECT_EQ(*pruned, 1u);
  auto jobs = journal->recent_jobs(10);
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].id, "stuck");
  EXPECT_EQ((*jobs)[1].id, "recent");
  EXPECT_TRUE(journal->entries("old")->empty()) << "a pruned job's entries go with it";
  auto keys = journal->keys();
  ASSERT_EQ(keys->size(), 1u) << "and its Idempotency-Key";
  EXPECT_EQ((*keys)[0].key, "k-stuck");
  EXPECT_EQ(*journal->prune(1000), 0u);
}

TEST_F(SqliteJournalTest, ACorruptFileIsAClearError) {
  std::ofstream(path_) << std::string(8192, 'x');
  auto journal = SqliteJournal::open(path_);
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.error().code, "journal");
  EXPECT_THAT(journal.error().message, HasSubstr(path_));
  EXPECT_THAT(journal.error().message, HasSubstr("not a database"));
}

TEST_F(SqliteJournalTest, AMissingDirectoryIsAClearError) {
  const std::string missing = (dir_ / "nope" / "journal.sqlite").string();
  auto journal = SqliteJournal::open(missing);
  ASSERT_FALSE(journal.ok());
  EXPECT_THAT(journal.error().message, HasSubstr(missing));
  EXPECT_THAT(journal.error().message, HasSubstr("unable to open"));
  EXPECT_THAT(journal.error().message, HasSubstr("writable by pivotd"));
}

// pivotd runs as the unprivileged `pivot` user. Root writes to a read-only
// directory anyway, so under root (CI) the open runs in a child that drops to
// nobody first: the case runs everywhere instead of being skipped.
TEST_F(SqliteJournalTest, AnUnwritableDirectoryIsAClearError) {
  namespace fs = std::filesystem;
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(out[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    auto refused = SqliteJournal::open(path_);
    const std::string said = refused.ok() ? std::string("opened") : refused.error().message;
    (void)!::write(out[1], said.data(), said.size());
    ::_exit(refused.ok() ? 1 : 0);
  }
  ::close(out[1]);
  std::string said;
  char buf[512];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) said.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "the journal opened in a directory its user cannot write: " << said;
  EXPECT_THAT(said, HasSubstr(path_));
}

TEST_F(SqliteJournalTest, ASecondOpenerIsRefusedWhileTheFirstHoldsIt) {
  auto first = open();
  ASSERT_TRUE(first);
  auto second = SqliteJournal::open(path_);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.error().message, HasSubstr(path_));
  EXPECT_THAT(second.error().message, HasSubstr("locked"));
  EXPECT_THAT(second.error().message, HasSubstr("one pivotd per state_dir"));
  first->job_saved(pivot_job("pv-1-1", JobState::succeeded), 10);  // the first still writes
  first.reset();
  auto third = open();
  ASSERT_TRUE(third) << "free again once the first closes";
  EXPECT_EQ(third->recent_jobs(10)->size(), 1u);
}

// A step's start and end, a running job's row and a read's id are committed
// without an fsync of their own (issue 22): a pivotd killed right after them (SIGKILL, no
// close, no checkpoint) still leaves them in the WAL for the next one, after
// the command id written before them. (That a power loss keeps a prefix of the
// commits is SQLite's WAL, not tested here.)
TEST_F(SqliteJournalTest, AKilledPivotdLeavesTheStepsWrittenWithoutTheirOwnFsync) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto journal = SqliteJournal::open(path_);
    if (!journal.ok()) ::_exit(3);
    auto& j = **journal;
    j.job_created("pv-1-1", "sms-1", JobKind::pivot, 1000);
    j.step_started("pv-1-1", "fence_read_only", 5000, 1001);
    j.command_sent("pv-1-1", "fence_read_only", "pv-1-1/fence_read_only/db1", 1002);
    j.step_finished("pv-1-1", "fence_read_only", StepState::succeeded, 1012);
    j.job_saved(pivot_job("pv-1-1", JobState::running), 1012);
    j.step_started("pv-1-1", "fence_lock", 3000, 1013);
    j.command_unsynced("pv-1-1", "fence_lock", "pv-1-1/confirm_fence/db1", 1014);  // a read: no fsync of its own
    ::raise(SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child exited with " << WEXITSTATUS(status);
  auto journal = open();
  ASSERT_TRUE(journal);
  auto entries = journal->entries("pv-1-1");
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  ASSERT_EQ(entries->size(), 6u);
  EXPECT_EQ((*entries)[2].kind, Kind::command_sent);
  EXPECT_EQ((*entries)[3].kind, Kind::step_finished);
  EXPECT_EQ((*entries)[4].kind, Kind::step_started);
  EXPECT_EQ((*entries)[4].detail, "fence_lock");
  EXPECT_EQ((*entries)[5].kind, Kind::command_sent) << "a read's id is an entry like any other";
  EXPECT_EQ((*entries)[5].state, "pv-1-1/confirm_fence/db1");
  auto job = journal->job("pv-1-1");
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE(job->has_value());
  EXPECT_EQ((*job)->state, JobState::running);
  EXPECT_EQ((*job)->steps.size(), 1u);
  // A write that keeps its fsync still lands after relaxed ones (the mode switches back per write).
  journal->step_started("pv-1-1", "capture_position", 3000, 1020);
  journal->key_taken({"k-1", "pv-1-1", "ops", "POST /v1/clusters/sms-1/pivot"}, 1021);
  EXPECT_EQ(journal->keys()->size(), 1u);
}

TEST_F(SqliteJournalTest, TheFileIsInWalModeWithFullSync) {
  { ASSERT_TRUE(open()); }
  std::ifstream file(path_, std::ios::binary);
  std::string header(20, '\0');
  file.read(header.data(), 20);
  // Bytes 18 and 19 are the read/write format versions: 2 means WAL.
  EXPECT_EQ(header[18], 2);
  EXPECT_EQ(header[19], 2);
}

}  // namespace
}  // namespace pivot::controller
