#include "pivot/agent/write_fence.hpp"

#include <algorithm>

#include "pivot/mysql/session.hpp"

namespace pivot::agent {
namespace {

constexpr char kStart[] = "BACKUP STAGE START";
// The stage BLOCK_COMMIT would otherwise pass through itself: it closes the
// tables not in use and flushes the non-transactional ones, a cost that grows
// with the open tables (measured on 10.11: 1.2 of BLOCK_COMMIT's 1.4 ms with
// 300 open tables, 9.5 ms at a server's first backup stage). Run in begin(),
// before read_only, it is out of the write-blocked window. It holds no commit
// of a transactional table (InnoDB, transactional Aria); writes to MyISAM
// tables wait from here on, as they would from BLOCK_COMMIT a moment later.
constexpr char kFlush[] = "BACKUP STAGE FLUSH";
constexpr char kBlockCommit[] = "BACKUP STAGE BLOCK_COMMIT";
constexpr char kEnd[] = "BACKUP STAGE END";
constexpr char kAlive[] = "SELECT 1";
// The prepared session's read timeout: longer than any fence_writes' lock
// wait (its command's deadline, 3 s from pivotd), which take() bounds by it.
constexpr int kPreparedReadTimeoutS = 10;

std::string lock_wait_sql(int seconds) { return "SET SESSION lock_wait_timeout = " + std::to_string(seconds); }

}  // namespace

const char* to_string(WriteFence::State state) {
  switch (state) {
    case WriteFence::State::none: return "none";
    case WriteFence::State::held: return "held";
    case WriteFence::State::lost: return "lost";
    case WriteFence::State::expired: return "expired";
  }
  return "none";
}

Result<void> WriteFence::prepare() {
  if (session_) return ok();
  auto opened = connector_.open(kPreparedReadTimeoutS);
  if (!opened) return opened.error();
  session_ = std::move(opened).value();
  session_read_timeout_s_ = kPreparedReadTimeoutS;
  return ok();
}

Result<void> WriteFence::begin(int lock_wait_s) {
  if (begun_ || check(Clock::now()) == State::held) return ok();
  state_ = State::none;
  // The prepared session when it still answers (it may have idled past
  // wait_timeout), else a new one. Its read timeout outlasts the lock wait,
  // or the client would give up (and drop the session) before the server's
  // lock_wait_timeout answers.
  if (session_ && session_->query(kAlive).ok()) {
    lock_wait_s = std::min(lock_wait_s, session_read_timeout_s_ - 2);
  } else {
    session_.reset();
    auto opened = connector_.open(lock_wait_s + 2);
    if (!opened) return opened.error();
    session_ = std::move(opened).value();
    session_read_timeout_s_ = lock_wait_s + 2;
  }
  lock_wait_set_s_ = std::max(1, lock_wait_s);
  for (const std::string& statement : {lock_wait_sql(lock_wait_set_s_), std::string(kStart), std::string(kFlush)}) {
    if (auto done = session_->execute(statement); !done) {
      session_.reset();  // closing the session ends a stage that did hold
      return done.error();
    }
  }
  begun_ = true;
  return ok();
}

void WriteFence::abandon() {
  if (!begun_) return;
  begun_ = false;
  if (!session_->execute(kEnd).ok()) session_.reset();  // the session's end ends the stage
}

Result<WriteFence::Taken> WriteFence::take(int lock_wait_s, Clock::time_point lease_until) {
  if (!begun_ && check(Clock::now()) == State::held) {
    lease_until_ = std::max(lease_until_, lease_until);
    return Taken{.already = true};
  }
  if (auto begun = begin(lock_wait_s); !begun) return begun.error();
  begun_ = false;
  // begin() may have run before read_only, which can wait for running
  // commits too: BLOCK_COMMIT waits no longer than the time left now. (The
  // same whole second, as a fast read_only leaves it: no statement more.)
  if (const int now_s = std::max(1, std::min(lock_wait_s, session_read_timeout_s_ - 2)); now_s < lock_wait_set_s_) {
    if (auto bounded = session_->execute(lock_wait_sql(now_s)); !bounded) {
      session_.reset();
      return bounded.error();
    }
  }
  const auto started = Clock::now();
  if (auto blocked = session_->execute(kBlockCommit); !blocked) {
    session_.reset();  // the session closes: no lock, and START ends with it
    return blocked.error();
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  state_ = State::held;
  lease_until_ = lease_until;
  return Taken{.already = false, .waited_ms = waited.count()};
}

WriteFence::State WriteFence::check(Clock::time_point now) {
  if (state_ != State::held) return state_;
  if (auto alive = session_->query(kAlive); !alive) {
    // Any failure of a SELECT 1 means the session is not usable; the server
    // ends a BACKUP STAGE with its session, so the lock is gone with it.
    session_.reset();
    state_ = State::lost;
    return state_;
  }
  if (now >= lease_until_) {
    const bool ended = session_->execute(kEnd).ok();
    session_.reset();  // closing the session ends the lock if END did not
    state_ = ended ? State::expired : State::lost;
  }
  return state_;
}

Result<WriteFence::Released> WriteFence::release() {
  Released released{.before = check(Clock::now())};
  if (released.before == State::held) {
    auto ended = session_->execute(kEnd);
    if (!ended && ended.error().code != mysql::kErrConnection) return ended.error();
    // A connection that broke during END took the lock with it.
    if (!ended) session_.reset();
  }
  state_ = State::none;  // the session, if any, stays for the next fence
  return released;
}

}  // namespace pivot::agent
