#include "agent_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/topic.hpp"

extern char** environ;

namespace pivot::test {
namespace {

std::filesystem::path agent_binary() {
  const char* dir = std::getenv("PIVOT_BIN_DIR");
  return std::filesystem::path(dir ? dir : PIVOT_DEFAULT_BIN_DIR) / "pivot-agent";
}

}  // namespace

AgentProcess::AgentProcess(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  char tmpl[] = "/tmp/pivot-agent-test-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::vector<std::string> argv{agent_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, (dir_ / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> env_strings(env);
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);  // later duplicates lose
  std::vector<char*> cenv;
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  const int rc = posix_spawn(&pid_, cargv[0], &actions, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

AgentProcess::~AgentProcess() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void AgentProcess::signal(int sig) const {
  if (!reaped_) ::kill(pid_, sig);
}

std::optional<int> AgentProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

std::string AgentProcess::log() const {
  std::ifstream in(dir_ / "err");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace {

void serve_curve(zmq::socket_t& socket, const ServerKeys* curve) {
  if (!curve) return;
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, curve->secret_key);
}

}  // namespace

EventSink::EventSink(const ServerKeys* curve) {
  socket_.set(zmq::sockopt::linger, 0);
  serve_curve(socket_, curve);
  socket_.set(zmq::sockopt::subscribe, "evt/");
  socket_.bind("tcp://127.0.0.1:*");
  endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
}

std::optional<protocol::Message> EventSink::next(std::chrono::milliseconds timeout) {
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  if (zmq::poll(items, 1, timeout) <= 0) return std::nullopt;
  zmq::message_t topic, payload;
  if (!socket_.recv(topic) || !topic.more() || !socket_.recv(payload)) {
    ADD_FAILURE() << "a message without its two frames";
    return std::nullopt;
  }
  auto decoded = protocol::decode(topic.to_string_view(), payload.to_string_view());
  if (!decoded) {
    ADD_FAILURE() << "undecodable message: " << decoded.error().message;
    return std::nullopt;
  }
  return std::move(decoded).value();
}

CommandSource::CommandSource(const ServerKeys* curve) {
  socket_.set(zmq::sockopt::linger, 0);
  serve_curve(socket_, curve);
  socket_.bind("tcp://127.0.0.1:*");
  endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
}

void CommandSource::send(const std::string& cluster, const std::string& node, const protocol::Command& command) {
  protocol::Message m{{cluster, node, "test-controller", ++seq_, 0}, command};
  send_frames({protocol::topic_of(m), protocol::encode(m)});
}

void CommandSource::send_frames(const std::vector<std::string>& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    (void)socket_.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

std::optional<protocol::CommandResult> CommandSource::send_until_result(EventSink& sink, const std::string& cluster,
                                                                        const std::string& node,
                                                                        const protocol::Command& command,
                                                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    send(cluster, node, command);
    auto m = sink.wait_for(
        [&](const protocol::Message& m) {
          auto* r = std::get_if<protocol::CommandResult>(&m.body);
          return r && r->id == command.id;
        },
        std::chrono::milliseconds(300));
    if (m) return std::get<protocol::CommandResult>(m->body);
  }
  return std::nullopt;
}

}  // namespace pivot::test
