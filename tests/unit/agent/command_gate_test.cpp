#include "pivot/agent/command_gate.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "pivot/epoch_file.hpp"

namespace pivot::agent {
namespace {

using Kind = Admission::Kind;

protocol::Command command(const std::string& id, std::uint64_t epoch, const std::string& action = "stop_replication") {
  protocol::Command c;
  c.id = id;
  c.epoch = epoch;
  c.action = action;
  c.timeout_ms = 1000;
  return c;
}

protocol::CommandResult done(const std::string& id) {
  protocol::CommandResult r;
  r.id = id;
  r.ok = true;
  r.detail["was_running"] = true;
  r.duration_ms = 3;
  return r;
}

TEST(CommandGate, RunsANewCommandOnceAndReplaysItsResult) {
  CommandGate gate(5);
  auto first = gate.admit(command("j1-fence", 5));
  EXPECT_EQ(first.kind, Kind::run);
  EXPECT_FALSE(first.raises_epoch);
  EXPECT_EQ(gate.admit(command("j1-fence", 5)).kind, Kind::in_flight) << "a re-send while it runs";
  gate.finished(done("j1-fence"));
  auto again = gate.admit(command("j1-fence", 5));
  EXPECT_EQ(again.kind, Kind::replay);
  EXPECT_EQ(again.answer, done("j1-fence"));
}

TEST(CommandGate, ASeenIdIsNotRunAgainUnderANewerEpoch) {
  CommandGate gate(5);
  ASSERT_EQ(gate.admit(command("j1-fence", 5)).kind, Kind::run);
  gate.finished(done("j1-fence"));
  auto after_restart = gate.admit(command("j1-fence", 6));
  EXPECT_EQ(after_restart.kind, Kind::replay);
}

TEST(CommandGate, NewerEpochIsRaisedAndOlderRefused) {
  CommandGate gate(5);
  auto newer = gate.admit(command("a", 7));
  EXPECT_EQ(newer.kind, Kind::run);
  EXPECT_TRUE(newer.raises_epoch);
  EXPECT_EQ(gate.highest_epoch(), 7u);
  auto stale = gate.admit(command("b", 6));
  EXPECT_EQ(stale.kind, Kind::refuse);
  EXPECT_EQ(stale.answer.error, "stale_epoch");
  EXPECT_FALSE(stale.answer.ok);
  EXPECT_NE(std::get<std::string>(stale.answer.detail.at("message")).find("epoch 6 is older than 7"),
            std::string::npos);
  EXPECT_EQ(gate.admit(command("b", 6)).kind, Kind::replay) << "the same answer to a re-send";
}

TEST(CommandGate, BadArgsAndUnknownActionsAreRefusedWithTheirCode) {
  CommandGate gate(1);
  auto unknown = gate.admit(command("x", 1, "drop_database"));
  EXPECT_EQ(unknown.kind, Kind::refuse);
  EXPECT_EQ(unknown.answer.error, "unknown_action");
  auto c = command("y", 1, "set_read_only");
  c.args["read_onyl"] = true;
  auto typo = gate.admit(c);
  EXPECT_EQ(typo.kind, Kind::refuse);
  EXPECT_EQ(typo.answer.error, "unknown_arg");
}

TEST(CommandGate, ForgetsTheOldestBeyondItsCapacity) {
  CommandGate gate(1, 2);
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_EQ(gate.admit(command(id, 1)).kind, Kind::run);
    gate.finished(done(id));
  }
  EXPECT_EQ(gate.admit(command("c", 1)).kind, Kind::replay);
  EXPECT_EQ(gate.admit(command("a", 1)).kind, Kind::run);
}

class EpochFileTest : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("pivot-epoch-" + std::to_string(::getpid()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void TearDown() override { std::filesystem::remove_all(dir); }
};

TEST_F(EpochFileTest, StartsAtZeroThenKeepsWhatWasSaved) {
  EpochFile store(dir.string());
  ASSERT_TRUE(store.load().ok());
  EXPECT_EQ(*store.load(), 0u);
  ASSERT_TRUE(store.save(42).ok());
  EXPECT_EQ(*EpochFile(dir.string()).load(), 42u) << "a new process reads it back";
  ASSERT_TRUE(store.reset().ok());
  EXPECT_EQ(*store.load(), 0u);
}

TEST_F(EpochFileTest, ACorruptFileIsAnErrorNeverZero) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "epoch") << "4x2\n";
  auto loaded = EpochFile(dir.string()).load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("is corrupt"), std::string::npos);
}

}  // namespace
}  // namespace pivot::agent
