#include "probes/common/system_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

namespace kiln {
namespace {

// Reads at most `most_bytes` of the regular file at `path`, stopping early at the first newline when `one_line`.
// The type is checked before opening (opening a device can act: a tape rewinds, a watchdog arms) and again on
// the open file; O_NONBLOCK keeps the open from waiting for a FIFO's writer should one be swapped in between.
std::optional<std::string> ReadBounded(const std::string& path, std::size_t most_bytes, bool one_line) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return std::nullopt;
  }
  std::string text;
  char buffer[4096];
  bool failed = false;
  while (text.size() < most_bytes && !(one_line && text.find('\n') != std::string::npos)) {
    ssize_t n = ::read(fd, buffer, std::min(sizeof buffer, most_bytes - text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed = text.empty();  // a sysfs attribute the driver cannot read now (EIO): unknown
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (failed) return std::nullopt;
  return text;
}

}  // namespace

std::optional<std::string> ReadFirstLine(const std::string& path) {
  std::optional<std::string> text = ReadBounded(path, kMostSystemFileBytes, true);
  if (!text || text->empty()) return std::nullopt;
  return text->substr(0, text->find('\n'));
}

std::optional<std::string> ReadWholeFile(const std::string& path, std::size_t most_bytes) {
  return ReadBounded(path, most_bytes, false);
}

std::optional<std::uint64_t> MeminfoBytes(const Environment& env, const std::string& key) {
  std::istringstream in(ReadWholeFile(env.procfs_root + "/meminfo").value_or(""));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    std::uint64_t kib = 0;
    if (fields >> kib) return kib * 1024;
  }
  return std::nullopt;
}

std::uint64_t AvailableMemoryBytes(const Environment& env) {
  return MeminfoBytes(env, "MemAvailable").value_or(0);
}

}  // namespace kiln
