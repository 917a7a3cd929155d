#include "pivot/ctl/table.hpp"

#include <algorithm>
#include <ostream>

namespace pivot::ctl {

std::string paint(const std::string& text, Tone tone, bool colour) {
  if (!colour || tone == Tone::plain || text.empty()) return text;
  const char* code = "";
  switch (tone) {
    case Tone::good: code = "\033[32m"; break;
    case Tone::bad: code = "\033[1;31m"; break;
    case Tone::warn: code = "\033[33m"; break;
    case Tone::dim: code = "\033[2m"; break;
    case Tone::plain: break;
  }
  return code + text + "\033[0m";
}

std::size_t display_width(const std::string& text) {
  // Count every byte that does not continue a UTF-8 sequence.
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void Table::print(std::ostream& out, bool colour, const std::string& indent) const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  for (std::size_t i = 0; i < headers_.size(); ++i) widths[i] = display_width(headers_[i]);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i].text));
    }
  }
  auto line = [&](const std::vector<Cell>& cells) {
    std::string text = indent;
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      if (i > 0) text += "  ";
      text += paint(cells[i].text, cells[i].tone, colour);
      if (i + 1 < cells.size()) text += std::string(widths[i] - display_width(cells[i].text), ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();  // an empty last column
    out << text << "\n";
  };
  std::vector<Cell> header;
  for (const auto& h : headers_) header.emplace_back(h, Tone::dim);
  line(header);
  for (const auto& row : rows_) line(row);
}

}  // namespace pivot::ctl
