#include "predict/sysfs_counter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <system_error>

namespace kiln::predict {

namespace fs = std::filesystem;

std::optional<double> ReadSysfsCounter(const fs::path& path) {
  // A counter is one decimal line; 64 bytes hold any. Opened without following a planted FIFO into a block.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  char text[64];
  ssize_t got = -1;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode)) got = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (got <= 0) return std::nullopt;
  const char* end = text + got;
  while (end > text && (end[-1] == '\n' || end[-1] == ' ')) --end;
  unsigned long long value = 0;
  auto [stop, error] = std::from_chars(text, end, value);
  if (error != std::errc() || stop != end) return std::nullopt;
  return static_cast<double>(value);
}

std::vector<fs::path> SortedChildren(const fs::path& folder) {
  std::vector<fs::path> children;
  std::error_code error;
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    children.push_back(it->path());
  }
  std::sort(children.begin(), children.end());
  return children;
}

}  // namespace kiln::predict
