#pragma once
// pivotctl tui: the full-screen client (docs/tui.md). The loop and the
// terminal live in tui_curses.cpp; everything it decides is in tui_model,
// everything it shows in tui_view, everything it reads in tui_feed.

#include "pivot/ctl/api_client.hpp"
#include "pivot/ctl/context.hpp"
#include "pivot/ctl/exit_code.hpp"

namespace pivot::ctl {

// Runs until the operator quits. Needs a terminal on stdin and stdout
// (exit 2 otherwise); colour unless NO_COLOR is set or the terminal has none.
ExitCode run_tui(Context& context, ApiClient& api);

}  // namespace pivot::ctl
