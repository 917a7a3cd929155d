#pragma once
// MysqlConnector: the SqlConnector of the running agent, over pivot_mysql
// (Connector/C++). Sessions belong to the thread that opened them, which
// holds a mysql::ThreadScope.

#include "pivot/agent/sql_connector.hpp"

namespace pivot::agent {

class MysqlConnector : public SqlConnector {
 public:
  explicit MysqlConnector(mysql::SessionOptions options) : options_(std::move(options)) {}

  Result<std::unique_ptr<SqlSession>> open(int read_timeout_s) override;
  const std::string& user() const override { return options_.user; }
  int read_timeout_s() const override { return options_.read_timeout_s; }

 private:
  mysql::SessionOptions options_;
};

}  // namespace pivot::agent
