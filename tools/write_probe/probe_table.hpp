#pragma once
// The probe table and every statement the probe runs against it, in one place.
// Its schema is the one scripts/cluster creates (the writing account cannot
// create tables; --create-table does it as an admin):
//
//   seq           the absolute tick number, epoch_us / interval_us: every
//                 writer sends tick k at the same instant, and runs never
//                 reuse a number, so the table needs no emptying between runs
//   node          host:port the row was written to
//   client_ts_us  when the client sent it (epoch microseconds)

#include <cstdint>
#include <string>

namespace pivot::tools {

struct ProbeTable {
  std::string database;  // identifiers validated by the config: [A-Za-z0-9_]+
  std::string table;

  std::string qualified() const { return "`" + database + "`.`" + table + "`"; }

  std::string create_sql() const {
    return "CREATE TABLE IF NOT EXISTS " + qualified() +
           " (seq BIGINT NOT NULL, node VARCHAR(64) NOT NULL, client_ts_us BIGINT NOT NULL,"
           " PRIMARY KEY (seq, node)) ENGINE=InnoDB";
  }
  // Everything but the values that change per write, built once per writer.
  std::string insert_prefix(const std::string& node) const {
    return "INSERT INTO " + qualified() + " (node, seq, client_ts_us) VALUES ('" + node + "', ";
  }
  static std::string insert_sql(const std::string& prefix, std::int64_t seq, std::int64_t client_ts_us) {
    return prefix + std::to_string(seq) + ", " + std::to_string(client_ts_us) + ")";
  }
  std::string exists_sql() const { return "SELECT 1 FROM " + qualified() + " LIMIT 0"; }
  // This run's rows: its ticks are first_seq..last_seq.
  std::string rows_sql(std::int64_t first_seq, std::int64_t last_seq) const {
    return "SELECT seq, node FROM " + qualified() + " WHERE seq BETWEEN " + std::to_string(first_seq) +
           " AND " + std::to_string(last_seq);
  }
  std::string checksum_sql() const { return "CHECKSUM TABLE " + qualified(); }
};

}  // namespace pivot::tools
