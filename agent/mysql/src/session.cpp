#include "pivot/mysql/session.hpp"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

namespace pivot::mysql {
namespace {

// Client-side errors (2000-2999: CR_SERVER_GONE_ERROR, CR_SERVER_LOST, ...),
// ER_CONNECTION_KILLED (1927) and a server shutting down (1053) all mean that
// this connection is of no further use.
bool connection_is_gone(int code) { return (code >= 2000 && code < 3000) || code == 1927 || code == 1053; }

bool access_denied(int code) { return code == 1044 || code == 1045 || code == 1142 || code == 1227; }

Error to_error(const sql::SQLException& e, const std::string& name) {
  const int code = e.getErrorCode();
  const char* slug = code == 1290              ? kErrReadOnly
                     : connection_is_gone(code) ? kErrConnection
                     : access_denied(code)      ? kErrAccessDenied
                                                : kErrSql;
  return make_error(slug, name + ": error " + std::to_string(code) + ": " + e.what());
}

}  // namespace

std::string SessionOptions::name() const {
  if (!label.empty()) return label;
  return socket.empty() ? host + ":" + std::to_string(port) : socket;
}

std::map<std::string, std::optional<std::string>> Rows::record(size_t i) const {
  std::map<std::string, std::optional<std::string>> out;
  for (size_t c = 0; c < columns.size() && i < rows.size() && c < rows[i].size(); ++c) {
    out[columns[c]] = rows[i][c];
  }
  return out;
}

ThreadScope::ThreadScope() { sql::mysql::get_mysql_driver_instance()->threadInit(); }
ThreadScope::~ThreadScope() { sql::mysql::get_mysql_driver_instance()->threadEnd(); }

void init_driver() { sql::mysql::get_mysql_driver_instance(); }

Session::Session(std::unique_ptr<sql::Connection> connection, std::string name)
    : connection_(std::move(connection)), name_(std::move(name)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<Session> Session::open(const SessionOptions& options) {
  const std::string name = options.name();
  try {
    sql::ConnectOptionsMap map;
    if (!options.socket.empty()) {
      map["hostName"] = sql::SQLString("localhost");
      map["socket"] = sql::SQLString(options.socket);
    } else {
      map["hostName"] = sql::SQLString(options.host);
      map["port"] = options.port;
    }
    map["userName"] = sql::SQLString(options.user);
    map["password"] = sql::SQLString(options.password);
    if (!options.database.empty()) map["schema"] = sql::SQLString(options.database);
    map["OPT_CONNECT_TIMEOUT"] = options.connect_timeout_s;
    map["OPT_READ_TIMEOUT"] = options.read_timeout_s;
    map["OPT_WRITE_TIMEOUT"] = options.write_timeout_s;
    // Never OPT_RECONNECT: a silent reconnect loses session state; callers
    // reconnect explicitly on kErrConnection.
    std::unique_ptr<sql::Connection> connection(sql::mysql::get_mysql_driver_instance()->connect(map));
    return Session(std::move(connection), name);
  } catch (const sql::SQLException& e) {
    // A failed connect is a connection error whatever its code, but for the
    // refusals that a retry will not cure (bad password, no grant).
    Error error = to_error(e, name);
    if (error.code == kErrSql || error.code == kErrReadOnly) error.code = kErrConnection;
    return error;
  }
}

Result<void> Session::execute(const std::string& text) {
  try {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    statement->execute(text);
    return ok();
  } catch (const sql::SQLException& e) {
    return to_error(e, name_);
  }
}

Result<Rows> Session::query(const std::string& text) {
  try {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> results(statement->executeQuery(text));
    sql::ResultSetMetaData* meta = results->getMetaData();
    const unsigned columns = meta->getColumnCount();
    Rows out;
    for (unsigned c = 1; c <= columns; ++c) out.columns.push_back(meta->getColumnLabel(c).asStdString());
    while (results->next()) {
      Row row;
      row.reserve(columns);
      for (unsigned c = 1; c <= columns; ++c) {
        if (results->isNull(c)) row.emplace_back(std::nullopt);
        else row.emplace_back(results->getString(c).asStdString());
      }
      out.rows.push_back(std::move(row));
    }
    return out;
  } catch (const sql::SQLException& e) {
    return to_error(e, name_);
  }
}

Result<std::optional<std::string>> Session::query_value(const std::string& text) {
  auto result = query(text);
  if (!result) return result.error();
  if (result->rows.empty() || result->rows.front().empty()) {
    return make_error(kErrSql, name_ + ": no value returned by: " + text);
  }
  return result->rows.front().front();
}

Result<long long> Session::query_int(const std::string& text) {
  auto value = query_value(text);
  if (!value) return value.error();
  try {
    if (*value) return std::stoll(**value);
  } catch (const std::exception&) {
  }
  return make_error(kErrSql, name_ + ": not a number from: " + text);
}

}  // namespace pivot::mysql
