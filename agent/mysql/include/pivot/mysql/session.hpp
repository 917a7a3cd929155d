#pragma once
// The one door to Connector/C++ 1.1 for the agent and the tools: one
// connection, whose exceptions are caught here and turned into pivot::Error
// values. A session belongs to one thread (which calls threadInit/threadEnd,
// see ThreadScope).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pivot/result.hpp"

namespace sql {
class Connection;
}

namespace pivot::mysql {

struct SessionOptions {
  std::string host;    // TCP; empty when socket is set
  int port = 3306;
  std::string socket;  // absolute path of the server's Unix socket
  std::string user;
  std::string password;  // never logged
  std::string database;  // empty: none
  // Whole seconds: Connector/C++ takes no finer unit. They keep a hung server
  // (SIGSTOP, partition) from holding a thread for ever; without a connect
  // timeout a connect to a stopped server never returns.
  int connect_timeout_s = 1;
  int read_timeout_s = 1;
  int write_timeout_s = 1;
  // How messages name the server; "host:port" or the socket when empty.
  std::string label;

  std::string name() const;
};

// Error codes a caller acts on.
inline constexpr const char* kErrReadOnly = "read_only";        // 1290: --read-only refused the write
inline constexpr const char* kErrConnection = "connection";     // session gone or never made: reconnect
inline constexpr const char* kErrAccessDenied = "access_denied";  // 1044/1045/1142/1227: fix the grants
inline constexpr const char* kErrSql = "sql";                   // anything else the server said

// Every value as text, nullopt for SQL NULL.
using Row = std::vector<std::optional<std::string>>;

struct Rows {
  std::vector<std::string> columns;  // column labels, in order
  std::vector<Row> rows;
  // Row i as label -> value.
  std::map<std::string, std::optional<std::string>> record(size_t i) const;
};

// Connector/C++ needs each thread that uses it to call threadInit() first
// and threadEnd() last; this does both. get_mysql_driver_instance() must have
// been called once in main before any thread starts (see init_driver).
class ThreadScope {
 public:
  ThreadScope();
  ~ThreadScope();
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;
};

// Call once from main before starting threads that open sessions.
void init_driver();

class Session {
 public:
  static Result<Session> open(const SessionOptions& options);

  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  Result<void> execute(const std::string& sql);
  Result<Rows> query(const std::string& sql);
  // The first column of the first row; error code kErrSql when there is none.
  Result<std::optional<std::string>> query_value(const std::string& sql);
  // The first value as an integer; error code kErrSql when NULL or not a number.
  Result<long long> query_int(const std::string& sql);

  const std::string& name() const { return name_; }

 private:
  Session(std::unique_ptr<sql::Connection> connection, std::string name);

  std::unique_ptr<sql::Connection> connection_;
  std::string name_;
};

}  // namespace pivot::mysql
