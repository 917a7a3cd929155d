#include "pivot/protocol/boot_id.hpp"

#include <cstdint>
#include <cstdio>
#include <random>

namespace pivot::protocol {

std::string new_boot_id() {
  std::random_device random;
  std::mt19937_64 gen((static_cast<std::uint64_t>(random()) << 32) ^ random());
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return text;
}

}  // namespace pivot::protocol
