#pragma once
// pivotctl tui's view: the model to the lines of one screen. Pure, so tests
// read a screen's text without a terminal; the curses adapter only paints
// these lines.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pivot/ctl/table.hpp"
#include "pivot/ctl/tui_model.hpp"

namespace pivot::ctl::tui {

// Below this a screen is replaced by a message asking for a larger terminal.
inline constexpr std::size_t kMinWidth = 60;
inline constexpr std::size_t kMinHeight = 10;

struct Span {
  std::string text;
  Tone tone = Tone::plain;
};

struct Line {
  std::vector<Span> spans;
  bool selected = false;  // drawn reversed
  bool bar = false;       // the title and status bars
  std::string text() const;
};

struct ViewContext {
  std::size_t width = 80;
  std::size_t height = 24;
  std::uint64_t now_ms = 0;  // the same clock as Update::at_ms
  std::string controller;    // pivotd's URL, for the bars
};

// Exactly `height` lines (fewer only when the terminal is too small), none
// wider than `width` display columns.
std::vector<Line> render(const Model& model, const ViewContext& context);

// How far the current screen can scroll at this size (0 for a screen with a
// selection): the loop hands it to clamp_scroll, so `k` after `G` moves at once.
std::size_t scroll_limit(const Model& model, const ViewContext& context);

// Text as paint() coloured it, as spans with their tones.
Line line_from_painted(const std::string& painted);

}  // namespace pivot::ctl::tui
