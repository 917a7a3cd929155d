#pragma once
// Aligned text tables. Widths are measured on the plain text, colour is added
// after padding, so columns line up with or without it.

#include <iosfwd>
#include <string>
#include <vector>

namespace pivot::ctl {

enum class Tone { plain, good, bad, warn, dim };

struct Cell {
  std::string text;
  Tone tone = Tone::plain;
  Cell(std::string t, Tone tn = Tone::plain) : text(std::move(t)), tone(tn) {}  // NOLINT: rows read as lists
  Cell(const char* t, Tone tn = Tone::plain) : text(t), tone(tn) {}            // NOLINT
};

// `text` wrapped in the ANSI colour of `tone` when `colour` is on.
std::string paint(const std::string& text, Tone tone, bool colour);
// Display width: UTF-8 code points, not bytes.
std::size_t display_width(const std::string& text);

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Columns two spaces apart, no trailing blanks; headers dim when coloured.
  void print(std::ostream& out, bool colour, const std::string& indent = "") const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace pivot::ctl
