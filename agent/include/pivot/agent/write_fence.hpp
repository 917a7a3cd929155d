#pragma once
// WriteFence: the lock that holds every commit on this node, privileged
// accounts' included, while a pivot moves its writes elsewhere (MariaDB has
// no super_read_only, and READ_ONLY ADMIN writes through read_only).
//
// It is `BACKUP STAGE START; BACKUP STAGE FLUSH; BACKUP STAGE BLOCK_COMMIT`
// on a session of its own, kept open across commands until release(). docs/fence.md has what was
// measured: the lock waits for running commits only (not for running
// statements, as FLUSH TABLES WITH READ LOCK does), a root INSERT queues
// behind it, and SET GLOBAL read_only from another session does not wait for
// it. The lock lives as long as that session: check() sees the session gone
// (killed, the server restarted, a network cut) and the fence is then `lost`,
// which report_position and release_fence say until a new fence or a release.
//
// A fence also has a lease: a pivotd that dies mid-pivot must not leave the
// old primary unable to commit forever. check() past the lease releases the
// lock and the state becomes `expired` (it held until then, but no longer).
//
// Used by ONE thread (the action worker), like ActionExecutor, whose
// fence_writes / release_fence / report_position drive it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "pivot/agent/sql_connector.hpp"
#include "pivot/result.hpp"

namespace pivot::agent {

class WriteFence {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { none, held, lost, expired };

  explicit WriteFence(SqlConnector& connector) : connector_(connector) {}

  // Opens the fence's session ahead of any fence (the agent does it when it
  // starts), so that fence_writes, inside the pivot's write-blocked window,
  // does not pay for a connection (a few ms). Without a fence the session
  // only idles; a session that went meanwhile is replaced by take().
  Result<void> prepare();

  // The lock's first half, which holds no commit: the session checked (or
  // opened), its lock wait bounded to lock_wait_s, `BACKUP STAGE START`
  // (which only keeps other backups out) and `BACKUP STAGE FLUSH` (the
  // tables not in use closed, MyISAM writes held from then on: the part of
  // BLOCK_COMMIT whose cost grows with the open tables). fence_writes runs
  // it before read_only, outside the write-blocked window, so that only
  // BLOCK_COMMIT is left inside it (issue 22). Nothing when a fence is held
  // already.
  // Leave it by take() or abandon(); on an error nothing is left begun.
  Result<void> begin(int lock_wait_s);
  // A begin() that no take() follows (read_only failed in between): BACKUP
  // STAGE END, or the session dropped, which ends it too. Nothing otherwise.
  void abandon();

  struct Taken {
    bool already = false;      // a fence was held already (a second fence_writes)
    std::int64_t waited_ms = 0;  // how long BLOCK_COMMIT waited for running commits
  };
  // Takes the lock (begin() first unless it ran), waiting at most
  // lock_wait_s for running commits (error 1205 past it: the lock is then
  // not held, its session closed). Holds it until release() or lease_until,
  // whichever comes first.
  Result<Taken> take(int lock_wait_s, Clock::time_point lease_until);

  // Is the session that holds the lock still there? Releases the lock when
  // the lease has passed. Cheap (one SELECT on the fence session), and
  // without a fence no statement at all.
  State check(Clock::time_point now);

  struct Released {
    State before = State::none;  // what check() said just before the release
  };
  // Ends the lock (BACKUP STAGE END) and forgets it; the state is none
  // afterwards and the session stays open for the next fence. A lost or
  // expired fence is forgotten too: `before` says it.
  Result<Released> release();

  State state() const { return state_; }

 private:
  SqlConnector& connector_;
  std::unique_ptr<SqlSession> session_;  // kept open between fences (prepare)
  int session_read_timeout_s_ = 0;
  int lock_wait_set_s_ = 0;  // the fence session's lock_wait_timeout, as begin() set it
  State state_ = State::none;
  bool begun_ = false;  // BACKUP STAGE START and FLUSH hold on session_, BLOCK_COMMIT not yet
  Clock::time_point lease_until_{};
};

// "none", "held", "lost", "expired": as report_position's `fence` says it.
const char* to_string(WriteFence::State state);

}  // namespace pivot::agent
