#pragma once
// An exclusive lock on a file (flock): held by one process at a time, released when the holder ends, however it
// ends (a killed run leaves no stale lock). The lock file holds who took it, for whoever finds it taken.

#include <optional>
#include <string>

namespace kiln {

class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  // Waits for the lock on `path`, created if absent (never through a symlink; anything but a regular file is
  // refused). Throws RunError naming the path when it cannot be opened or locked.
  static FileLock Wait(const std::string& path);
  // Takes the lock if nobody holds it; otherwise nullopt and `holder` gets the lock file's text (who holds it).
  static std::optional<FileLock> Try(const std::string& path, std::string& holder);

  bool held() const { return fd_ >= 0; }
  // Writes "pid N on host H, started T" into the lock file: what a refused second run names.
  void DescribeHolder();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace kiln
