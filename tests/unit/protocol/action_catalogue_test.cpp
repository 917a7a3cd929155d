// The action catalogue and validate_args: what pivotd may ask and the agent accepts.

#include <gtest/gtest.h>

#include "pivot/protocol/action_catalogue.hpp"
#include "pivot/protocol/errors.hpp"

namespace pivot::protocol {
namespace {

TEST(ActionCatalogue, HoldsTheThirteenAgentActions) {
  std::vector<std::string_view> names;
  for (const auto& action : action_catalogue()) names.push_back(action.name);
  EXPECT_EQ(names, (std::vector<std::string_view>{
                       "set_read_only", "kill_connections", "stop_replication", "stop_io_thread",
                       "start_replication",
                       "reset_replication", "change_source", "wait_for_position",
                       "report_position", "ping", "fence_writes", "release_fence", "set_semi_sync"}));
}

TEST(ActionCatalogue, EveryActionIsDocumentedWithItsDetailKeys) {
  for (const auto& action : action_catalogue()) {
    EXPECT_FALSE(action.doc.empty()) << action.name;
    EXPECT_FALSE(action.detail.empty()) << action.name;
    for (const auto& arg : action.args) EXPECT_FALSE(arg.doc.empty()) << action.name << "." << arg.name;
    EXPECT_EQ(find_action(action.name), &action);
  }
  EXPECT_EQ(find_action("drop_database"), nullptr);
}

struct ArgsCase {
  const char* name;
  const char* action;
  ValueMap args;
  const char* code;  // "" when the args are valid
  const char* mentions;
};

class ValidateArgs : public ::testing::TestWithParam<ArgsCase> {};

TEST_P(ValidateArgs, GivesTheExpectedVerdict) {
  const ArgsCase& c = GetParam();
  auto r = validate_args(c.action, c.args);
  if (std::string(c.code).empty()) {
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    return;
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, c.code) << r.error().message;
  EXPECT_NE(r.error().message.find(c.mentions), std::string::npos) << r.error().message;
}

const ValueMap kDemote{{"host", std::string("10.0.2.11")},
                       {"port", std::int64_t{3306}},
                       {"use_gtid", std::string("slave_pos")},
                       {"seed_gtid_slave_pos", true}};

ValueMap demote_with(const std::string& key, Value value) {
  ValueMap args = kDemote;
  args[key] = std::move(value);
  return args;
}

ValueMap demote_without(const std::string& key) {
  ValueMap args = kDemote;
  args.erase(key);
  return args;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, ValidateArgs,
    ::testing::Values(
        ArgsCase{"set_read_only_on", "set_read_only", {{"read_only", true}}, "", ""},
        ArgsCase{"kill_connections_no_args", "kill_connections", {}, "", ""},
        ArgsCase{"stop_replication_no_args", "stop_replication", {}, "", ""},
        ArgsCase{"stop_io_thread_no_args", "stop_io_thread", {}, "", ""},
        ArgsCase{"stop_io_thread_takes_no_position", "stop_io_thread", {{"position", std::string("0-1-5")}},
                 errc::unknown_arg, "position"},
        ArgsCase{"start_replication_no_args", "start_replication", {}, "", ""},
        ArgsCase{"reset_replication_no_args", "reset_replication", {}, "", ""},
        ArgsCase{"report_position_no_args", "report_position", {}, "", ""},
        ArgsCase{"fence_writes_lease", "fence_writes", {{"lease_ms", std::int64_t{30000}}}, "", ""},
        ArgsCase{"fence_writes_without_lease", "fence_writes", {}, errc::missing_arg, "lease_ms"},
        ArgsCase{"fence_writes_lease_too_short", "fence_writes", {{"lease_ms", std::int64_t{10}}},
                 errc::bad_arg_value, "1000"},
        ArgsCase{"release_fence_no_args", "release_fence", {}, "", ""},
        ArgsCase{"release_fence_kill_clients", "release_fence", {{"kill_clients", true}}, "", ""},
        ArgsCase{"release_fence_kill_clients_not_bool", "release_fence", {{"kill_clients", std::int64_t{1}}},
                 errc::wrong_arg_type, "kill_clients"},
        ArgsCase{"change_source_demote", "change_source", kDemote, "", ""},
        ArgsCase{"change_source_mysql", "change_source",
                 {{"host", std::string("db1")}, {"port", std::int64_t{3306}},
                  {"use_gtid", std::string("auto_position")}, {"start", false}},
                 "", ""},
        ArgsCase{"change_source_optional_omitted", "change_source", demote_without("seed_gtid_slave_pos"),
                 "", ""},
        ArgsCase{"wait_for_position", "wait_for_position",
                 {{"position", std::string("0-1-1042,1-11-77")}, {"timeout_ms", std::int64_t{5000}}},
                 "", ""},
        ArgsCase{"unknown_action", "drop_database", {}, errc::unknown_action, "drop_database"},
        ArgsCase{"set_read_only_missing", "set_read_only", {}, errc::missing_arg, "read_only"},
        ArgsCase{"set_read_only_as_int", "set_read_only", {{"read_only", std::int64_t{1}}},
                 errc::wrong_arg_type, "read_only must be a bool, got integer"},
        ArgsCase{"set_read_only_nil", "set_read_only", {{"read_only", std::monostate{}}},
                 errc::wrong_arg_type, "got nil"},
        ArgsCase{"kill_connections_with_arg", "kill_connections", {{"user", std::string("app")}},
                 errc::unknown_arg, "user"},
        ArgsCase{"change_source_typo", "change_source", demote_with("prot", std::int64_t{1}),
                 errc::unknown_arg, "prot"},
        ArgsCase{"change_source_missing_host", "change_source", demote_without("host"),
                 errc::missing_arg, "host"},
        ArgsCase{"change_source_port_as_string", "change_source",
                 demote_with("port", std::string("3306")), errc::wrong_arg_type, "port"},
        ArgsCase{"change_source_port_zero", "change_source", demote_with("port", std::int64_t{0}),
                 errc::bad_arg_value, "port"},
        ArgsCase{"change_source_port_over_65535", "change_source",
                 demote_with("port", std::int64_t{65536}), errc::bad_arg_value, "1..65535"},
        ArgsCase{"change_source_empty_host", "change_source", demote_with("host", std::string()),
                 errc::bad_arg_value, "host"},
        ArgsCase{"change_source_bad_gtid_mode", "change_source",
                 demote_with("use_gtid", std::string("no")), errc::bad_arg_value, "slave_pos"},
        ArgsCase{"change_source_seed_as_string", "change_source",
                 demote_with("seed_gtid_slave_pos", std::string("yes")), errc::wrong_arg_type,
                 "seed_gtid_slave_pos"},
        ArgsCase{"wait_for_position_negative_timeout", "wait_for_position",
                 {{"position", std::string("0-1-5")}, {"timeout_ms", std::int64_t{-1}}},
                 errc::bad_arg_value, "timeout_ms"},
        ArgsCase{"wait_for_position_float_timeout", "wait_for_position",
                 {{"position", std::string("0-1-5")}, {"timeout_ms", 1.5}}, errc::wrong_arg_type,
                 "timeout_ms"},
        ArgsCase{"wait_for_position_missing_position", "wait_for_position",
                 {{"timeout_ms", std::int64_t{10}}}, errc::missing_arg, "position"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace pivot::protocol
