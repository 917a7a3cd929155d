// A rollout's selection and order (rollout_plan.hpp): which clusters a
// selector picks, in which order, in which groups; what is refused.
#include "pivot/controller/rollout_plan.hpp"

#include <gtest/gtest.h>

namespace pivot::controller {
namespace {

std::vector<LabeledCluster> fleet() {
  return {
      {"sms-10", {{"environment", "production"}, {"service", "sms"}, {"shard", "10"}}},
      {"sms-2", {{"environment", "production"}, {"service", "sms"}, {"shard", "2"}}},
      {"sms-1", {{"environment", "production"}, {"service", "sms"}, {"shard", "1"}}},
      {"sms-dev", {{"environment", "development"}, {"service", "sms"}, {"shard", "1"}}},
      {"sms-stage", {{"environment", "stage"}, {"service", "sms"}, {"shard", "1"}}},
      {"mail-1", {{"environment", "production"}, {"service", "mail"}}},
  };
}

std::vector<std::string> names(const std::vector<RolloutEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.cluster);
  return out;
}

std::vector<RolloutEntry> ordered(const std::string& selector, const std::optional<std::string>& order_by) {
  auto sel = parse_selector(selector);
  EXPECT_TRUE(sel) << sel.error().message;
  std::optional<RolloutOrder> order;
  if (order_by) {
    auto parsed = parse_order_by(*order_by);
    EXPECT_TRUE(parsed) << parsed.error().message;
    order = *parsed;
  }
  auto out = order_rollout(*sel, order, fleet());
  EXPECT_TRUE(out) << out.error().message;
  return out ? *out : std::vector<RolloutEntry>{};
}

TEST(RolloutSelector, EqualsAndNotEqualsMustAllHold) {
  auto sel = parse_selector("environment=production, service!=mail");
  ASSERT_TRUE(sel);
  ASSERT_EQ(sel->terms.size(), 2u);
  EXPECT_TRUE(selects(*sel, {{"environment", "production"}, {"service", "sms"}}));
  EXPECT_TRUE(selects(*sel, {{"environment", "production"}}));  // no service label: != holds
  EXPECT_FALSE(selects(*sel, {{"environment", "production"}, {"service", "mail"}}));
  EXPECT_FALSE(selects(*sel, {{"environment", "stage"}, {"service", "sms"}}));
  EXPECT_EQ(to_string(*sel), "environment=production,service!=mail");
}

TEST(RolloutSelector, RefusesEmptyAndMalformed) {
  for (const char* bad : {"", "  ", "environment", "=x", "a=1,,b=2", "a=1,a=2", "a=1,"}) {
    auto sel = parse_selector(bad);
    ASSERT_FALSE(sel) << "'" << bad << "' was accepted";
    EXPECT_EQ(sel.error().code, "bad_request");
  }
  EXPECT_NE(parse_selector("").error().message.find("empty"), std::string::npos);
}

TEST(RolloutSelector, AnEmptyValueSelectsAnEmptyLabel) {
  auto sel = parse_selector("tier=");
  ASSERT_TRUE(sel);
  EXPECT_TRUE(selects(*sel, {{"tier", ""}}));
  EXPECT_FALSE(selects(*sel, {}));
}

TEST(RolloutOrder, NaturalSortPutsShardTenAfterTwo) {
  EXPECT_TRUE(natural_less("2", "10"));
  EXPECT_FALSE(natural_less("10", "2"));
  EXPECT_TRUE(natural_less("shard2", "shard10"));
  EXPECT_TRUE(natural_less("a", "b"));
  EXPECT_TRUE(natural_less("a", "a1"));
  EXPECT_FALSE(natural_less("a1", "a1"));
  EXPECT_TRUE(natural_less("a01", "a1") != natural_less("a1", "a01"));  // a strict order even on equal numbers
  EXPECT_TRUE(natural_less("9", "99999999999999999999999"));  // no overflow
  EXPECT_EQ(names(ordered("environment=production,service=sms", "shard")),
            (std::vector<std::string>{"sms-1", "sms-2", "sms-10"}));
}

TEST(RolloutOrder, WithoutOrderByClustersFollowTheirNames) {
  EXPECT_EQ(names(ordered("environment=production", std::nullopt)),
            (std::vector<std::string>{"mail-1", "sms-1", "sms-2", "sms-10"}));
  for (const auto& e : ordered("environment=production", std::nullopt)) EXPECT_EQ(e.group, 0);
}

TEST(RolloutOrder, ClustersWithoutTheLabelComeLast) {
  EXPECT_EQ(names(ordered("environment=production", "shard")),
            (std::vector<std::string>{"sms-1", "sms-2", "sms-10", "mail-1"}));
}

TEST(RolloutOrder, AnExplicitValueOrderMakesGroups) {
  const auto entries = ordered("service=sms,shard=1", "environment=development,stage,production");
  EXPECT_EQ(names(entries), (std::vector<std::string>{"sms-dev", "sms-stage", "sms-1"}));
  EXPECT_EQ(entries[0].group, 0);
  EXPECT_EQ(entries[1].group, 1);
  EXPECT_EQ(entries[2].group, 2);
  // Within a group, by name naturally.
  const auto prod = ordered("service=sms", "environment=development,stage,production");
  EXPECT_EQ(names(prod), (std::vector<std::string>{"sms-dev", "sms-stage", "sms-1", "sms-2", "sms-10"}));
}

TEST(RolloutOrder, AClusterOutsideTheExplicitOrderIsRefused) {
  auto sel = parse_selector("service=sms");
  auto order = parse_order_by("environment=stage,production");
  ASSERT_TRUE(sel && order);
  auto out = order_rollout(*sel, *order, fleet());
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("sms-dev"), std::string::npos) << out.error().message;
  auto missing = order_rollout(*parse_selector("environment=production"), *parse_order_by("shard=1,2,10"), fleet());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("mail-1"), std::string::npos) << missing.error().message;
}

TEST(RolloutOrder, NothingSelectedIsAnError) {
  auto out = order_rollout(*parse_selector("environment=prod"), std::nullopt, fleet());
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("matches no"), std::string::npos);
}

TEST(RolloutOrder, RefusesMalformedOrderBy) {
  for (const char* bad : {"", "=a,b", "environment=a,,b", "environment=a,a"}) {
    EXPECT_FALSE(parse_order_by(bad)) << "'" << bad << "' was accepted";
  }
}

}  // namespace
}  // namespace pivot::controller
