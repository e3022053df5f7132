#include "history/history_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/errors.hpp"

namespace kiln {
namespace {

// The SQLite file header (https://www.sqlite.org/fileformat.html): a magic string, then big-endian fields.
constexpr std::size_t kHeaderBytes = 100;
constexpr char kSqliteMagic[] = "SQLite format 3";  // and its terminating NUL: 16 bytes
constexpr std::size_t kApplicationIdOffset = 68;

std::string KindOfFile(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// The file's first 100 bytes (fewer when it is shorter), read through a descriptor checked to be the regular
// file that stat() saw: a FIFO or device swapped in between is neither opened blocking nor read.
std::string ReadHeader(const std::string& path, const struct stat& seen, std::size_t& size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) throw RunError(fmt::format("cannot read history database '{}': {}", path, std::strerror(errno)));
  struct stat opened {};
  if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode) || opened.st_ino != seen.st_ino ||
      opened.st_dev != seen.st_dev) {
    ::close(fd);
    throw InputError(path, 0, "the history database changed while it was being opened; try again");
  }
  std::array<char, kHeaderBytes> header{};
  ssize_t n = ::pread(fd, header.data(), header.size(), 0);
  int error = errno;
  ::close(fd);
  if (n < 0) throw RunError(fmt::format("cannot read history database '{}': {}", path, std::strerror(error)));
  size = static_cast<std::size_t>(opened.st_size);
  return std::string(header.data(), static_cast<std::size_t>(n));
}

}  // namespace

HistoryFileHeader InspectHistoryFile(const std::string& path) {
  if (path.empty()) throw InputError("the history database path is empty: name the file (--db, --history)");
  HistoryFileHeader result;
  struct stat entry {}, target {};
  if (::lstat(path.c_str(), &entry) != 0) {
    if (errno == ENOENT) return result;
    throw RunError(fmt::format("cannot open history database '{}': {}", path, std::strerror(errno)));
  }
  if (::stat(path.c_str(), &target) != 0) {
    if (errno == ENOENT) throw InputError(path, 0, "a symlink to nothing: name the history file itself");
    throw RunError(fmt::format("cannot open history database '{}': {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(target.st_mode)) {
    throw InputError(path, 0, fmt::format("{}, not a history database (a regular file)", KindOfFile(target.st_mode)));
  }
  std::size_t size = 0;
  std::string header = ReadHeader(path, target, size);
  if (size == 0) {
    result.kind = HistoryFileHeader::Kind::kEmpty;
    return result;
  }
  if (header.size() < kHeaderBytes || header.compare(0, sizeof kSqliteMagic, kSqliteMagic, sizeof kSqliteMagic) != 0) {
    throw InputError(path, 0, "not an SQLite database, so not a Kiln history");
  }
  result.kind = HistoryFileHeader::Kind::kSqlite;
  for (std::size_t i = 0; i < 4; ++i) {
    result.application_id = (result.application_id << 8) | static_cast<unsigned char>(header[kApplicationIdOffset + i]);
  }
  if (result.application_id != 0 && result.application_id != kKilnApplicationId) {
    throw InputError(path, 0, fmt::format("an SQLite database of another program (application_id {:#x}), not a "
                                          "Kiln history; left untouched", result.application_id));
  }
  return result;
}

std::string SqliteFilePath(const std::string& path) {
  return path.starts_with('/') ? path : "./" + path;
}

std::string SqliteReadOnlyUri(const std::string& path, bool immutable) {
  std::string absolute = std::filesystem::absolute(path).string();
  std::string uri = "file://";
  for (char c : absolute) {
    if (c == '%' || c == '?' || c == '#') {
      uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      uri += c;
    }
  }
  return uri + (immutable ? "?mode=ro&immutable=1" : "?mode=ro");
}

}  // namespace kiln
