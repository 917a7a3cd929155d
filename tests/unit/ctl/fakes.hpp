#pragma once
// Test doubles for pivotctl: a transport with canned replies that records
// every call, a manual clock whose sleeps only move time, and a harness that
// runs the whole program with injected stdin, stdout, stderr and terminals.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "pivot/controller/pivot_executor.hpp"
#include "pivot/controller/pivot_status.hpp"
#include "pivot/ctl/clock.hpp"
#include "pivot/ctl/context.hpp"
#include "pivot/ctl/pivotctl.hpp"
#include "pivot/ctl/transport.hpp"

namespace pivot::ctl::testing {

using nlohmann::json;

inline HttpReply reply(int status, const json& body) { return HttpReply{status, body.dump()}; }
inline HttpReply error_reply(int status, const std::string& slug, const std::string& message) {
  return reply(status, json{{"error", slug}, {"message", message}});
}

class FakeTransport : public Transport {
 public:
  struct Call {
    Method method;
    std::string target;
    std::string body;
    std::string token;
  };

  // Successive replies to (method, target); the last one repeats.
  void on(Method method, const std::string& target, std::vector<HttpReply> replies) {
    routes_[{method, target}] = Route{std::move(replies), 0};
  }
  void on(Method method, const std::string& target, HttpReply single) { on(method, target, std::vector{single}); }
  void unreachable(std::string why) { unreachable_ = std::move(why); }
  // What GET `target` streams: the pieces handed to the sink in order, then
  // pivotd closes it. Without one, the transport cannot stream (the default).
  void on_stream(const std::string& target, std::vector<std::string> pieces) {
    on_stream(target, std::vector<StreamConnection>{{std::move(pieces), false, 200}});
  }
  // One connection of a stream: its pieces; then pivotd closes it, or with
  // `stay_open` it stays silent, the sink getting ticks (no bytes, about
  // every millisecond) until it stops reading. A status other than 200 is a
  // refusal whose body is pieces[0].
  struct StreamConnection {
    std::vector<std::string> pieces;
    bool stay_open = false;
    int status = 200;
  };
  // Successive connections to `target`; the last one repeats.
  void on_stream(const std::string& target, std::vector<StreamConnection> connections) {
    streams_[target] = StreamRoute{std::move(connections), 0};
  }
  // GET `target` as a stream is refused with this answer.
  void refuse_stream(const std::string& target, HttpReply refusal) {
    on_stream(target, std::vector<StreamConnection>{{{refusal.body}, false, refusal.status}});
  }
  // Called before each reply (e.g. to look at what was printed so far).
  std::function<void(const Call&)> before_reply;

  Result<HttpReply> request(Method method, const std::string& target, const std::string& body,
                            const std::string& token) override {
    calls.push_back({method, target, body, token});
    if (before_reply) before_reply(calls.back());
    if (unreachable_) return make_error("unreachable", *unreachable_);
    auto it = routes_.find({method, target});
    if (it == routes_.end()) return error_reply(404, "not_found", "the fake has no route for " + target);
    Route& route = it->second;
    const std::size_t i = std::min(route.next, route.replies.size() - 1);
    ++route.next;
    return route.replies[i];
  }

  Result<HttpReply> stream(const std::string& target, const std::string& token, const std::string& last_event_id,
                           const StreamSink& sink) override {
    calls.push_back({Method::get, target, "", token});
    last_event_ids.push_back(last_event_id);
    if (unreachable_) return make_error("unreachable", *unreachable_);
    auto it = streams_.find(target);
    if (it == streams_.end()) return Transport::stream(target, token, last_event_id, sink);
    StreamRoute& route = it->second;
    const StreamConnection& connection = route.connections[std::min(route.next, route.connections.size() - 1)];
    ++route.next;
    if (connection.status != 200) return HttpReply{connection.status, connection.pieces.front()};
    for (const auto& piece : connection.pieces) {
      if (!sink(piece)) return HttpReply{200, ""};
    }
    while (connection.stay_open && sink({})) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return HttpReply{200, ""};
  }

  std::vector<Call> posts() const {
    std::vector<Call> out;
    for (const auto& c : calls) {
      if (c.method == Method::post) out.push_back(c);
    }
    return out;
  }

  std::vector<Call> calls;
  std::vector<std::string> last_event_ids;  // each stream's Last-Event-ID ("" for none), in order

 private:
  struct Route {
    std::vector<HttpReply> replies;
    std::size_t next = 0;
  };
  std::map<std::pair<Method, std::string>, Route> routes_;
  struct StreamRoute {
    std::vector<StreamConnection> connections;
    std::size_t next = 0;
  };
  std::map<std::string, StreamRoute> streams_;
  std::optional<std::string> unreachable_;
};

// The program owns its transport; tests keep theirs.
class BorrowedTransport : public Transport {
 public:
  explicit BorrowedTransport(Transport& inner) : inner_(inner) {}
  Result<HttpReply> request(Method method, const std::string& target, const std::string& body,
                            const std::string& token) override {
    return inner_.request(method, target, body, token);
  }
  Result<HttpReply> stream(const std::string& target, const std::string& token, const std::string& last_event_id,
                           const StreamSink& sink) override {
    return inner_.stream(target, token, last_event_id, sink);
  }

 private:
  Transport& inner_;
};

class ManualClock : public Clock {
 public:
  std::uint64_t now_ms() override { return now; }
  void sleep_ms(std::uint64_t ms) override {
    now += ms;
    ++sleeps;
  }
  // The wall clock moves with `now`, from 2026-11-24T20:15:03.123Z at now = 1000.
  std::uint64_t wall_ms() override { return kWallAtStart + now - 1000; }
  static constexpr std::uint64_t kWallAtStart = 1795551303123;
  std::uint64_t now = 1000;
  int sleeps = 0;
};

struct Harness {
  FakeTransport transport;
  ManualClock clock;
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  std::map<std::string, std::string> env;
  bool stdin_terminal = false;
  bool stdout_terminal = false;
  std::string connected_to;  // the URL the program built its transport for

  int run(const std::vector<std::string>& args) {
    Context context{in,
                    out,
                    err,
                    stdin_terminal,
                    stdout_terminal,
                    [this](const std::string& name) -> std::optional<std::string> {
                      auto it = env.find(name);
                      if (it == env.end()) return std::nullopt;
                      return it->second;
                    },
                    clock,
                    [this](const ControllerUrl& url) -> std::unique_ptr<Transport> {
                      connected_to = url.text;
                      return std::make_unique<BorrowedTransport>(transport);
                    }};
    return run_pivotctl(args, context);
  }
};

// Canned API bodies (the shapes of ARCHITECTURE.md, "REST API").

inline json step(const std::string& name, const std::string& state, const std::string& started,
                 const std::string& finished, json detail = json::object()) {
  return {{"name", name},
          {"state", state},
          {"started_at", started},
          {"finished_at", finished.empty() ? json() : json(finished)},
          {"detail", std::move(detail)}};
}

inline json job(const std::string& id, const std::string& kind, const std::string& state, json steps = json::array(),
                json result = nullptr) {
  return {{"id", id},           {"kind", kind},
          {"cluster", "sms-1"}, {"state", state},
          {"requested_by", "alice"}, {"created_at", "2026-11-24T20:15:03.123Z"},
          {"steps", std::move(steps)}, {"result", std::move(result)}};
}

// A check as pivotd reports it; `id` must be one pivotd has
// (pivot_check_ids()), so a renamed check cannot live on in the fakes.
inline json check(const std::string& id, bool ok, const std::string& detail) {
  const auto ids = controller::pivot_check_ids();
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) throw std::logic_error("pivotd has no check '" + id + "'");
  return {{"id", id}, {"ok", ok}, {"detail", detail}};
}

// db2 chosen, every check passing but the AZ spread when `eligible` is false.
inline json pivot_status_result(bool eligible) {
  return {{"eligible", eligible},
          {"primary", "db1"},
          {"candidate", "db2"},
          {"candidate_reason", "least lag, priority 10"},
          {"rejected",
           json::array({{{"node", "db1"}, {"reason", "db1 is the current primary"}},
                        {{"node", "db4"}, {"reason", "db4 is a backup node"}}})},
          {"checks", json::array({check("agents_fresh", true, "every agent reported within 3000 ms"),
                                  check("candidate_lag", true, "db2 is 0 s behind (limit 5 s)"),
                                  check("az_spread", eligible,
                                        eligible ? "3 AZs (a, b, c), 2 needed" : "1 AZ (a), 2 needed")})}};
}

// The line the plan view prints for step `index` (1-based) of pivotd's plan,
// e.g. "    12. verify".
inline std::string plan_line(std::size_t index) {
  const auto steps = controller::pivot_plan_steps();
  std::string number = std::to_string(index);
  return std::string(6 - std::min<std::size_t>(6, number.size()), ' ') + number + ". " + steps.at(index - 1);
}
inline std::size_t plan_size() { return controller::pivot_plan_steps().size(); }

inline json dry_run_result() {
  json r = pivot_status_result(true);
  r["plan"] = controller::pivot_plan_steps();  // pivotd's own list, never a copy
  return r;
}

}  // namespace pivot::ctl::testing
