#pragma once
// What a --route file names, from its whole text: the pure part of RouteFile.
//
// The file is written in one of two ways, and both must read right while a
// writer is half done:
//   - replaced whole (written elsewhere, then renamed over it): one line;
//   - appended to, one line per switch (`printf '%s\n' "$NEW" >> route`: no
//     process but the shell's, and no rename, on the write-blocked path).
// So the route is the last line that ends in '\n'; text after it is an append
// still in progress and is not read yet. A file with no '\n' at all is one
// line written without one, read whole. An empty line names no node.

#include <string>
#include <string_view>

namespace pivot::tools {

std::string route_line(std::string_view text);

}  // namespace pivot::tools
