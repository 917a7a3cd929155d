#pragma once
// The whole of pivotctl as a function, so tests run it end to end with a
// FakeTransport; main() only builds the real Context.

#include <string>
#include <vector>

#include "pivot/ctl/context.hpp"

namespace pivot::ctl {

// `args` excludes the program name. Returns the exit code.
int run_pivotctl(const std::vector<std::string>& args, Context& context);

}  // namespace pivot::ctl
