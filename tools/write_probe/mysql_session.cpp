#include "mysql_session.hpp"

#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

namespace pivot::tools {
namespace {

// Client-side errors (2000-2999: CR_SERVER_GONE_ERROR, CR_SERVER_LOST, ...),
// ER_CONNECTION_KILLED (1927) and a server shutting down (1053) all mean that
// this connection is of no further use.
bool connection_is_gone(int code) {
  return (code >= 2000 && code < 3000) || code == 1927 || code == 1053;
}

Error to_error(const sql::SQLException& e, const std::string& node) {
  const int code = e.getErrorCode();
  const char* slug = code == 1290 ? kErrReadOnly : connection_is_gone(code) ? kErrConnection : kErrSql;
  return make_error(slug, node + ": error " + std::to_string(code) + ": " + e.what());
}

}  // namespace

MysqlSession::MysqlSession(std::unique_ptr<sql::Connection> connection, std::string node)
    : connection_(std::move(connection)), node_(std::move(node)) {}

Result<MysqlSession> MysqlSession::open(const SessionOptions& options) {
  const std::string node = options.node.name();
  try {
    sql::ConnectOptionsMap map;
    map["hostName"] = sql::SQLString(options.node.host);
    map["port"] = options.node.port;
    map["userName"] = sql::SQLString(options.user);
    map["password"] = sql::SQLString(options.password);
    if (!options.database.empty()) map["schema"] = sql::SQLString(options.database);
    map["OPT_CONNECT_TIMEOUT"] = options.connect_timeout_s;
    map["OPT_READ_TIMEOUT"] = options.read_timeout_s;
    map["OPT_WRITE_TIMEOUT"] = options.write_timeout_s;
    std::unique_ptr<sql::Connection> connection(sql::mysql::get_mysql_driver_instance()->connect(map));
    return MysqlSession(std::move(connection), node);
  } catch (const sql::SQLException& e) {
    // A refused connect is a connection error whatever its code (1045 aside,
    // which the message names): the caller retries or reports it.
    Error error = to_error(e, node);
    if (error.code == kErrSql && e.getErrorCode() != 1045 && e.getErrorCode() != 1044) {
      error.code = kErrConnection;
    }
    return error;
  }
}

Result<void> MysqlSession::execute(const std::string& text) {
  try {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    statement->execute(text);
    return ok();
  } catch (const sql::SQLException& e) {
    return to_error(e, node_);
  }
}

Result<std::vector<MysqlSession::Row>> MysqlSession::query(const std::string& text) {
  try {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> results(statement->executeQuery(text));
    const unsigned columns = results->getMetaData()->getColumnCount();
    std::vector<Row> rows;
    while (results->next()) {
      Row row;
      row.reserve(columns);
      for (unsigned c = 1; c <= columns; ++c) {
        if (results->isNull(c)) row.emplace_back(std::nullopt);
        else row.emplace_back(results->getString(c).asStdString());
      }
      rows.push_back(std::move(row));
    }
    return rows;
  } catch (const sql::SQLException& e) {
    return to_error(e, node_);
  }
}

Result<std::optional<std::string>> MysqlSession::query_value(const std::string& text) {
  auto rows = query(text);
  if (!rows) return rows.error();
  if (rows->empty() || rows->front().empty()) {
    return make_error(kErrSql, node_ + ": no value returned by: " + text);
  }
  return rows->front().front();
}

Result<long long> MysqlSession::query_int(const std::string& text) {
  auto value = query_value(text);
  if (!value) return value.error();
  try {
    if (*value) return std::stoll(**value);
  } catch (const std::exception&) {
  }
  return make_error(kErrSql, node_ + ": not a number from: " + text);
}

}  // namespace pivot::tools
