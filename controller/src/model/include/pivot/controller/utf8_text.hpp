#pragma once
// Text from outside pivotd (a hook's output, a server's error message relayed
// by an agent) made fit for a JSON answer: JSON strings are UTF-8, and
// nlohmann::json throws when it dumps anything else. Pure.

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

namespace pivot::controller {

// `bytes` as valid UTF-8 of at most `max_bytes`: every byte that does not
// start a well-formed character (stray continuation bytes, overlong forms,
// surrogates, code points past U+10FFFF, a sequence cut short) becomes U+FFFD,
// and the text is cut before the first character that would not fit whole.
std::string valid_utf8(std::string_view bytes, std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

}  // namespace pivot::controller
