#include "pivot/controller/tokens.hpp"

#include <fstream>
#include <map>
#include <sstream>

namespace pivot::controller {
namespace {

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const auto start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Constant time in the content of both strings: no early exit on the first
// differing byte (only the stored token's length shows in the timing).
bool same_token(std::string_view stored, std::string_view presented) {
  unsigned diff = stored.size() == presented.size() ? 0u : 1u;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const unsigned char p = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    diff |= static_cast<unsigned char>(stored[i]) ^ p;
  }
  return diff == 0;
}

}  // namespace

Result<Tokens> Tokens::parse(std::string_view text, const std::string& filename) {
  Tokens tokens;
  std::string problems;
  std::map<std::string, std::size_t> first_line_of;  // token -> line (never printed)
  auto problem = [&](std::size_t line, const std::string& what) {
    if (!problems.empty()) problems += '\n';
    problems += filename + ":" + std::to_string(line) + ": " + what;
  };

  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const auto fields = split_fields(line);
    if (fields.empty() || fields[0].front() == '#') continue;

    const auto role = protocol::enum_from_string<TokenRole>(fields[0]);
    if (!role) {
      problem(line_no, "unknown role '" + std::string(fields[0]) + "' (expected operator or viewer)");
      continue;
    }
    if (fields.size() != 3) {
      problem(line_no, std::string(fields.size() < 3 ? "missing fields" : "extra fields") +
                           ": expected 'operator|viewer NAME TOKEN'");
      continue;
    }
    const std::string token(fields[2]);
    const auto [it, inserted] = first_line_of.emplace(token, line_no);
    if (!inserted) {
      problem(line_no, "duplicate token (already on line " + std::to_string(it->second) + ")");
      continue;
    }
    tokens.entries_.push_back({Caller{*role, std::string(fields[1])}, token});
  }
  if (!problems.empty()) return make_error("bad_tokens", problems);
  return tokens;
}

Result<Tokens> Tokens::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("bad_tokens", path + ": cannot read the tokens file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

std::optional<Caller> Tokens::find(std::string_view token) const {
  std::optional<Caller> found;
  for (const auto& entry : entries_) {
    if (same_token(entry.token, token) && !found) found = entry.caller;
  }
  return found;
}

}  // namespace pivot::controller
