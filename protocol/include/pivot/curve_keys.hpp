#pragma once
// CURVE key files: one Z85 key (40 characters) on one line. Shared by
// pivot-agent (agent.key/.pub) and pivotd (controller.key/.pub).

#include <string>

#include "pivot/result.hpp"

namespace pivot::curve {

struct KeyPair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

// Reads a key file. Error code bad_key, naming the file (never the key).
Result<std::string> read_key_file(const std::string& path);

// The public key of a Z85 secret key. Error code bad_key.
Result<std::string> public_of(const std::string& secret_key);

// A fresh key pair from libzmq's CSPRNG.
Result<KeyPair> generate();

// keygen: writes DIR/<name>.key (mode 0600, written so no other mode is ever
// visible) and DIR/<name>.pub (0644), creating DIR (0700) when missing.
// Refuses to overwrite either file unless force (error code exists).
Result<KeyPair> write_key_pair(const std::string& dir, const std::string& name, bool force);

}  // namespace pivot::curve
