#include "pivot/controller/utf8_text.hpp"

#include <algorithm>

namespace pivot::controller {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed character at bytes[i], or 0 when there is none
// (RFC 3629's table: the second byte's range depends on the first).
std::size_t char_length(std::string_view bytes, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 == 0xE0) {
    len = 3, lo = 0xA0;  // no overlong forms
  } else if (b0 >= 0xE1 && b0 <= 0xEC) {
    len = 3;
  } else if (b0 == 0xED) {
    len = 3, hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xEE && b0 <= 0xEF) {
    len = 3;
  } else if (b0 == 0xF0) {
    len = 4, lo = 0x90;  // no overlong forms
  } else if (b0 >= 0xF1 && b0 <= 0xF3) {
    len = 4;
  } else if (b0 == 0xF4) {
    len = 4, hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;  // a continuation byte, C0, C1, F5..FF
  }
  if (i + len > bytes.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

}  // namespace

std::string valid_utf8(std::string_view bytes, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(bytes.size(), max_bytes));
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t len = char_length(bytes, i);
    const std::string_view piece = len ? bytes.substr(i, len) : kReplacement;
    if (piece.size() > max_bytes - out.size()) break;
    out += piece;
    i += len ? len : 1;
  }
  return out;
}

}  // namespace pivot::controller
