#include "node_writer.hpp"

#include <thread>

#include "pivot/log.hpp"

namespace pivot::tools {

NodeWriter::NodeWriter(int index, mysql::SessionOptions session, const ProbeTable& table,
                       const ProbeClock& clock, RouteFile* route, const std::atomic<bool>& stop,
                       bool connect_per_write)
    : index_(index),
      connect_per_write_(connect_per_write),
      options_(std::move(session)),
      node_(options_.name()),  // the label: host:port
      insert_prefix_(table.insert_prefix(node_)),
      clock_(clock),
      route_(route),
      stop_(stop) {}

void NodeWriter::run(std::latch& connected, std::shared_future<TickPlan> plan_future,
                     std::size_t expected_acks) {
  const mysql::ThreadScope connector_thread;
  acks_.reserve(expected_acks);  // no reallocation pause in the middle of a run
  connect();
  connected.count_down();
  const TickPlan plan = plan_future.get();
  std::int64_t tick = plan.first_tick;
  while (!stop_.load()) {
    std::this_thread::sleep_until(clock_.steady_at(plan.time_of(tick)));
    if (stop_.load()) break;
    if (!route_ || route_->target_for(tick) == index_) write(tick);
    tick = std::max(tick + 1, plan.first_tick_from(clock_.now_us()));
  }
  session_.reset();  // before the thread scope ends
}

void NodeWriter::connect() {
  auto session = mysql::Session::open(options_);
  if (!session) {
    ++stats_.connect_failures;
    stats_.last_error = session.error().message;
    note(State::disconnected, session.error().message);
    return;
  }
  session_.emplace(std::move(*session));
}

void NodeWriter::write(std::int64_t tick) {
  if (!session_) connect();  // at most one attempt per tick: a dead port fails in ~1 ms
  if (!session_) return;
  const std::int64_t sent = clock_.now_us();
  ++stats_.attempts;
  auto written = session_->execute(ProbeTable::insert_sql(insert_prefix_, tick, sent));
  const std::int64_t acked = clock_.now_us();
  if (connect_per_write_) session_.reset();
  if (written) {
    acks_.push_back(Ack{tick, index_, sent, acked});
    note(State::accepting, {});
    return;
  }
  ++stats_.failed;
  stats_.last_error = written.error().message;
  if (written.error().code == mysql::kErrReadOnly) {
    note(State::refusing, {});
    return;
  }
  if (written.error().code == mysql::kErrConnection) session_.reset();
  note(State::failing, written.error().message);
}

// Logs transitions only: at 200 writes/s a line per failure would drown the log.
void NodeWriter::note(State state, const std::string& detail) {
  if (state == state_) return;
  state_ = state;
  auto log = pivot::log::get("write_probe");
  const pivot::log::Ctx ctx{.node = node_};
  switch (state) {
    case State::accepting:
      pivot::log::event(*log, spdlog::level::info, ctx, "node accepts writes");
      break;
    case State::refusing:
      pivot::log::event(*log, spdlog::level::info, ctx, "node refuses writes (read_only)");
      break;
    case State::failing:
      pivot::log::event(*log, spdlog::level::warn, ctx, "write failed: {}", detail);
      break;
    case State::disconnected:
      pivot::log::event(*log, spdlog::level::warn, ctx, "cannot connect: {}", detail);
      break;
    case State::unknown:
      break;
  }
}

}  // namespace pivot::tools
