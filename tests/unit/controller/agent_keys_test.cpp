#include "pivot/controller/agent_keys.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pivot/curve_keys.hpp"

namespace pivot::controller {
namespace {

namespace fs = std::filesystem;

class AgentKeysTest : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("pivot-agent-keys-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }

  // Writes DIR/<name> holding a fresh public key (or `text`); returns the key.
  std::string write(const std::string& name, std::optional<std::string> text = std::nullopt) {
    if (!text) text = curve::generate()->public_key;
    std::ofstream(dir / name) << *text << "\n";
    return *text;
  }
  bool mentions(const AgentKeysLoad& load, const std::string& file, const std::string& what) {
    for (const auto& problem : load.problems) {
      if (problem.find((dir / file).string()) != std::string::npos && problem.find(what) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
};

TEST_F(AgentKeysTest, EachFileNamesTheAgentItsKeyBelongsTo) {
  const std::string db1 = write("sms-1.db1.pub");
  const std::string db2 = write("sms-1.db2.pub");
  write("README");                 // not a key file
  fs::create_directories(dir / "old.pub");  // nor is a directory
  const auto load = load_agent_keys(dir.string());
  EXPECT_TRUE(load.ok()) << ::testing::PrintToString(load.problems);
  ASSERT_EQ(load.keys.size(), 2u);
  EXPECT_EQ(load.keys.at(db1), (AgentIdentity{"sms-1", "db1"}));
  EXPECT_EQ(load.keys.at(db2).user_id(), "sms-1.db2");
}

TEST_F(AgentKeysTest, EveryBadFileIsAProblemNamingIt) {
  const std::string good = write("sms-1.db1.pub");
  write("db2.pub");
  write("sms-1.db3.extra.pub");
  write("SMS-1.db4.pub");
  write("sms-1.db5.pub", "too-short");
  write("sms-1.db6.pub", std::string(40, '~'));  // 40 characters, none of them Z85
  write("sms-1.db7.pub", good);
  const auto load = load_agent_keys(dir.string());
  EXPECT_FALSE(load.ok());
  EXPECT_EQ(load.problems.size(), 6u) << ::testing::PrintToString(load.problems);
  EXPECT_TRUE(mentions(load, "db2.pub", "<cluster>.<node>.pub"));
  EXPECT_TRUE(mentions(load, "sms-1.db3.extra.pub", "<cluster>.<node>.pub"));
  EXPECT_TRUE(mentions(load, "SMS-1.db4.pub", "cluster"));
  EXPECT_TRUE(mentions(load, "sms-1.db5.pub", "40 characters"));
  EXPECT_TRUE(mentions(load, "sms-1.db6.pub", "Z85"));
  EXPECT_TRUE(mentions(load, "sms-1.db7.pub", "same key as"));
  // The good file is still read, so the problems are the whole story.
  ASSERT_EQ(load.keys.size(), 1u);
  EXPECT_EQ(load.keys.at(good).node, "db1");
}

TEST_F(AgentKeysTest, AMissingDirIsOneProblem) {
  const auto load = load_agent_keys((dir / "nope").string());
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_NE(load.problems[0].find("nope"), std::string::npos);
  EXPECT_TRUE(load.keys.empty());
}

}  // namespace
}  // namespace pivot::controller
