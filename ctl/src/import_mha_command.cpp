// `pivotctl import-mha APP.CNF`: reads the file, prints the spec on stdout
// and every warning on stderr. Needs no pivotd: it runs before any connection.
#include <fstream>
#include <ostream>
#include <sstream>

#include "pivot/ctl/commands.hpp"
#include "pivot/ctl/mha_import.hpp"

namespace pivot::ctl {

ExitCode run_import_mha(const Invocation& inv, Context& context) {
  std::ifstream in(inv.mha_config);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    context.err << "pivotctl: import-mha: " << inv.mha_config << ": cannot be read\n";
    return ExitCode::usage;
  }
  auto imported = import_mha(text.str(), MhaImportOptions{inv.mha_config, inv.name, inv.primary, inv.azs});
  if (!imported) {
    context.err << "pivotctl: import-mha: " << imported.error().message << "\n";
    return ExitCode::usage;
  }
  for (const auto& w : imported->warnings) context.err << "warning: " << w << "\n";
  context.out << imported->yaml;
  context.out.flush();
  return ExitCode::ok;
}

}  // namespace pivot::ctl
