#include "list_text.hpp"

namespace pivot::gtid::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Piece trim(Piece p) {
  std::size_t begin = 0;
  std::size_t end = p.text.size();
  while (begin < end && is_space(p.text[begin])) ++begin;
  while (end > begin && is_space(p.text[end - 1])) --end;
  return Piece{p.text.substr(begin, end - begin), p.offset + begin};
}

bool is_blank(std::string_view text) { return trim(Piece{text, 0}).text.empty(); }

std::vector<Piece> split(Piece whole, char sep) {
  std::vector<Piece> pieces;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = whole.text.find(sep, start);
    std::size_t stop = end == std::string_view::npos ? whole.text.size() : end;
    pieces.push_back(trim(Piece{whole.text.substr(start, stop - start), whole.offset + start}));
    if (end == std::string_view::npos) return pieces;
    start = end + 1;
  }
}

Error piece_error(std::string code, const Piece& piece, std::string_view what) {
  return make_error(std::move(code), std::string(what) + ": '" + std::string(piece.text) + "' at offset " +
                                         std::to_string(piece.offset));
}

Result<std::uint64_t> parse_number(const Piece& piece, std::uint64_t max, std::string_view what,
                                   const std::string& bad_code) {
  if (piece.text.empty()) return piece_error(bad_code, piece, std::string("missing ") + std::string(what));
  std::uint64_t value = 0;
  for (char c : piece.text) {
    if (c < '0' || c > '9') {
      return piece_error(bad_code, piece, std::string(what) + " is not a decimal number");
    }
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max - digit) / 10) {
      return piece_error("number_out_of_range", piece,
                         std::string(what) + " is larger than " + std::to_string(max));
    }
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace pivot::gtid::detail
