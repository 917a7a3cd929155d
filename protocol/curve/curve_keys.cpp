#include "pivot/curve_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <zmq.h>

namespace pivot::curve {
namespace {

constexpr size_t kZ85KeyLength = 40;

// Writes through a temporary file and rename, so a reader never sees a
// half-written key and the secret never exists with a wider mode.
Result<void> write_file(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  const std::string tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return make_error("io", "cannot write " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, mode);  // umask may have narrowed or the file existed
  const std::string line = text + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error("io", "cannot write " + path.string() + ": " + std::strerror(errno));
  }
  return ok();
}

}  // namespace

Result<std::string> read_key_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("bad_key", "cannot read key file '" + path + "'");
  std::string key;
  std::getline(in, key);
  while (!key.empty() && (key.back() == '\r' || key.back() == ' ' || key.back() == '\t')) key.pop_back();
  if (key.size() != kZ85KeyLength) {
    return make_error("bad_key", "key file '" + path + "' must hold one Z85 key of 40 characters, found " +
                                     std::to_string(key.size()));
  }
  return key;
}

Result<std::string> public_of(const std::string& secret_key) {
  char public_key[kZ85KeyLength + 1] = {};
  if (secret_key.size() != kZ85KeyLength || zmq_curve_public(public_key, secret_key.c_str()) != 0) {
    return make_error("bad_key", "not a valid Z85 secret key");
  }
  return std::string(public_key);
}

Result<KeyPair> generate() {
  char public_key[kZ85KeyLength + 1] = {};
  char secret_key[kZ85KeyLength + 1] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return make_error("curve", std::string("libzmq cannot generate CURVE keys: ") + zmq_strerror(zmq_errno()));
  }
  return KeyPair{public_key, secret_key};
}

Result<KeyPair> write_key_pair(const std::string& dir, const std::string& name, bool force) {
  namespace fs = std::filesystem;
  const fs::path secret_path = fs::path(dir) / (name + ".key");
  const fs::path public_path = fs::path(dir) / (name + ".pub");
  if (!force) {
    for (const auto& p : {secret_path, public_path}) {
      if (fs::exists(p)) return make_error("exists", p.string() + " exists; use --force to replace the key pair");
    }
  }
  std::error_code ec;
  if (!fs::exists(dir)) {
    fs::create_directories(dir, ec);
    if (ec) return make_error("io", "cannot create " + dir + ": " + ec.message());
    fs::permissions(dir, fs::perms::owner_all, ec);
  }
  auto pair = generate();
  if (!pair) return pair.error();
  if (auto w = write_file(secret_path, pair->secret_key, 0600); !w) return w.error();
  if (auto w = write_file(public_path, pair->public_key, 0644); !w) return w.error();
  return pair;
}

}  // namespace pivot::curve
