// The v1 golden fixtures: committed bytes that must keep decoding to the same
// values and re-encode byte for byte, so that an accidental wire change fails
// here. To change the wire on purpose (a new field, a new version), run this
// test with PIVOT_WRITE_FIXTURES=1 and commit the new files with the change.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include <gtest/gtest.h>

#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/topic.hpp"
#include "sample_messages.hpp"

namespace pivot::protocol {
namespace {

namespace fs = std::filesystem;

fs::path fixture_path(const char* type) {
  const char* root = std::getenv("PIVOT_SOURCE_DIR");
  return fs::path(root != nullptr ? root : ".") / "tests/fixtures/protocol/v1" /
         (std::string(type) + ".msgpack");
}

bool writing_fixtures() {
  const char* flag = std::getenv("PIVOT_WRITE_FIXTURES");
  return flag != nullptr && std::string(flag) == "1";
}

// Reads the fixture, or writes it first when regenerating on purpose.
std::string fixture(const char* type, const Message& expected) {
  const fs::path path = fixture_path(type);
  if (writing_fixtures()) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << encode(expected);
  }
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path << " is missing (PIVOT_WRITE_FIXTURES=1 writes it)";
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Message decode_fixture(const char* type, const Message& expected) {
  const std::string bytes = fixture(type, expected);
  auto decoded = decode(topic_of(expected), bytes);
  EXPECT_TRUE(decoded.ok()) << type << ": " << decoded.error().code << ": "
                            << decoded.error().message;
  if (!decoded.ok()) return expected;
  EXPECT_EQ(encode(*decoded), bytes) << type << ": re-encoding changed the bytes";
  return *decoded;
}

void expect_agent_envelope(const Envelope& env, const char* node, std::uint64_t seq) {
  EXPECT_EQ(env.cluster, "sms-1");
  EXPECT_EQ(env.node, node);
  EXPECT_EQ(env.boot_id, "7f3c2a90-5d1e-4b8e-9a41-0c6d2f18e377");
  EXPECT_EQ(env.seq, seq);
  EXPECT_EQ(env.ts_ms, 1795000000123u);
}

TEST(GoldenFixtureV1, State) {
  const Message m = decode_fixture("state", testing::mariadb_replica_state());
  expect_agent_envelope(m.envelope, "db2", 4711);
  const auto& s = std::get<NodeState>(m.body);
  EXPECT_EQ(s.cluster, "sms-1");
  EXPECT_EQ(s.node, "db2");
  EXPECT_EQ(s.flavor, Flavor::mariadb);
  EXPECT_EQ(s.version, "10.11.6-MariaDB-0+deb12u1-log");
  EXPECT_EQ(s.server_id, 2u);
  EXPECT_EQ(s.server_uuid, std::nullopt);
  EXPECT_EQ(s.gtid_domain_id, 0u);
  EXPECT_EQ(s.read_only, true);
  EXPECT_EQ(s.super_read_only, std::nullopt);
  EXPECT_EQ(s.gtid_binlog_pos, "0-1-1042,1-11-77");
  EXPECT_EQ(s.gtid_binlog_state, "0-1-1042,0-2-9,1-11-77");
  EXPECT_EQ(s.gtid_current_pos, "0-1-1042,1-11-77");
  EXPECT_EQ(s.gtid_slave_pos, "0-1-1042,1-11-77");
  EXPECT_EQ(s.gtid_executed, std::nullopt);
  EXPECT_EQ(s.gtid_strict_mode, true);
  EXPECT_EQ(s.log_bin, true);
  EXPECT_EQ(s.log_replica_updates, true);
  EXPECT_EQ(s.binlog_format, "ROW");
  EXPECT_EQ(s.report_host, "10.0.2.11");
  EXPECT_EQ(s.report_port, 3306);
  ASSERT_TRUE(s.replica.has_value());
  EXPECT_EQ(s.replica->source_host, "10.0.1.11");
  EXPECT_EQ(s.replica->source_port, 3306);
  EXPECT_EQ(s.replica->io_running, IoThread::yes);
  EXPECT_TRUE(s.replica->sql_running);
  EXPECT_EQ(s.replica->seconds_behind, 0u);
  EXPECT_EQ(s.replica->sql_delay, 0u);
  EXPECT_EQ(s.replica->using_gtid, GtidMode::slave_pos);
  EXPECT_EQ(s.replica->last_io_error, "");
  EXPECT_EQ(s.replica->last_sql_error, "");
  EXPECT_EQ(s.replica->received_gtids, "0-1-1042,1-11-77");
  EXPECT_EQ(s.replica->executed_gtids, "0-1-1042,1-11-77");
  EXPECT_EQ(s.semi_sync, (SemiSync{.source = false, .replica = true, .source_active = false,
                                   .wait_point = "AFTER_SYNC", .timeout_ms = 30000, .kill_conn_timeout_s = 1}));
  EXPECT_TRUE(s.mysql_reachable);
  EXPECT_EQ(s.probe_error, "");
  EXPECT_DOUBLE_EQ(s.probe_latency_ms, 0.84);
  EXPECT_EQ(s.agent_version, "0.1.0");
  EXPECT_EQ(s.uptime_s, 86400u);
  EXPECT_EQ(s.slave_net_timeout, 4u);
}

// The semi_sync keys added to v1 after slave_net_timeout (and the one after them).
void reset_semi_sync_status(NodeState& s) {
  s.semi_sync->source_active.reset();
  s.semi_sync->wait_point.reset();
  s.semi_sync->timeout_ms.reset();
  s.semi_sync->kill_conn_timeout_s.reset();
}

// An older agent's state fixture (kept byte for byte) decodes to the current
// sample less the fields added to v1 since: as a newer pivotd reads it.
void expect_older_state(const char* type, const std::function<void(NodeState&)>& without_later_fields) {
  const auto path = fixture_path(type);
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in.good()) << path << " is missing";
  const std::string bytes(std::istreambuf_iterator<char>(in), {});
  Message expected = testing::mariadb_replica_state();
  auto decoded = decode(topic_of(expected), bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().code << ": " << decoded.error().message;
  without_later_fields(std::get<NodeState>(expected.body));
  EXPECT_EQ(*decoded, expected);
}

// Before slave_net_timeout was added to v1 (and the semi_sync keys after it).
TEST(GoldenFixtureV1, StateFromAnAgentBeforeSlaveNetTimeout) {
  expect_older_state("state_before_slave_net_timeout", [](NodeState& s) {
    s.slave_net_timeout.reset();
    reset_semi_sync_status(s);
  });
}

// Before semi_sync's source_active, wait_point and timeout_ms were added.
TEST(GoldenFixtureV1, StateFromAnAgentBeforeSemiSyncStatus) {
  expect_older_state("state_before_semi_sync_status", reset_semi_sync_status);
}

// Before semi_sync's kill_conn_timeout_s was added.
TEST(GoldenFixtureV1, StateFromAnAgentBeforeKillConnTimeout) {
  expect_older_state("state_before_kill_conn_timeout",
                     [](NodeState& s) { s.semi_sync->kill_conn_timeout_s.reset(); });
}

TEST(GoldenFixtureV1, Event) {
  const Message m = decode_fixture("event", testing::mysql_down_event());
  expect_agent_envelope(m.envelope, "db1", 13);
  const auto& e = std::get<Event>(m.body);
  EXPECT_EQ(e.kind, EventKind::mysql_down);
  EXPECT_EQ(e.detail, "Lost connection to server during query (2013)");
}

TEST(GoldenFixtureV1, Command) {
  const Message m = decode_fixture("command", testing::change_source_command());
  EXPECT_EQ(m.envelope.cluster, "sms-1");
  EXPECT_EQ(m.envelope.node, "db3");
  EXPECT_EQ(m.envelope.boot_id, "c0ffee00-0000-4000-8000-000000000001");
  EXPECT_EQ(m.envelope.seq, 99u);
  EXPECT_EQ(m.envelope.ts_ms, 1795000000456u);
  const auto& c = std::get<Command>(m.body);
  EXPECT_EQ(c.id, "job-42/repoint/db3");
  EXPECT_EQ(c.epoch, 7u);
  EXPECT_EQ(c.action, "change_source");
  EXPECT_EQ(c.timeout_ms, 5000u);
  EXPECT_EQ(c.args, (ValueMap{{"host", std::string("10.0.2.11")},
                              {"port", std::int64_t{3306}},
                              {"use_gtid", std::string("slave_pos")},
                              {"seed_gtid_slave_pos", true}}));
}

TEST(GoldenFixtureV1, Result) {
  const Message m = decode_fixture("result", testing::change_source_result());
  expect_agent_envelope(m.envelope, "db3", 101);
  const auto& r = std::get<CommandResult>(m.body);
  EXPECT_EQ(r.id, "job-42/repoint/db3");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.duration_ms, 38u);
  EXPECT_EQ(r.detail, (ValueMap{{"previous_source_host", std::string("10.0.1.11")},
                                {"previous_source_port", std::int64_t{3306}},
                                {"gtid_slave_pos", std::string("0-1-1042,1-11-77")},
                                {"started", true}}));
}

}  // namespace
}  // namespace pivot::protocol
