#include "pivot/agent/mysql_connector.hpp"

namespace pivot::agent {
namespace {

class MysqlSession : public SqlSession {
 public:
  explicit MysqlSession(mysql::Session session) : session_(std::move(session)) {}
  Result<void> execute(const std::string& sql) override { return session_.execute(sql); }
  Result<mysql::Rows> query(const std::string& sql) override { return session_.query(sql); }

 private:
  mysql::Session session_;
};

}  // namespace

Result<std::unique_ptr<SqlSession>> MysqlConnector::open(int read_timeout_s) {
  mysql::SessionOptions options = options_;
  if (read_timeout_s > 0) options.read_timeout_s = read_timeout_s;
  auto session = mysql::Session::open(options);
  if (!session) return session.error();
  return std::unique_ptr<SqlSession>(std::make_unique<MysqlSession>(std::move(session).value()));
}

}  // namespace pivot::agent
