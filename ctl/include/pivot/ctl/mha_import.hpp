#pragma once
// `pivotctl import-mha`: an MHA application config (mha4mysql-manager's
// app.cnf: `[server default]`, `[serverN]` blocks of `key=value`, read as
// MHA's Config::Tiny reads it) turned into a cluster spec (docs/cluster-spec.md).
// Pure: text in, YAML and warnings out; the command reads the file and prints.
//
// What maps: hostname/port -> host/port; the --primary server -> primary;
// no_master=1 -> backup (never promoted, the spec's own word for it);
// candidate_master=1 -> replica with a priority (MHA's order kept); others
// -> replica; node_label or the hostname's first label -> the node's name.
// Every other setting present gets one warning saying what to do instead.
// A password is never copied, printed or named by its value.

#include <optional>
#include <string>
#include <vector>

#include "pivot/result.hpp"

namespace pivot::ctl {

struct MhaImportOptions {
  std::string source;                  // the file's path: its base name is the default cluster name
  std::optional<std::string> name;     // --name
  std::optional<std::string> primary;  // --primary HOST:PORT (HOST alone: the one server on that host)
  std::vector<std::string> azs;        // --az HOST:PORT=AZ, repeated
};

struct MhaImport {
  std::string yaml;                   // the cluster spec, for stdout
  std::vector<std::string> warnings;  // one sentence each, for stderr
};

// The AZ written for a server no --az names (and warned about).
inline constexpr const char* kMhaAzPlaceholder = "unknown";

// Error code `mha_config` (the file: syntax, a block MHA refuses, no server,
// no hostname, a bad port, two servers on one address) or `usage` (a --name,
// --primary or --az that names nothing or cannot be one), each message
// naming the line or option.
Result<MhaImport> import_mha(const std::string& text, const MhaImportOptions& options);

}  // namespace pivot::ctl
