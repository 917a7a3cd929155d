#pragma once
// Everything pivotctl takes from the world, injected so that tests run the
// whole program with no terminal, no network and no real sleeps.

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "pivot/ctl/clock.hpp"
#include "pivot/ctl/controller_url.hpp"
#include "pivot/ctl/transport.hpp"

namespace pivot::ctl {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
using TransportFactory = std::function<std::unique_ptr<Transport>(const ControllerUrl& url)>;

struct Context {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool stdin_terminal = false;   // isatty(0): may we ask for confirmation?
  bool stdout_terminal = false;  // isatty(1): colour (unless NO_COLOR is set)
  EnvLookup env;
  Clock& clock;
  TransportFactory connect;
};

}  // namespace pivot::ctl
