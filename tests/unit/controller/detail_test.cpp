// Detail: the plan's job details without a JSON library, and their JSON at
// the API's and the journal's edge (lossless both ways).

#include "pivot/controller/detail.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "pivot/controller/detail_json.hpp"

namespace pivot::controller {
namespace {

TEST(Detail, BuildsObjectsAndListsAsTheStepsWriteThem) {
  Detail d;
  EXPECT_TRUE(d.is_null());
  d["position"] = "0-1-10";
  d["wait_ms"] = std::uint64_t{300};
  d["reached"] = true;
  d["commands"].push_back({{"node", "db2"}, {"ok", false}});
  d["commands"].push_back({{"node", "db3"}, {"ok", true}});
  EXPECT_TRUE(d.is_object());
  EXPECT_EQ(d.size(), 4u);
  EXPECT_EQ(d["commands"].size(), 2u);
  EXPECT_EQ(d["commands"][1]["node"], "db3");
  EXPECT_EQ(d["commands"].back()["ok"], true);
  EXPECT_EQ(d.value("position", ""), "0-1-10");
  EXPECT_EQ(d.value("missing", "fallback"), "fallback");
  EXPECT_EQ(d.value("reached", false), true);
  EXPECT_EQ(d.value("position", std::int64_t{7}), 7) << "a string read as a number falls back";
  EXPECT_EQ(d["wait_ms"].get<std::uint64_t>(), 300u);
}

TEST(Detail, ConstReadersNeverAddMembers) {
  const Detail d{{"a", 1}};
  EXPECT_TRUE(d["b"].is_null());
  EXPECT_FALSE(d.contains("b"));
  EXPECT_EQ(d.find("b"), nullptr);
  EXPECT_TRUE(d["a"][3].is_null()) << "an index past the end, or into a scalar, reads null";
  EXPECT_EQ(d.size(), 1u);
}

TEST(Detail, UpdateAndEraseWorkOnMembers) {
  Detail d{{"error", "x"}, {"message", "first"}};
  d.update({{"message", "second"}, {"extra", 1}});
  EXPECT_EQ(d["message"], "second");
  EXPECT_EQ(d["extra"], 1);
  EXPECT_EQ(d.erase("error"), 1u);
  EXPECT_EQ(d.erase("error"), 0u);
  EXPECT_FALSE(d.contains("error"));
}

TEST(Detail, IntegersCompareByValueWhateverTheirSign) {
  EXPECT_EQ(Detail(5), Detail(std::uint64_t{5}));
  EXPECT_NE(Detail(-1), Detail(std::numeric_limits<std::uint64_t>::max()));
  EXPECT_NE(Detail(1), Detail(true));
  EXPECT_NE(Detail("1"), Detail(1));
}

TEST(Detail, MisuseThrowsInsteadOfCorrupting) {
  Detail scalar = 3;
  EXPECT_ANY_THROW(scalar["key"] = 1);
  EXPECT_ANY_THROW(scalar.push_back(1));
  Detail list = Detail::array({1, 2});
  EXPECT_ANY_THROW(list[5] = 1);
}

TEST(DetailJson, RoundTripsEveryKindLosslessly) {
  Detail d{{"null", nullptr},
           {"bool", true},
           {"negative", std::int64_t{-42}},
           {"big", std::numeric_limits<std::uint64_t>::max()},
           {"float", 0.25},
           {"text", "café"},
           {"list", Detail::array({1, "two", Detail::array()})},
           {"nested", {{"deep", {{"er", false}}}}}};
  const nlohmann::json json = to_json(d);
  EXPECT_EQ(json["big"].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_TRUE(json["negative"].is_number_integer());
  EXPECT_TRUE(json["null"].is_null());
  EXPECT_EQ(json["list"].dump(), R"([1,"two",[]])");
  EXPECT_EQ(detail_from_json(json), d);
  EXPECT_EQ(detail_from_json(nlohmann::json::parse(json.dump())), d) << "through text, as the journal keeps it";
}

}  // namespace
}  // namespace pivot::controller
