#include "core/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/hostname.hpp"

namespace kiln {
namespace {

int OpenLockFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd < 0) ThrowSystemError(errno, fmt::format("cannot open the lock file '{}'", path));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw RunError(fmt::format("the lock file '{}' is not a regular file", path));
  }
  return fd;
}

}  // namespace

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock FileLock::Wait(const std::string& path) {
  int fd = OpenLockFile(path);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int error = errno;
    ::close(fd);
    ThrowSystemError(error, fmt::format("cannot lock '{}'", path));
  }
  return FileLock(fd);
}

std::optional<FileLock> FileLock::Try(const std::string& path, std::string& holder) {
  int fd = OpenLockFile(path);
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return FileLock(fd);
  int error = errno;
  if (error != EWOULDBLOCK) {
    ::close(fd);
    ThrowSystemError(error, fmt::format("cannot lock '{}'", path));
  }
  char text[512];
  ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  holder.assign(text, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
  if (holder.empty()) holder = "another process (it has not said which yet)";
  ::close(fd);
  return std::nullopt;
}

void FileLock::DescribeHolder() {
  if (fd_ < 0) return;
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char started[32];
  std::strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::string text = fmt::format("pid {} on host {}, started {}\n", ::getpid(), LocalHostname(), started);
  // Best effort: the lock holds whether or not its description could be written.
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, text.data(), text.size(), 0) < 0) return;
}

}  // namespace kiln
