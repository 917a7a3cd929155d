// Server versions compare by their numeric prefix: "10.11.6-MariaDB-log" is
// {10, 11, 6}; what follows the first character that is neither a digit nor
// a dot (flavor, distribution, "-log") does not order servers.

#include "checks.hpp"

namespace pivot::controller::rules {

std::optional<std::vector<unsigned long>> version_numbers(const std::string& version) {
  std::vector<unsigned long> numbers;
  bool in_number = false;
  for (char c : version) {
    if (c >= '0' && c <= '9') {
      if (!in_number) numbers.push_back(0);
      in_number = true;
      const auto digit = static_cast<unsigned long>(c - '0');
      if (numbers.back() > (~0UL - digit) / 10) return std::nullopt;  // absurdly long: not a version
      numbers.back() = numbers.back() * 10 + digit;
    } else if (c == '.' && in_number) {
      in_number = false;
    } else {
      break;
    }
  }
  if (numbers.empty()) return std::nullopt;
  return numbers;
}

}  // namespace pivot::controller::rules
