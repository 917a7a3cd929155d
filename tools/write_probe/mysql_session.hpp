#pragma once
// The probe's only door to Connector/C++: one connection, whose exceptions are
// caught here and turned into pivot::Error values. One thread per session
// (each thread calls threadInit()/threadEnd() around its own sessions).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <cppconn/connection.h>

#include "node_address.hpp"
#include "pivot/result.hpp"

namespace pivot::tools {

struct SessionOptions {
  NodeAddress node;
  std::string user;
  std::string password;  // never logged
  std::string database;  // empty: none
  // Whole seconds: Connector/C++ takes no finer unit. They are what keeps a
  // hung server (SIGSTOP, partition) from holding a thread for ever.
  int connect_timeout_s = 1;
  int read_timeout_s = 1;
  int write_timeout_s = 1;
};

// Error codes a caller acts on.
inline constexpr const char* kErrReadOnly = "read_only";     // 1290: --read-only refused the write
inline constexpr const char* kErrConnection = "connection";  // session gone: reconnect
inline constexpr const char* kErrSql = "sql";                // anything else the server said

class MysqlSession {
 public:
  using Row = std::vector<std::optional<std::string>>;

  // Needs sql::mysql::get_mysql_driver_instance() called once in main first.
  static Result<MysqlSession> open(const SessionOptions& options);

  Result<void> execute(const std::string& sql);
  // Every value as text, nullopt for NULL.
  Result<std::vector<Row>> query(const std::string& sql);
  // The first column of the first row; error code kErrSql when there is none.
  Result<std::optional<std::string>> query_value(const std::string& sql);
  // The first value as an integer; error code kErrSql when NULL or not a number.
  Result<long long> query_int(const std::string& sql);

 private:
  MysqlSession(std::unique_ptr<sql::Connection> connection, std::string node);

  std::unique_ptr<sql::Connection> connection_;
  std::string node_;
};

}  // namespace pivot::tools
