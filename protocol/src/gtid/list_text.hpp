#pragma once
// Text helpers shared by the MariaDB and MySQL parsers: both read
// comma-separated lists that servers print with spaces and newlines, and both
// must name the offending piece and where it sits in the input.

#include "pivot/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pivot::gtid::detail {

// A trimmed slice of the input and the offset of its first character in the
// whole text the caller was given, so that errors can point at it.
struct Piece {
  std::string_view text;
  std::size_t offset = 0;
};

Piece trim(Piece piece);  // whitespace (spaces, tabs, newlines) off both ends
bool is_blank(std::string_view text);

// Splits on `sep` and trims whitespace around each piece. Empty pieces are
// kept (a trailing comma must be reported, not silently dropped).
std::vector<Piece> split(Piece whole, char sep);

// An error naming the piece and its offset: "<what>: '<text>' at offset N".
Error piece_error(std::string code, const Piece& piece, std::string_view what);

// A decimal number without sign or spaces, at most `max`. A number too large
// gives "number_out_of_range"; anything else that is not a number gives
// `bad_code`.
Result<std::uint64_t> parse_number(const Piece& piece, std::uint64_t max, std::string_view what,
                                   const std::string& bad_code);

}  // namespace pivot::gtid::detail
