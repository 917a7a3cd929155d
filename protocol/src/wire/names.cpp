#include "pivot/protocol/names.hpp"

#include <string>

#include "pivot/protocol/errors.hpp"

namespace pivot::protocol {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || !is_lower_alnum(name.front())) return false;
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

Result<void> validate_name(std::string_view name, std::string_view what) {
  if (is_valid_name(name)) return ok();
  // Quote at most a name's worth of a hostile value: messages end up in logs.
  std::string shown(name.substr(0, kMaxNameLength + 1));
  return make_error(errc::bad_name, std::string(what) + " '" + shown +
                                        "' is not a name: 1 to 63 of [a-z0-9_-], starting "
                                        "with a letter or digit");
}

}  // namespace pivot::protocol
