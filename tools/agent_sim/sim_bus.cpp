#include "sim_bus.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <zmq.hpp>

#include "pivot/log.hpp"
#include "pivot/protocol/boot_id.hpp"
#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/topic.hpp"

namespace pivot::agent_sim {
namespace {

std::uint64_t wall_us() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

void set_curve(zmq::socket_t& socket, const AgentKey& key, const std::string& server_key) {
  socket.set(zmq::sockopt::curve_serverkey, server_key);
  socket.set(zmq::sockopt::curve_publickey, key.public_key);
  socket.set(zmq::sockopt::curve_secretkey, key.secret_key);
}

std::uint32_t percentile(std::vector<std::uint32_t>& values, double p) {
  if (values.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

}  // namespace

SimBus::SimBus(std::vector<SimCluster>& clusters, std::vector<AgentKey> keys, SimBusOptions options)
    : clusters_(clusters), keys_(std::move(keys)), options_(std::move(options)), log_(log::get("agent_sim")) {
  for (std::size_t c = 0; c < clusters_.size(); ++c) {
    first_agent_.push_back(agents_.size());
    for (std::size_t n = 0; n < clusters_[c].size(); ++n) agents_.push_back({c, n, protocol::new_boot_id(), 0, false});
  }
}

SimBus::~SimBus() {
  pubs_.clear();
  subs_.clear();
  context_.reset();
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (timer_fd_ >= 0) ::close(timer_fd_);
}

Result<void> SimBus::open() {
  if (keys_.size() != agents_.size()) {
    return make_error("keys", std::to_string(keys_.size()) + " keys for " + std::to_string(agents_.size()) + " agents");
  }
  try {
    context_ = std::make_unique<zmq::context_t>(1);
    // Two sockets per agent; libzmq's default cap is 1023.
    context_->set(zmq::ctxopt::max_sockets, static_cast<int>(2 * agents_.size() + 64));
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    timer_fd_ = ::timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
    if (epoll_fd_ < 0 || timer_fd_ < 0) return make_error("epoll", "cannot create the epoll set or the timer");
    epoll_event timer{};
    timer.events = EPOLLIN;
    timer.data.u64 = 0;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &timer);
    for (std::size_t a = 0; a < agents_.size(); ++a) {
      const auto& agent = agents_[a];
      auto pub = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::pub);
      pub->set(zmq::sockopt::linger, 0);
      pub->set(zmq::sockopt::sndhwm, 1000);  // as the real agent's
      set_curve(*pub, keys_[a], options_.server_key);
      auto sub = std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::sub);
      sub->set(zmq::sockopt::linger, 0);
      set_curve(*sub, keys_[a], options_.server_key);
      const auto& cluster = clusters_[agent.cluster];
      sub->set(zmq::sockopt::subscribe,
               protocol::make_topic(protocol::Channel::commands, cluster.name(), cluster.spec(agent.node).name));
      epoll_event watch{};
      watch.events = EPOLLIN;
      watch.data.u64 = a + 1;
      if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, sub->get(zmq::sockopt::fd), &watch) != 0) {
        return make_error("epoll", "cannot watch agent " + std::to_string(a) + "'s commands socket");
      }
      pubs_.push_back(std::move(pub));
      subs_.push_back(std::move(sub));
    }
  } catch (const zmq::error_t& e) {
    return make_error("zmq", std::string("cannot set up the agents' sockets: ") + e.what() +
                                 " (descriptors: see ulimit -n and agent_sim run --agents-per-process)");
  }
  // Every millisecond boundary of the wall clock, from the next one on.
  const std::uint64_t next_us = (wall_us() / 1000 + 1) * 1000;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(next_us / 1000000);
  spec.it_value.tv_nsec = static_cast<long>((next_us % 1000000) * 1000);
  spec.it_interval.tv_nsec = 1000000;
  if (::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr) != 0) {
    return make_error("timer", "cannot arm the millisecond timer");
  }
  return ok();
}

void SimBus::connect(std::size_t a) {
  try {
    pubs_[a]->connect(options_.events);
    subs_[a]->connect(options_.commands);
    agents_[a].connected = true;
  } catch (const zmq::error_t& e) {
    log_->error("agent {} cannot connect: {}", a, e.what());
  }
}

void SimBus::send(std::size_t a, protocol::Body body) {
  Agent& agent = agents_[a];
  const auto& cluster = clusters_[agent.cluster];
  const std::uint64_t now = wall_us();
  protocol::Message message{{cluster.name(), cluster.spec(agent.node).name, agent.boot_id, ++agent.seq, now / 1000},
                            std::move(body)};
  const std::string topic = protocol::topic_of(message);
  const std::string payload = protocol::encode(message);
  try {
    if (!pubs_[a]->send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait) ||
        !pubs_[a]->send(zmq::buffer(payload), zmq::send_flags::dontwait)) {
      ++dropped_;
      return;
    }
  } catch (const zmq::error_t& e) {
    ++dropped_;
    return;
  }
  offsets_us_.push_back(static_cast<std::uint32_t>(now % 1000));
}

void SimBus::send_output(std::size_t cluster, const SimOutput& output) {
  const std::size_t a = first_agent_[cluster] + output.node;
  for (const auto& e : output.events) {
    send(a, e);
    ++events_;
  }
  for (const auto& r : output.results) {
    send(a, r);
    ++results_;
  }
  if (output.state) {
    send(a, *output.state);
    ++states_;
  }
}

void SimBus::drain_commands(std::size_t a, std::uint64_t now_ms) {
  auto& sub = *subs_[a];
  const Agent& agent = agents_[a];
  SimCluster& cluster = clusters_[agent.cluster];
  // ZMQ_FD only says "look": the socket's events say whether a message waits.
  while (sub.get(zmq::sockopt::events) & ZMQ_POLLIN) {
    std::vector<zmq::message_t> frames;
    zmq::message_t part;
    while (sub.recv(part, zmq::recv_flags::dontwait)) {
      const bool more = part.more();
      frames.push_back(std::move(part));
      part = zmq::message_t();
      if (!more) break;
    }
    if (frames.size() != 2) {
      ++bad_input_;
      continue;
    }
    auto decoded = protocol::decode(frames[0].to_string_view(), frames[1].to_string_view());
    const auto* command = decoded ? std::get_if<protocol::Command>(&decoded->body) : nullptr;
    if (!command || decoded->envelope.cluster != cluster.name() ||
        decoded->envelope.node != cluster.spec(agent.node).name) {
      ++bad_input_;
      log_->warn("agent {}.{}: bad input on the commands channel: {}", cluster.name(), cluster.spec(agent.node).name,
                 decoded ? "not a command for this node" : decoded.error().message);
      continue;
    }
    ++commands_;
    log_->debug("agent {}.{}: command {} {}", cluster.name(), cluster.spec(agent.node).name, command->action,
                command->id);
    if (auto answer = cluster.receive(agent.node, *command, now_ms)) {
      send(a, *answer);
      ++results_;
    } else if (std::find(waiting_.begin(), waiting_.end(), agent.cluster) == waiting_.end()) {
      waiting_.push_back(agent.cluster);
    }
  }
}

void SimBus::report(std::uint64_t now_ms) {
  std::size_t connected = 0;
  for (const auto& a : agents_) connected += a.connected;
  const auto p50 = percentile(offsets_us_, 0.50);
  const auto p99 = percentile(offsets_us_, 0.99);
  log_->info("agents {} connected {}; sent states {} events {} results {}; commands {} bad_input {} dropped {}; "
             "stamp offset us p50 {} p99 {} (over {} messages)",
             agents_.size(), connected, states_, events_, results_, commands_, bad_input_, dropped_, p50, p99,
             offsets_us_.size());
  offsets_us_.clear();
  (void)now_ms;
}

void SimBus::run(const std::atomic<bool>& stop) {
  const std::uint64_t interval = std::max<std::uint64_t>(options_.interval_ms, 1);
  // Each agent's phase in the interval, spread evenly, from a random start so
  // that several processes do not tick together.
  std::vector<std::vector<std::size_t>> buckets(interval);
  const std::uint64_t offset = std::random_device{}() % interval;
  for (std::size_t a = 0; a < agents_.size(); ++a) {
    buckets[(offset + a * interval / agents_.size()) % interval].push_back(a);
  }
  std::size_t next_connect = 0;
  double connect_credit = 0;
  std::uint64_t last_ms = wall_us() / 1000;
  std::uint64_t next_report_ms = last_ms + options_.report_every_s * 1000;
  std::vector<epoll_event> ready(512);
  while (!stop.load()) {
    const int n = ::epoll_wait(epoll_fd_, ready.data(), static_cast<int>(ready.size()), 100);
    const std::uint64_t now_ms = wall_us() / 1000;
    for (int i = 0; i < n; ++i) {
      if (ready[i].data.u64 == 0) {
        std::uint64_t expirations = 0;
        (void)!::read(timer_fd_, &expirations, sizeof expirations);
      } else {
        drain_commands(ready[i].data.u64 - 1, now_ms);
      }
    }
    if (now_ms > last_ms) {
      // Connect a few agents per millisecond: pivotd's ZAP handler sees a
      // steady stream of handshakes rather than thousands at once.
      connect_credit += static_cast<double>(options_.connect_per_s) * static_cast<double>(now_ms - last_ms) / 1000.0;
      while (next_connect < agents_.size() && connect_credit >= 1) {
        connect(next_connect++);
        connect_credit -= 1;
      }
      if (next_connect == agents_.size()) connect_credit = 0;
      // Every millisecond since the last pass (at most one interval's worth).
      for (std::uint64_t t = std::max(last_ms + 1, now_ms >= interval ? now_ms - interval + 1 : 0); t <= now_ms; ++t) {
        for (std::size_t a : buckets[t % interval]) {
          if (!agents_[a].connected) continue;
          send_output(agents_[a].cluster, clusters_[agents_[a].cluster].probe(agents_[a].node, now_ms));
        }
      }
      last_ms = now_ms;
    }
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      SimCluster& cluster = clusters_[*it];
      for (const auto& output : cluster.due(now_ms)) send_output(*it, output);
      it = cluster.next_due_ms() ? it + 1 : waiting_.erase(it);
    }
    if (now_ms >= next_report_ms) {
      report(now_ms);
      next_report_ms = now_ms + options_.report_every_s * 1000;
    }
  }
  report(wall_us() / 1000);
}

}  // namespace pivot::agent_sim
