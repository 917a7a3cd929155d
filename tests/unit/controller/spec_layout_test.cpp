// Layouts a spec's own policy can never accept (controller/src/model/spec_layout.cpp),
// on specs written as an operator would, parsed by the real parser.
#include "pivot/controller/spec_layout.hpp"

#include <gtest/gtest.h>

#include "pivot/controller/cluster_spec_yaml.hpp"

namespace pivot::controller {
namespace {

ClusterSpec parsed(const std::string& policy, const std::string& nodes) {
  const std::string text = "name: sms-1\npolicy: {" + policy + "}\nnodes:\n" + nodes;
  auto spec = parse_cluster_spec(text, "sms-1.yaml", [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? *spec : ClusterSpec{};
}

const LayoutWarning* warning_on(const std::vector<LayoutWarning>& warnings, const std::string& key) {
  for (const auto& w : warnings) {
    if (w.key == key) return &w;
  }
  return nullptr;
}

void expect_mentions(const LayoutWarning* w, const std::vector<std::string>& parts) {
  ASSERT_NE(w, nullptr);
  for (const auto& p : parts) EXPECT_NE(w->message.find(p), std::string::npos) << "'" << p << "' not in: " << w->message;
}

const std::string kThreeAzs =
    "  - {name: db1, host: 10.0.1.11, az: a, role: primary}\n"
    "  - {name: db2, host: 10.0.2.11, az: b, role: replica}\n"
    "  - {name: db3, host: 10.0.3.11, az: c, role: replica}\n"
    "  - {name: db4, host: 10.0.2.12, az: b, role: backup}\n";

TEST(SpecLayout, ThreePromotableNodesInThreeAzsSatisfyTheDefaults) {
  EXPECT_TRUE(layout_warnings(parsed("", kThreeAzs)).empty());
  // Exactly at the limit is still satisfiable: a pivot to db2 keeps db1 and db3.
  EXPECT_TRUE(layout_warnings(parsed("min_replicas: 2, az_spread: 3", kThreeAzs)).empty());
}

TEST(SpecLayout, TooFewPromotableNodesForMinReplicasNamesThemAndWhatDoesNotCount) {
  const auto warnings = layout_warnings(parsed("min_replicas: 3", kThreeAzs));
  ASSERT_EQ(warnings.size(), 1u);
  // db4 is a fourth node, but a backup: it never counts.
  expect_mentions(warning_on(warnings, "policy.min_replicas"),
                  {"3 can never be met", "at most 2 promotable nodes", "db1 (primary, az a)", "db2 (replica, az b)",
                   "db3 (replica, az c)", "not counted: db4 (backup, az b)", "replicas_after_pivot",
                   "lower min_replicas to 2"});
}

TEST(SpecLayout, TwoNodesUnderTheDefaultMinReplicasAreWarned) {
  const auto warnings = layout_warnings(parsed("",
                                               "  - {name: db1, host: h1, az: a, role: primary}\n"
                                               "  - {name: db2, host: h2, az: b, role: replica}\n"));
  ASSERT_EQ(warnings.size(), 1u);
  expect_mentions(warning_on(warnings, "policy.min_replicas"), {"2 can never be met", "at most 1 promotable node "});
}

TEST(SpecLayout, PromotableNodesInTooFewAzsNameEachAz) {
  // Plenty of nodes, and a backup in AZ c: the spread is still two AZs.
  const auto warnings = layout_warnings(parsed("az_spread: 3",
                                               "  - {name: db1, host: h1, az: a, role: primary}\n"
                                               "  - {name: db2, host: h2, az: a, role: replica}\n"
                                               "  - {name: db3, host: h3, az: b, role: replica}\n"
                                               "  - {name: db4, host: h4, az: c, role: analytics}\n"));
  ASSERT_EQ(warnings.size(), 1u);
  expect_mentions(warning_on(warnings, "policy.az_spread"),
                  {"3 can never be met", "span 2 AZs", "a: db1, db2; b: db3", "db4 (analytics, az c)",
                   "lower az_spread to 2"});
}

TEST(SpecLayout, EveryNodeInOneAzBreaksTheDefaultSpread) {
  const auto warnings = layout_warnings(parsed("",
                                               "  - {name: db1, host: h1, az: unknown, role: primary}\n"
                                               "  - {name: db2, host: h2, az: unknown, role: replica}\n"
                                               "  - {name: db3, host: h3, az: unknown, role: replica}\n"));
  ASSERT_EQ(warnings.size(), 1u);
  expect_mentions(warning_on(warnings, "policy.az_spread"), {"span 1 AZ ", "unknown: db1, db2, db3"});
}

TEST(SpecLayout, APrimaryAloneHasNoCandidateEvenWithARelaxedPolicy) {
  const auto warnings = layout_warnings(parsed("min_replicas: 0, az_spread: 1",
                                               "  - {name: db1, host: h1, az: a, role: primary}\n"
                                               "  - {name: db2, host: h2, az: b, role: backup}\n"));
  ASSERT_EQ(warnings.size(), 1u);
  expect_mentions(warning_on(warnings, "nodes"), {"only db1 (primary, az a) is promotable", "can ever have a candidate",
                                                  "db2 (backup, az b)"});
}

TEST(SpecLayout, BothShortfallsAreWarnedAtOnce) {
  const auto warnings = layout_warnings(parsed("min_replicas: 2, az_spread: 2",
                                               "  - {name: db1, host: h1, az: a, role: primary}\n"
                                               "  - {name: db2, host: h2, az: a, role: replica}\n"));
  EXPECT_NE(warning_on(warnings, "policy.min_replicas"), nullptr);
  EXPECT_NE(warning_on(warnings, "policy.az_spread"), nullptr);
}

}  // namespace
}  // namespace pivot::controller
