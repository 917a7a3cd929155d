// libFuzzer target for pivot::protocol::decode, the edge that reads untrusted
// bytes. Input layout: the topic frame, a 0x00 byte, the payload frame (no
// 0x00: all of it is the topic and the payload is empty). Beyond "no crash, no
// leak, no UB" it checks that whatever decodes re-encodes to bytes that decode
// again to the same bytes: encode and decode must agree on every message.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "pivot/protocol/codec.hpp"
#include "pivot/protocol/topic.hpp"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_decode: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pivot::protocol;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  const std::string_view topic = input.substr(0, split);
  const std::string_view payload =
      split == std::string_view::npos ? std::string_view() : input.substr(split + 1);

  auto decoded = decode(topic, payload);
  if (!decoded.ok()) {
    if (decoded.error().code.empty()) fail("an error without a code");
    return 0;
  }
  const std::string once = encode(*decoded);
  auto again = decode(topic_of(*decoded), once);
  if (!again.ok()) fail("a decoded message does not decode after re-encoding");
  if (encode(*again) != once) fail("re-encoding is not stable");
  return 0;
}
