#include "pivot/agent/probe_sql.hpp"

namespace pivot::agent {

const ProbeSql& probe_sql(protocol::Flavor flavor) {
  static const ProbeSql mariadb{
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ("
      "'server_id','gtid_domain_id','gtid_binlog_pos','gtid_binlog_state','gtid_current_pos',"
      "'gtid_slave_pos','gtid_strict_mode','log_bin','log_slave_updates','binlog_format',"
      "'report_host','report_port','version','rpl_semi_sync_master_enabled',"
      "'rpl_semi_sync_slave_enabled','rpl_semi_sync_master_wait_point','rpl_semi_sync_master_timeout',"
      "'rpl_semi_sync_slave_kill_conn_timeout','slave_net_timeout')",
      "SELECT @@global.read_only AS read_only",
      // SHOW ALL SLAVES STATUS, not SHOW SLAVE STATUS: only it has Gtid_Slave_Pos.
      "SHOW ALL SLAVES STATUS",
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Uptime','Rpl_semi_sync_master_status')",
  };
  static const ProbeSql mysql{
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ("
      "'server_id','server_uuid','gtid_executed','gtid_mode','super_read_only','log_bin',"
      "'log_replica_updates','log_slave_updates','binlog_format','report_host','report_port',"
      "'version','rpl_semi_sync_source_enabled','rpl_semi_sync_master_enabled',"
      "'rpl_semi_sync_replica_enabled','rpl_semi_sync_slave_enabled','replica_net_timeout',"
      "'slave_net_timeout','rpl_semi_sync_source_wait_point','rpl_semi_sync_master_wait_point',"
      "'rpl_semi_sync_source_timeout','rpl_semi_sync_master_timeout')",
      "SELECT @@global.read_only AS read_only",
      "SHOW REPLICA STATUS",
      "SHOW GLOBAL STATUS WHERE Variable_name IN ('Uptime','Rpl_semi_sync_source_status',"
      "'Rpl_semi_sync_master_status')",
  };
  return flavor == protocol::Flavor::mariadb ? mariadb : mysql;
}

protocol::Flavor flavor_of_version(const std::string& version) {
  return version.find("MariaDB") != std::string::npos ? protocol::Flavor::mariadb
                                                      : protocol::Flavor::mysql;
}

}  // namespace pivot::agent
