#pragma once
// One writer thread per node, with its own connection: a dead or hung node
// holds only its own thread (for at most the session timeouts), never the
// others. Each writer keeps its acks to itself until it is joined.

#include <atomic>
#include <future>
#include <latch>
#include <string>
#include <vector>

#include "ack_analysis.hpp"
#include "pivot/mysql/session.hpp"
#include "probe_clock.hpp"
#include "probe_report.hpp"
#include "probe_table.hpp"
#include "route_file.hpp"

namespace pivot::tools {

class NodeWriter {
 public:
  // route: null to write to this node at every tick.
  // connect_per_write: a new session for every write, closed after it.
  NodeWriter(int index, mysql::SessionOptions session, const ProbeTable& table, const ProbeClock& clock,
             RouteFile* route, const std::atomic<bool>& stop, bool connect_per_write = false);

  // The thread body: connect, count down `connected` (whatever the outcome),
  // wait for the tick plan, then write at every tick until `stop`.
  void run(std::latch& connected, std::shared_future<TickPlan> plan, std::size_t expected_acks);

  const std::vector<Ack>& acks() const { return acks_; }
  const WriterStats& stats() const { return stats_; }

 private:
  enum class State { unknown, accepting, refusing, failing, disconnected };

  void connect();
  void write(std::int64_t tick);
  void note(State state, const std::string& detail);

  int index_;
  bool connect_per_write_;
  mysql::SessionOptions options_;
  std::string node_;
  std::string insert_prefix_;
  const ProbeClock& clock_;
  RouteFile* route_;
  const std::atomic<bool>& stop_;
  std::optional<mysql::Session> session_;
  State state_ = State::unknown;
  std::vector<Ack> acks_;
  WriterStats stats_;
};

}  // namespace pivot::tools
