#pragma once
// The REST API's bearer tokens (ARCHITECTURE.md, "Command lines and config
// files"): one token per line, `operator|viewer <name> <token>`, `#` comments
// and blank lines allowed. The name is what jobs record as `requested_by`.
// A token never appears in a message or a log line, not even a duplicate one.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pivot/protocol/enum_names.hpp"
#include "pivot/result.hpp"

namespace pivot::controller {

// `operator` is a C++ keyword, hence the underscore; the file and the API say "operator".
enum class TokenRole { viewer, operator_ };

// Who is calling: the role and the name of the token presented.
struct Caller {
  TokenRole role = TokenRole::viewer;
  std::string name;
  bool operator==(const Caller&) const = default;
};

class Tokens {
 public:
  // Every problem at once, one per line as "FILE:LINE: problem" (code bad_tokens):
  // an unknown role, a missing or extra field, a token used twice. Two tokens
  // may share a name (a rotation: old and new token of the same pipeline).
  static Result<Tokens> parse(std::string_view text, const std::string& filename);
  // Reads and parses the file; an unreadable file is named (code bad_tokens).
  static Result<Tokens> load(const std::string& path);

  // The caller of a bearer token, nullopt when unknown. Every stored token is
  // compared in constant time, so the answer's timing does not tell how much
  // of a guess was right.
  std::optional<Caller> find(std::string_view token) const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Caller caller;
    std::string token;
  };
  std::vector<Entry> entries_;
};

}  // namespace pivot::controller

namespace pivot::protocol {
template <>
struct EnumNames<controller::TokenRole> {
  static constexpr std::array<std::string_view, 2> names{"viewer", "operator"};
};
}  // namespace pivot::protocol
