#include "pivot/agent/source_settings.hpp"

#include <initializer_list>

namespace pivot::agent {
namespace {

// The first of `names` present and not NULL (MySQL 8.0.22 renamed Master_* to Source_*).
std::string text(const Row& row, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = row.find(name);
    if (it != row.end() && it->second) return *it->second;
  }
  return "";
}

bool yes(const std::string& value) { return value == "Yes" || value == "1" || value == "ON"; }

// Digits with at most one '.': the text goes back into CHANGE MASTER as a number.
bool decimal(const std::string& value) {
  if (value.empty() || value.front() == '.' || value.size() > 20) return false;
  int dots = 0;
  for (char c : value) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  }
  return dots <= 1;
}

}  // namespace

SourceSettings source_settings_of(const Row& row) {
  SourceSettings s;
  try {
    s.sql_delay = std::stoll(text(row, {"SQL_Delay"}));
  } catch (const std::exception&) {
    s.sql_delay = 0;  // absent or not a number: no delay to keep
  }
  if (const std::string retry = text(row, {"Connect_Retry"}); decimal(retry) && retry.find('.') == std::string::npos) {
    s.connect_retry = std::stoll(retry);
  }
  if (const std::string period = text(row, {"Slave_heartbeat_period"}); decimal(period)) s.heartbeat_period = period;
  s.ssl = yes(text(row, {"Master_SSL_Allowed", "Source_SSL_Allowed"}));
  s.ssl_ca = text(row, {"Master_SSL_CA_File", "Source_SSL_CA_File"});
  s.ssl_capath = text(row, {"Master_SSL_CA_Path", "Source_SSL_CA_Path"});
  s.ssl_cert = text(row, {"Master_SSL_Cert", "Source_SSL_Cert"});
  s.ssl_key = text(row, {"Master_SSL_Key", "Source_SSL_Key"});
  s.ssl_cipher = text(row, {"Master_SSL_Cipher", "Source_SSL_Cipher"});
  s.ssl_crl = text(row, {"Master_SSL_Crl", "Source_SSL_Crl"});
  s.ssl_crlpath = text(row, {"Master_SSL_Crlpath", "Source_SSL_Crlpath"});
  s.ssl_verify_server_cert = yes(text(row, {"Master_SSL_Verify_Server_Cert", "Source_SSL_Verify_Server_Cert"}));
  if (auto it = row.find("Get_Source_public_key"); it != row.end() && it->second) {
    s.get_public_key = yes(*it->second);
  }
  return s;
}

std::optional<SourceSettings> configured_source_settings(const ReplicationSettings& replication) {
  if (!replication.ssl && replication.ssl_ca.empty()) return std::nullopt;
  SourceSettings s;
  s.ssl = true;
  s.ssl_ca = replication.ssl_ca;
  s.ssl_cert = replication.ssl_cert;
  s.ssl_key = replication.ssl_key;
  s.ssl_verify_server_cert = replication.ssl_verify_server_cert;
  return s;
}

}  // namespace pivot::agent
