#pragma once
// pivotd's configuration: one immutable struct, from pivotd.yaml and the
// command line (flags override the file), validated before anything binds.
// Secrets are only named by path (key file, tokens file).

#include <optional>
#include <string>
#include <vector>

#include "pivot/result.hpp"

namespace pivot::controller {

struct PivotdConfig {
  std::string clusters_dir = "/etc/pivot/clusters.d";
  std::string state_dir = "/var/lib/pivot";  // the epoch and the job journal (journal.sqlite)
  int journal_retention_days = 90;  // finished jobs older than this leave the journal (at start, then daily)
  // On SIGTERM, how long running jobs may take to end; then pivotd leaves and
  // the next start recovers them from the journal. Below the unit's
  // TimeoutStopSec (90 s), so that systemd never has to SIGKILL.
  int stop_timeout_s = 60;
  std::string http = "127.0.0.1:7780";
  std::string events_bind = "tcp://*:7701";
  std::string commands_bind = "tcp://*:7702";
  std::string key;          // pivotd's CURVE secret key file
  std::string agent_keys = "/etc/pivot/agents.d";
  std::string tokens_file = "/etc/pivot/tokens";
  std::string log_level = "info";
  bool insecure = false;    // no CURVE, no tokens: loopback only
  // GET /v1/events (docs/api.md): a comment after this long without an event;
  // what one client may leave unread before it is dropped; what
  // Last-Event-ID can resume from.
  int event_keepalive_ms = 15000;
  int event_client_buffer_kib = 1024;
  int event_history_kib = 8192;
  // Automatic failovers across every cluster within an hour, at most: one
  // network event must not fail over the whole fleet (ARCHITECTURE.md).
  int max_auto_failovers_per_hour = 3;
  // How often the failover guard judges every cluster (detection's reaction
  // time adds at most this to an agent's report).
  int failover_guard_tick_ms = 100;
  std::string source;       // the file it came from, for messages
};

struct PivotdOverrides {
  std::optional<std::string> clusters_dir, state_dir, http, events_bind, commands_bind, key, agent_keys,
      tokens_file, log_level;
  bool insecure = false;
};

// host:port of the REST listener; host must be an IP literal or "localhost".
struct HttpAddress {
  std::string host;
  unsigned short port = 0;
};
Result<HttpAddress> parse_http_address(const std::string& text);

// Parses pivotd.yaml text; every problem "FILE:LINE: key: problem".
Result<PivotdConfig> parse_pivotd_yaml(const std::string& text, const std::string& filename);
PivotdConfig apply_overrides(PivotdConfig config, const PivotdOverrides& overrides);
// Every problem of a complete config, naming its key; pure (reads no file).
std::vector<std::string> validate_pivotd_config(const PivotdConfig& config);
// Read the file (when given), apply the overrides, validate, check that the
// files and dirs named exist. Error bad_config with one problem per line.
Result<PivotdConfig> load_pivotd_config(const std::optional<std::string>& path, const PivotdOverrides& overrides);

}  // namespace pivot::controller
