// pivotctl tui's terminal adapter (ncurses) and its loop: drain the feed into
// the model, draw the model's lines, read a key (waiting at most 100 ms), turn
// it into an intent, hand the model's actions to the feed. Nothing here waits
// on the network: the feed's thread does.
#include <algorithm>
#include <ostream>

#include "pivot/ctl/tui.hpp"
#include "pivot/ctl/tui_feed.hpp"
#include "pivot/ctl/tui_view.hpp"

// Last, and as functions: curses' macros (move, erase, ...) would rewrite
// std::move and friends in the headers above.
#define NCURSES_NOMACROS 1
#include <curses.h>

namespace pivot::ctl {

namespace {

using namespace tui;

constexpr int kKeyWaitMs = 100;

enum Pair : short { kGood = 1, kBad = 2, kWarn = 3 };

// Restores the terminal however the loop ends.
class Terminal {
 public:
  explicit Terminal(bool want_colour) {
    initscr();
    cbreak();
    noecho();
    nonl();  // Enter arrives as '\r', told apart from Ctrl-J
    keypad(stdscr, TRUE);
    set_escdelay(25);  // Esc is "back": do not wait a second for an escape sequence
    curs_set(0);
    timeout(kKeyWaitMs);
    colour_ = want_colour && has_colors();
    if (colour_) {
      start_color();
      use_default_colors();
      init_pair(kGood, COLOR_GREEN, -1);
      init_pair(kBad, COLOR_RED, -1);
      init_pair(kWarn, COLOR_YELLOW, -1);
    }
  }
  ~Terminal() { endwin(); }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // NO_COLOR leaves bold, dim and reverse: they are not colour.
  attr_t attributes(Tone tone) const {
    switch (tone) {
      case Tone::good: return colour_ ? COLOR_PAIR(kGood) : A_NORMAL;
      case Tone::bad: return colour_ ? COLOR_PAIR(kBad) | A_BOLD : A_BOLD;
      case Tone::warn: return colour_ ? COLOR_PAIR(kWarn) : A_NORMAL;
      case Tone::dim: return A_DIM;
      case Tone::plain: break;
    }
    return A_NORMAL;
  }

  void draw(const std::vector<Line>& lines) {
    erase();
    const int width = COLS;
    for (int y = 0; y < static_cast<int>(lines.size()) && y < LINES; ++y) {
      const Line& line = lines[static_cast<std::size_t>(y)];
      const attr_t base = line.selected || line.bar ? A_REVERSE : A_NORMAL;
      move(y, 0);
      int used = 0;
      for (const auto& span : line.spans) {
        attrset(base | attributes(span.tone));
        addstr(span.text.c_str());
        used += static_cast<int>(display_width(span.text));
      }
      attrset(base);
      for (; used < width && base != A_NORMAL; ++used) addch(' ');
    }
    attrset(A_NORMAL);
    refresh();
  }

 private:
  bool colour_ = false;
};

Key key_of(int ch) {
  using C = Key::Code;
  switch (ch) {
    case KEY_UP: return {C::up};
    case KEY_DOWN: return {C::down};
    case KEY_PPAGE: return {C::page_up};
    case KEY_NPAGE: return {C::page_down};
    case KEY_HOME: return {C::home};
    case KEY_END: return {C::end};
    case KEY_ENTER: case '\r': case '\n': return {C::enter};
    case 27: return {C::escape};
    case KEY_BACKSPACE: case 127: case 8: return {C::backspace};
    default: break;
  }
  if (ch >= 0 && ch < 256) return {C::character, static_cast<char>(ch)};
  return {};  // KEY_RESIZE and the rest: the next draw reads the new size
}

}  // namespace

ExitCode run_tui(Context& context, ApiClient& api) {
  if (!context.stdin_terminal || !context.stdout_terminal) {
    context.err << "pivotctl: tui needs a terminal on stdin and stdout; the other commands work without one\n";
    return ExitCode::usage;
  }
  EventFeed feed(api, context.clock);  // polls instead when pivotd has no event stream
  Model model;
  {
    Terminal terminal(!context.env("NO_COLOR"));
    feed.start();
    while (!model.quit) {
      for (const auto& update : feed.drain()) apply(model, update);
      feed.watch(focus_of(model));
      const ViewContext view{static_cast<std::size_t>(std::max(COLS, 0)),
                             static_cast<std::size_t>(std::max(LINES, 0)), context.clock.now_ms(), api.url()};
      clamp_scroll(model, scroll_limit(model, view));
      terminal.draw(render(model, view));
      const int ch = getch();
      if (ch == ERR) continue;
      for (const auto& action : apply(model, intent_for(model, key_of(ch)))) feed.request(action);
    }
  }
  // The terminal is the operator's again. The stream gives way within a
  // tick; a request in flight may still take up to its timeout.
  feed.stop();
  return ExitCode::ok;
}

}  // namespace pivot::ctl
