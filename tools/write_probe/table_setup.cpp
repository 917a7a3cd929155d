#include "table_setup.hpp"

#include <vector>

#include "pivot/log.hpp"

namespace pivot::tools {

Result<void> create_probe_table(const ProbeConfig& config, const std::string& admin_password,
                                const ProbeTable& table) {
  auto log = pivot::log::get("write_probe");
  std::vector<mysql::Session> writable;
  std::vector<std::string> names;
  for (const auto& node : config.nodes) {
    mysql::SessionOptions options = session_options(config, node, config.admin_user, admin_password);
    options.database.clear();  // the table is named in full; the database may be new
    auto session = mysql::Session::open(options);
    if (!session) {
      log->warn("create-table: skipping unreachable node: {}", session.error().message);
      continue;
    }
    auto read_only = session->query_int("SELECT @@read_only");
    if (read_only && *read_only == 0) {
      writable.push_back(std::move(*session));
      names.push_back(node.name());
    }
  }
  if (writable.empty()) {
    return make_error("no_writable_node", "--create-table found no writable node to create the table on");
  }
  if (writable.size() > 1) {
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
    return make_error("several_writable_nodes",
                      "--create-table found several writable nodes (" + list + "); refusing to create the "
                      "table on more than one");
  }
  auto created = writable.front().execute(table.create_sql());
  if (!created) return make_error("create_failed", "creating " + table.qualified() + ": " + created.error().message);
  pivot::log::event(*log, spdlog::level::info, {.node = names.front()}, "probe table ready table={}",
                    table.qualified());
  return ok();
}

Result<void> check_probe_table(const ProbeConfig& config, const std::string& password, const ProbeTable& table) {
  std::string last_error;
  bool reached = false;
  for (const auto& node : config.nodes) {
    auto session = mysql::Session::open(session_options(config, node, config.user, password));
    if (!session) {
      last_error = session.error().message;
      continue;
    }
    reached = true;
    auto exists = session->query(table.exists_sql());
    if (exists) return ok();
    last_error = exists.error().message;
  }
  if (!reached) return make_error("unreachable", "no node answered as " + config.user + ": " + last_error);
  return make_error("table_missing",
                    "the probe table " + table.qualified() + " is not usable as " + config.user + " (" +
                        last_error + "); create it with --create-table (as --admin-user) or beforehand");
}

}  // namespace pivot::tools
