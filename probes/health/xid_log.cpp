#include "probes/health/xid_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <regex>
#include <sstream>

namespace kiln {

std::vector<XidEvent> ParseXidEvents(const std::string& kernel_log) {
  static const std::regex kXid(R"(NVRM: Xid \(PCI:([0-9A-Fa-f:.]+)\): (\d+))");
  std::vector<XidEvent> events;
  std::istringstream lines(kernel_log);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (!std::regex_search(line, match, kXid)) continue;
    int xid = 0;
    std::string digits = match[2].str();
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), xid);
    if (error == std::errc() && end == digits.data() + digits.size()) events.push_back({match[1].str(), xid, line});
  }
  return events;
}

std::string ReadKernelLog(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *error = std::string("cannot read kernel log ") + path + ": " + std::strerror(errno);
    return {};
  }
  std::string text;
  char buffer[8192];
  while (text.size() < kMostKernelLogBytes) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
      if (text.back() != '\n') text += '\n';  // /dev/kmsg gives one record per read
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) continue;  // /dev/kmsg: a record was overwritten; go on
    break;                                  // end of file, or EAGAIN at the end of /dev/kmsg
  }
  ::close(fd);
  return text;
}

}  // namespace kiln
