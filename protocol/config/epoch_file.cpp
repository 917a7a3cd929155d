#include "pivot/epoch_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace pivot {

Result<std::uint64_t> EpochFile::load() const {
  std::ifstream in(path());
  if (!in) {
    if (!std::filesystem::exists(path())) return std::uint64_t{0};
    return make_error("state_dir", "cannot read " + path());
  }
  std::string text;
  std::getline(in, text);
  std::uint64_t epoch = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), epoch);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return make_error("state_dir", path() + " is corrupt ('" + text.substr(0, 32) + "')");
  }
  return epoch;
}

Result<void> EpochFile::save(std::uint64_t epoch) const {
  std::error_code ec;
  if (std::filesystem::create_directories(dir_, ec)) {
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
  }
  if (ec) return make_error("state_dir", "cannot create " + dir_ + ": " + ec.message());
  const std::string tmp = path() + ".tmp";
  const std::string text = std::to_string(epoch) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error("state_dir", "cannot write " + tmp + ": " + std::strerror(errno));
  const bool ok_written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok_written || ::rename(tmp.c_str(), path().c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error("state_dir", "cannot write " + path() + ": " + std::strerror(errno));
  }
  // The rename is durable once the directory is synced.
  if (int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return ok();
}

Result<void> EpochFile::reset() const {
  std::error_code ec;
  std::filesystem::remove(path(), ec);
  if (ec) return make_error("state_dir", "cannot remove " + path() + ": " + ec.message());
  return ok();
}

}  // namespace pivot
