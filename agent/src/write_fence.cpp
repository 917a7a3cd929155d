#include "pivot/agent/write_fence.hpp"

#include <algorithm>

#include "pivot/mysql/session.hpp"

namespace pivot::agent {
namespace {

constexpr char kStart[] = "BACKUP STAGE START";
constexpr char kBlockCommit[] = "BACKUP STAGE BLOCK_COMMIT";
constexpr char kEnd[] = "BACKUP STAGE END";
constexpr char kAlive[] = "SELECT 1";
// The prepared session's read timeout: longer than any fence_writes' lock
// wait (its command's deadline, 3 s from pivotd), which take() bounds by it.
constexpr int kPreparedReadTimeoutS = 10;

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

Result<WriteFence::Taken> WriteFence::take(int lock_wait_s, Clock::time_point lease_until) {
  if (check(Clock::now()) == State::held) {
    lease_until_ = std::max(lease_until_, lease_until);
    return Taken{.already = true};
  }
  state_ = State::none;
  // The prepared session when it still answers (it may have idled past
  // wait_timeout), else a new one. Its read timeout outlasts the lock wait,
  // or the client would give up (and drop the session) before the server's
  // lock_wait_timeout answers.
  std::unique_ptr<SqlSession> session = std::move(session_);
  if (session && session->query(kAlive).ok()) {
    lock_wait_s = std::min(lock_wait_s, session_read_timeout_s_ - 2);
  } else {
    auto opened = connector_.open(lock_wait_s + 2);
    if (!opened) return opened.error();
    session = std::move(opened).value();
    session_read_timeout_s_ = lock_wait_s + 2;
  }
  const std::string bound = "SET SESSION lock_wait_timeout = " + std::to_string(std::max(1, lock_wait_s));
  if (auto set = session->execute(bound); !set) return set.error();
  const auto started = Clock::now();
  for (const char* statement : {kStart, kBlockCommit}) {
    if (auto done = session->execute(statement); !done) return done.error();  // the session closes: no lock
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  session_ = std::move(session);
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
