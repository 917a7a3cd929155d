// pivot-agent's command channel as a process on a real cluster, a test
// publisher standing in for pivotd: a repeated id is not run twice, a stale
// epoch is refused (also after a restart), bad input changes nothing, CURVE
// with the wrong server key never delivers a command.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>

#include "agent_fixture.hpp"
#include "pivot/curve_keys.hpp"
#include "pivot/mysql/session.hpp"
#include "pivot/protocol/codec.hpp"
#include "pivot/test/process.hpp"

namespace pivot::test {
namespace {

class AgentCommandTest : public AgentProcessTest {
 protected:
  static void SetUpTestSuite() {
    start_cluster({.nodes = 2, .name = "commands"});
    mysql::init_driver();
  }

  static protocol::Command command(const std::string& id, std::uint64_t epoch, const std::string& action,
                                   protocol::ValueMap args = {}) {
    protocol::Command c;
    c.id = id;
    c.epoch = epoch;
    c.action = action;
    c.args = std::move(args);
    c.timeout_ms = 10000;
    return c;
  }

  std::optional<protocol::CommandResult> run(CommandSource& source, EventSink& sink, const protocol::Command& c,
                                             int node = 1) {
    return source.send_until_result(sink, "agents", "db" + std::to_string(node), c, 20s);
  }

  // A root session over the socket: root writes through read_only, which is
  // what kill_connections is for.
  mysql::Session root_session(int node) {
    mysql::SessionOptions o;
    o.socket = cluster().socket(node).string();
    o.user = "root";
    auto s = mysql::Session::open(o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return std::move(s).value();
  }

  mysql::ThreadScope thread_scope_;
};

TEST_F(AgentCommandTest, ARepeatedIdIsAnsweredFromTheCacheAndNotRunTwice) {
  EventSink sink;
  CommandSource source;
  AgentProcess agent(args(1, sink.endpoint(), source.endpoint()));
  mysql::Session before = root_session(1);
  auto first = run(source, sink, command("kill-1", 1, "kill_connections"));
  ASSERT_TRUE(first) << agent.log();
  ASSERT_TRUE(first->ok) << agent.log();
  EXPECT_FALSE(before.query_value("SELECT 1").ok()) << "the root session was killed";

  mysql::Session after = root_session(1);
  auto again = run(source, sink, command("kill-1", 2, "kill_connections"));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *first) << "the stored result, byte for byte";
  EXPECT_TRUE(after.query_value("SELECT 1").ok()) << "not run again: the new session lives";
  EXPECT_NE(agent.log().find("command seen before"), std::string::npos);

  auto fresh = run(source, sink, command("kill-2", 2, "kill_connections"));
  ASSERT_TRUE(fresh && fresh->ok);
  EXPECT_FALSE(after.query_value("SELECT 1").ok()) << "a new id runs";
}

TEST_F(AgentCommandTest, AStaleEpochIsRefusedAlsoAfterARestartUntilResetEpoch) {
  EventSink sink;
  CommandSource source;
  {
    AgentProcess agent(args(2, sink.endpoint(), source.endpoint()));
    auto newer = run(source, sink, command("pos-10", 10, "report_position"), 2);
    ASSERT_TRUE(newer && newer->ok) << agent.log();
    auto stale = run(source, sink, command("pos-9", 9, "report_position"), 2);
    ASSERT_TRUE(stale);
    EXPECT_FALSE(stale->ok);
    EXPECT_EQ(stale->error, "stale_epoch");
    agent.signal(SIGTERM);
    ASSERT_TRUE(agent.wait_exit(3s));
  }
  {
    AgentProcess agent(args(2, sink.endpoint(), source.endpoint()));
    auto stale = run(source, sink, command("pos-9b", 9, "report_position"), 2);
    ASSERT_TRUE(stale) << agent.log();
    EXPECT_EQ(stale->error, "stale_epoch") << "the epoch survived the restart";
    agent.signal(SIGTERM);
    ASSERT_TRUE(agent.wait_exit(3s));
  }
  AgentProcess reset({"reset-epoch", "--state-dir", state_dir(2).string()});
  ASSERT_EQ(reset.wait_exit(5s), 0) << reset.log();
  AgentProcess agent(args(2, sink.endpoint(), source.endpoint()));
  auto accepted = run(source, sink, command("pos-9c", 9, "report_position"), 2);
  ASSERT_TRUE(accepted) << agent.log();
  EXPECT_TRUE(accepted->ok) << "after reset-epoch the rebuilt controller is accepted";
}

TEST_F(AgentCommandTest, BadInputIsLoggedAnsweredWhereItCanBeAndChangesNothing) {
  EventSink sink;
  CommandSource source;
  AgentProcess agent(args(2, sink.endpoint(), source.endpoint()));
  // Wait until the agent listens: a valid command answered.
  ASSERT_TRUE(run(source, sink, command("ping", 1, "report_position"), 2)) << agent.log();
  const std::string topic = "cmd/agents/db2/";

  source.send_frames({topic, "\xdd\xdd\xdd\x8a\x8a"});                    // a 2^37-byte array header
  source.send_frames({topic, "not msgpack at all"});                      // an int, then trailing bytes
  source.send_frames({topic, "\xc1"});                                   // a byte MessagePack never uses
  source.send_frames({topic, "a", "b"});                                 // three frames
  source.send_frames({topic});                                           // one frame
  // Undecodable (v: 99) but its id readable: answered with bad_command.
  {
    protocol::Message m{{"agents", "db2", "b", 1, 0}, command("broken-v", 1, "set_read_only", {{"read_only", false}})};
    std::string payload = protocol::encode(m);
    const auto v = payload.find("\xa1v\x01");
    ASSERT_NE(v, std::string::npos);
    payload[v + 2] = 99;
    source.send_frames({topic, payload});
    auto r = sink.wait_for([](const Message& m) {
      auto* r = std::get_if<protocol::CommandResult>(&m.body);
      return r && r->id == "broken-v";
    }, 5s);
    ASSERT_TRUE(r) << agent.log();
    EXPECT_EQ(std::get<protocol::CommandResult>(r->body).error, "bad_command");
  }
  auto unknown = run(source, sink, command("drop", 1, "drop_database"), 2);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->error, "unknown_action");
  auto typo = run(source, sink, command("typo", 1, "set_read_only", {{"read_onyl", false}}), 2);
  ASSERT_TRUE(typo);
  EXPECT_EQ(typo->error, "unknown_arg");
  auto wrong_type = run(source, sink, command("type", 1, "set_read_only", {{"read_only", std::string("no")}}), 2);
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(wrong_type->error, "wrong_arg_type");

  EXPECT_EQ(cluster().value(2, "SELECT @@global.read_only"), "1") << "nothing was executed";
  auto still = run(source, sink, command("still-alive", 1, "report_position"), 2);
  ASSERT_TRUE(still && still->ok) << "the agent keeps running\n" << agent.log();
  const std::string log = agent.log();
  EXPECT_NE(log.find("limit_exceeded"), std::string::npos) << log;
  EXPECT_NE(log.find("trailing_bytes"), std::string::npos) << log;
  EXPECT_NE(log.find("not_msgpack"), std::string::npos) << log;
  EXPECT_NE(log.find("must be 2 frames"), std::string::npos) << log;
}

TEST_F(AgentCommandTest, CurveWithTheRightServerKeyWorksAndWithAWrongOneNothingIsDelivered) {
  auto server = curve::generate();
  auto impostor = curve::generate();
  ASSERT_TRUE(server && impostor);
  const ServerKeys keys{server->public_key, server->secret_key};
  const auto dir = cluster().dir() / "keys";
  std::filesystem::create_directories(dir);
  AgentProcess keygen({"keygen", "--out", dir.string()});
  ASSERT_EQ(keygen.wait_exit(5s), 0) << keygen.log();
  struct stat st{};
  ASSERT_EQ(::stat((dir / "agent.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  AgentProcess again({"keygen", "--out", dir.string()});
  EXPECT_EQ(again.wait_exit(5s), 2) << "keygen refuses to overwrite without --force";
  std::ofstream(dir / "controller.pub") << server->public_key << "\n";
  std::ofstream(dir / "wrong.pub") << impostor->public_key << "\n";

  auto secure_args = [&](const std::string& controller_pub, const std::string& events, const std::string& commands) {
    auto a = args(1, events, commands);
    a.erase(a.begin());  // no --insecure
    for (auto extra : {"--key", "--controller-key"}) a.push_back(extra), a.push_back("");
    a[a.size() - 3] = (dir / "agent.key").string();
    a[a.size() - 1] = (dir / controller_pub).string();
    return a;
  };
  {
    EventSink sink(&keys);
    CommandSource source(&keys);
    AgentProcess agent(secure_args("controller.pub", sink.endpoint(), source.endpoint()));
    auto r = run(source, sink, command("curve-ok", 1, "report_position"));
    ASSERT_TRUE(r) << agent.log();
    EXPECT_TRUE(r->ok);
  }
  EventSink sink(&keys);
  CommandSource source(&keys);
  AgentProcess agent(secure_args("wrong.pub", sink.endpoint(), source.endpoint()));
  mysql::Session watcher = root_session(1);
  auto r = source.send_until_result(sink, "agents", "db1", command("curve-bad", 1, "kill_connections"), 4s);
  EXPECT_FALSE(r) << "a command reached an agent that does not trust this server";
  EXPECT_TRUE(watcher.query_value("SELECT 1").ok()) << "nothing was run";
  EXPECT_FALSE(sink.next(500ms)) << "and nothing it published was accepted";
}

TEST_F(AgentCommandTest, AFenceWhoseSessionDiesIsSaidAtOnceByAnEvent) {
  EventSink sink;
  CommandSource source;
  AgentProcess agent(args(1, sink.endpoint(), source.endpoint()));
  auto fenced = run(source, sink, command("fence-1", 1, "fence_writes", {{"lease_ms", std::int64_t{60000}}}));
  ASSERT_TRUE(fenced) << agent.log();
  ASSERT_TRUE(fenced->ok) << agent.log();
  EXPECT_FALSE(sink.wait_for([](const Message& m) { return is_event(m, EventKind::fence_lost); }, 500ms))
      << "a held fence is not lost";

  // Every session of the agent's account, the fence's among them (the probe
  // and the action session reconnect by themselves).
  mysql::Session root = root_session(1);
  auto ids = root.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'pivot'");
  ASSERT_TRUE(ids.ok());
  for (const auto& row : ids->rows) ASSERT_TRUE(root.execute("KILL CONNECTION " + row.at(0).value_or("0")).ok());
  const auto killed = std::chrono::steady_clock::now();
  auto lost = sink.wait_for([](const Message& m) { return is_event(m, EventKind::fence_lost); }, 3s);
  ASSERT_TRUE(lost) << "no fence_lost event\n" << agent.log();
  EXPECT_LT(std::chrono::steady_clock::now() - killed, 1s) << "said within the agent's 100 ms check, not later";
  EXPECT_NE(agent.log().find("fence lost"), std::string::npos);

  auto released = run(source, sink, command("release-1", 1, "release_fence"));
  ASSERT_TRUE(released) << agent.log();
  EXPECT_FALSE(released->ok);
  EXPECT_EQ(released->error, "fence_lost");
}

}  // namespace
}  // namespace pivot::test
