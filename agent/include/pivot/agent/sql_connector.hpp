#pragma once
// The actions' door to SQL, as a port: the executor gets a SqlConnector, the
// agent gives it MysqlConnector (mysql_connector.hpp), tests a fake that
// replays expected statements with recorded answers, so the MySQL 8 sequences
// are checked without a MySQL server. Errors carry pivot_mysql's codes
// (mysql::kErrConnection, kErrAccessDenied, kErrReadOnly, kErrSql).

#include <memory>
#include <string>

#include "pivot/mysql/session.hpp"
#include "pivot/result.hpp"

namespace pivot::agent {

class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual Result<void> execute(const std::string& sql) = 0;
  virtual Result<mysql::Rows> query(const std::string& sql) = 0;
};

class SqlConnector {
 public:
  virtual ~SqlConnector() = default;
  // A new session; read_timeout_s 0 keeps the configured read timeout, a
  // larger one lets a long wait (MASTER_GTID_WAIT) finish on it.
  virtual Result<std::unique_ptr<SqlSession>> open(int read_timeout_s = 0) = 0;
  // The MySQL user the sessions log in as: kill_connections spares its sessions.
  virtual const std::string& user() const = 0;
  // Whole seconds a statement may take before the client gives up.
  virtual int read_timeout_s() const = 0;
};

}  // namespace pivot::agent
