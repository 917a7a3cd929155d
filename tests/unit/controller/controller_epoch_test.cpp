#include "pivot/controller/controller_epoch.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pivot::controller {
namespace {

namespace fs = std::filesystem;

class ControllerEpochTest : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("pivot-controller-epoch-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void TearDown() override { fs::remove_all(dir); }
  std::string file_text() {
    std::ifstream in(dir / "epoch");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
};

TEST_F(ControllerEpochTest, EachStartRaisesItByOne) {
  auto first = raise_controller_epoch(dir.string());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, 1u) << "a new state dir starts at 1";
  auto second = raise_controller_epoch(dir.string());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 2u);
  EXPECT_EQ(file_text(), "2\n");
  EXPECT_FALSE(fs::exists(dir / "epoch.tmp"));
}

TEST_F(ControllerEpochTest, ACorruptFileStopsTheStartInsteadOfStartingOver) {
  fs::create_directories(dir);
  std::ofstream(dir / "epoch") << "12x\n";
  auto raised = raise_controller_epoch(dir.string());
  ASSERT_FALSE(raised.ok());
  EXPECT_EQ(raised.error().code, "state_dir");
  EXPECT_NE(raised.error().message.find("is corrupt"), std::string::npos);
  EXPECT_NE(raised.error().message.find("above every agent's epoch"), std::string::npos);
  EXPECT_EQ(file_text(), "12x\n") << "left for the operator";
}

TEST_F(ControllerEpochTest, TheLargestEpochCannotBeRaised) {
  fs::create_directories(dir);
  std::ofstream(dir / "epoch") << "18446744073709551615\n";
  auto raised = raise_controller_epoch(dir.string());
  ASSERT_FALSE(raised.ok());
  EXPECT_EQ(raised.error().code, "state_dir");
}

}  // namespace
}  // namespace pivot::controller
