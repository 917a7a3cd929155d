// semi_sync_settings: what the agent reads of semi-sync and the statements it
// plans from that and pivotd's request (the executor runs them on real
// MariaDB in system_semi_sync_test).

#include "pivot/agent/semi_sync_settings.hpp"

#include <gtest/gtest.h>

namespace pivot::agent {
namespace {

using protocol::Flavor;
using protocol::SemiSync;

mysql::Rows name_value(std::vector<std::pair<std::string, std::string>> pairs) {
  mysql::Rows rows;
  rows.columns = {"Variable_name", "Value"};
  for (auto& [name, value] : pairs) rows.rows.push_back({name, value});
  return rows;
}

SemiSync primary_on() {
  return SemiSync{.source = true, .replica = true, .source_active = true, .wait_point = "AFTER_SYNC",
                  .timeout_ms = 28000, .kill_conn_timeout_s = 1};
}

SemiSyncWanted source_on(bool fresh) {
  return {.source = true, .replica = std::nullopt, .timeout_ms = 28000, .fresh = fresh};
}

TEST(SemiSyncSettings, ReadsBothSpellings) {
  EXPECT_EQ(semi_sync_of(name_value({{"rpl_semi_sync_master_enabled", "ON"},
                                     {"rpl_semi_sync_slave_enabled", "OFF"},
                                     {"rpl_semi_sync_master_wait_point", "AFTER_SYNC"},
                                     {"rpl_semi_sync_master_timeout", "28000"}}),
                         name_value({{"Rpl_semi_sync_master_status", "OFF"}})),
            (SemiSync{.source = true, .replica = false, .source_active = false, .wait_point = "AFTER_SYNC",
                      .timeout_ms = 28000, .kill_conn_timeout_s = std::nullopt}));
  EXPECT_EQ(semi_sync_of(name_value({{"rpl_semi_sync_source_enabled", "ON"},
                                     {"rpl_semi_sync_replica_enabled", "ON"}}),
                         name_value({{"Rpl_semi_sync_source_status", "ON"}})),
            (SemiSync{.source = true, .replica = true, .source_active = true, .wait_point = std::nullopt,
                      .timeout_ms = std::nullopt, .kill_conn_timeout_s = std::nullopt}));
  // No plugin loaded (MySQL): both sides off, the rest unknown.
  EXPECT_EQ(semi_sync_of(name_value({}), name_value({})), SemiSync{});
}

TEST(SemiSyncSettings, ReadsTheKillConnTimeout) {
  EXPECT_EQ(semi_sync_of(name_value({{"rpl_semi_sync_slave_enabled", "ON"},
                                     {"rpl_semi_sync_slave_kill_conn_timeout", "5"}}),
                         name_value({}))
                .kill_conn_timeout_s,
            5u);
  EXPECT_FALSE(semi_sync_of(name_value({{"rpl_semi_sync_slave_kill_conn_timeout", "five"}}), name_value({}))
                   .kill_conn_timeout_s.has_value())
      << "not a number: unknown";
  EXPECT_NE(semi_sync_variables_sql(Flavor::mariadb).find("'rpl_semi_sync_slave_kill_conn_timeout'"),
            std::string::npos);
  EXPECT_EQ(semi_sync_variables_sql(Flavor::mysql).find("kill_conn"), std::string::npos)
      << "MySQL has no such variable";
}

// Every failover of a hung or silent primary rolled back at stop_io with the
// default 5 s: the replica side kept on sets it to 1 first (0 is no limit).
TEST(SemiSyncSettings, TheReplicaSideOnSetsTheKillConnTimeoutTo1) {
  auto with_replica = [](bool replica, SemiSync now, Flavor flavor = Flavor::mariadb) {
    return plan_semi_sync(flavor, now,
                          {.source = std::nullopt, .replica = replica, .timeout_ms = std::nullopt, .fresh = false});
  };
  const std::string set_1 = "SET GLOBAL rpl_semi_sync_slave_kill_conn_timeout = 1";
  const SemiSync replica_off{.source = false, .replica = false, .source_active = false, .wait_point = "AFTER_COMMIT",
                             .timeout_ms = 10000, .kill_conn_timeout_s = 5};
  auto plan = with_replica(true, replica_off);
  EXPECT_EQ(plan.statements, (std::vector<std::string>{set_1, "SET GLOBAL rpl_semi_sync_slave_enabled = ON"}));
  EXPECT_TRUE(plan.replica_changed);

  SemiSync replica_on = replica_off;
  replica_on.replica = true;
  plan = with_replica(true, replica_on);
  EXPECT_EQ(plan.statements, (std::vector<std::string>{set_1}));
  EXPECT_FALSE(plan.replica_changed) << "read when the IO thread stops: no reconnect needed";

  replica_on.kill_conn_timeout_s = 0;
  EXPECT_EQ(with_replica(true, replica_on).statements, (std::vector<std::string>{set_1})) << "0 is no limit at all";
  replica_on.kill_conn_timeout_s = 1;
  EXPECT_TRUE(with_replica(true, replica_on).statements.empty());
  replica_on.kill_conn_timeout_s.reset();
  EXPECT_TRUE(with_replica(true, replica_on, Flavor::mysql).statements.empty()) << "unknown (MySQL): never set";
  replica_on.kill_conn_timeout_s = 5;
  EXPECT_EQ(with_replica(false, replica_on).statements,
            (std::vector<std::string>{"SET GLOBAL rpl_semi_sync_slave_enabled = OFF"}))
      << "a replica side turned off does not wait on it";
}

TEST(SemiSyncSettings, QueriesNameTheFlavorsVariables) {
  EXPECT_EQ(semi_sync_status_sql(Flavor::mariadb),
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status')");
  EXPECT_NE(semi_sync_variables_sql(Flavor::mysql).find("'rpl_semi_sync_source_wait_point'"), std::string::npos);
  EXPECT_EQ(semi_sync_variables_sql(Flavor::mariadb).find("source"), std::string::npos);
}

TEST(SemiSyncSettings, SourceOnSetsWaitPointAndTimeoutBeforeEnabling) {
  const auto plan = plan_semi_sync(Flavor::mariadb, SemiSync{.source = false, .replica = false, .source_active = false,
                                                             .wait_point = "AFTER_COMMIT", .timeout_ms = 10000,
                                                             .kill_conn_timeout_s = 1},
                                   {.source = true, .replica = true, .timeout_ms = 28000, .fresh = false});
  EXPECT_EQ(plan.statements, (std::vector<std::string>{
                                 "SET GLOBAL rpl_semi_sync_master_wait_point = AFTER_SYNC",
                                 "SET GLOBAL rpl_semi_sync_master_timeout = 28000",
                                 "SET GLOBAL rpl_semi_sync_master_enabled = ON",
                                 "SET GLOBAL rpl_semi_sync_slave_enabled = ON"}));
  EXPECT_TRUE(plan.replica_changed) << "the IO thread must reconnect for it";
}

TEST(SemiSyncSettings, NothingToChangeIsNoStatement) {
  const auto plan = plan_semi_sync(Flavor::mariadb, primary_on(), {.source = true, .replica = true, .timeout_ms = 28000, .fresh = false});
  EXPECT_TRUE(plan.statements.empty());
  EXPECT_FALSE(plan.replica_changed);
}

// A running primary whose source side fell back to asynchronous is left to
// come back by itself; a promotion (fresh) turns it off and on again.
TEST(SemiSyncSettings, AnInactiveSourceIsRestartedOnlyWhenFresh) {
  SemiSync inactive = primary_on();
  inactive.source_active = false;
  EXPECT_TRUE(plan_semi_sync(Flavor::mariadb, inactive, source_on(false)).statements.empty());
  EXPECT_EQ(plan_semi_sync(Flavor::mariadb, inactive, source_on(true)).statements,
            (std::vector<std::string>{"SET GLOBAL rpl_semi_sync_master_enabled = OFF",
                                      "SET GLOBAL rpl_semi_sync_master_enabled = ON"}));
  EXPECT_TRUE(plan_semi_sync(Flavor::mariadb, primary_on(), source_on(true)).statements.empty())
      << "already waiting for acknowledgements";
}

TEST(SemiSyncSettings, ADemotedNodeLosesTheSourceSide) {
  const auto plan = plan_semi_sync(Flavor::mysql, primary_on(), {.source = false, .replica = true, .timeout_ms = std::nullopt, .fresh = false});
  EXPECT_EQ(plan.statements, (std::vector<std::string>{"SET GLOBAL rpl_semi_sync_source_enabled = OFF"}));
  EXPECT_FALSE(plan.replica_changed);
}

TEST(SemiSyncSettings, DetailNamesWhatIsUnknown) {
  const auto d = semi_sync_detail(SemiSync{.source = false, .replica = true, .source_active = std::nullopt,
                                                   .wait_point = std::nullopt, .timeout_ms = std::nullopt,
                                                   .kill_conn_timeout_s = std::nullopt},
                                          true, true);
  EXPECT_EQ(d.at("replica"), protocol::Value(true));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(d.at("source_active")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(d.at("timeout_ms")));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(d.at("kill_conn_timeout_s")));
  EXPECT_EQ(d.at("io_restarted"), protocol::Value(true));
}

}  // namespace
}  // namespace pivot::agent
