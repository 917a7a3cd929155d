// pivotctl: the operator's client of pivotd. main() only wires the real
// world (terminal, environment, clock, Beast) into run_pivotctl.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "pivot/ctl/beast_transport.hpp"
#include "pivot/ctl/pivotctl.hpp"

int main(int argc, char** argv) {
  using namespace pivot::ctl;
  SteadyClock clock;
  Context context{
      std::cin,
      std::cout,
      std::cerr,
      ::isatty(STDIN_FILENO) == 1,
      ::isatty(STDOUT_FILENO) == 1,
      [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        return value ? std::optional<std::string>(value) : std::nullopt;
      },
      clock,
      [](const ControllerUrl& url) -> std::unique_ptr<Transport> { return std::make_unique<BeastTransport>(url); },
  };
  return run_pivotctl(std::vector<std::string>(argv + 1, argv + argc), context);
}
