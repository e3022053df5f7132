#include "core/files.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace kiln {
namespace {

std::string ParentFolder(const std::string& path) {
  std::filesystem::path target(path);
  return target.has_parent_path() ? target.parent_path().string() : ".";
}

// The process's umask, read without changing it (umask() would change it for every thread for a moment).
mode_t CurrentUmask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
  }
  return 022;
}

void WriteAll(int fd, const std::string& content, const std::string& path) {
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) ThrowSystemError(errno, fmt::format("cannot write '{}'", path));
    data += written;
    left -= static_cast<std::size_t>(written);
  }
}

void SyncFolderOf(const std::string& path) {
  int dir_fd = ::open(ParentFolder(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);  // best effort: makes the rename or link itself durable
    ::close(dir_fd);
  }
}

}  // namespace

PendingFile::PendingFile(const std::string& path, const std::string& content, mode_t mode) : path_(path) {
  // mkostemp: six random characters, O_CREAT|O_EXCL (never opens what is already there, link or not), mode 0600.
  std::string name = std::filesystem::path(path).filename().string().substr(0, 200);
  std::string pattern = fmt::format("{}/.{}.tmp-XXXXXX", ParentFolder(path), name);
  int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) ThrowSystemError(errno, fmt::format("cannot create a temporary file beside '{}'", path));
  temp_ = pattern;
  try {
    if (::fchmod(fd, mode & ~CurrentUmask()) != 0) ThrowSystemError(errno, fmt::format("cannot chmod '{}'", temp_));
    WriteAll(fd, content, temp_);
    if (::fsync(fd) != 0) ThrowSystemError(errno, fmt::format("cannot flush '{}'", temp_));
  } catch (...) {
    ::close(fd);
    ::unlink(temp_.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    int error = errno;
    ::unlink(temp_.c_str());
    ThrowSystemError(error, fmt::format("cannot flush '{}'", temp_));
  }
}

PendingFile::~PendingFile() {
  if (!done_) ::unlink(temp_.c_str());
}

void PendingFile::Commit() {
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    ThrowSystemError(errno, fmt::format("cannot rename '{}' to '{}'", temp_, path_));
  }
  done_ = true;
  SyncFolderOf(path_);
}

void PendingFile::CommitExclusively() {
  // link() fails with EEXIST for anything at the name, a dangling symlink included, and never follows one.
  if (::link(temp_.c_str(), path_.c_str()) != 0) {
    int error = errno;
    if (error == EEXIST) throw RunError(fmt::format("'{}' exists already; refusing to overwrite it", path_));
    ThrowSystemError(error, fmt::format("cannot create '{}'", path_));
  }
  ::unlink(temp_.c_str());
  done_ = true;
  SyncFolderOf(path_);
}

void WriteFileAtomically(const std::string& path, const std::string& content, mode_t mode) {
  PendingFile(path, content, mode).Commit();
}

void CreateFileExclusively(const std::string& path, const std::string& content, mode_t mode) {
  PendingFile(path, content, mode).CommitExclusively();
}

bool WritesThrough(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode);
}

void WriteOutputFile(const std::string& path, const std::string& content) {
  if (!WritesThrough(path)) {
    WriteFileAtomically(path, content);
    return;
  }
  struct stat target {};
  if (::stat(path.c_str(), &target) != 0) {
    throw InputError(fmt::format("'{}' is a symbolic link to nothing; Kiln creates no file through a link: name the "
                                 "file itself", path));
  }
  if (S_ISDIR(target.st_mode)) throw InputError(fmt::format("'{}' is a folder; name a file", path));
  // What a shell redirect does: open what is there (a device, a FIFO, the file a link names) and write into it.
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | (S_ISREG(target.st_mode) ? O_TRUNC : 0));
  if (fd < 0) ThrowSystemError(errno, fmt::format("cannot open '{}' to write", path));
  try {
    WriteAll(fd, content, path);
    if (S_ISREG(target.st_mode) && ::fsync(fd) != 0) ThrowSystemError(errno, fmt::format("cannot flush '{}'", path));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

void RefuseOverwritingInput(const std::string& output, const std::vector<std::string>& inputs, const char* option) {
  struct stat out {};
  if (::stat(output.c_str(), &out) != 0 || !S_ISREG(out.st_mode)) return;
  for (const std::string& input : inputs) {
    struct stat in {};
    if (::stat(input.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
      throw InputError(fmt::format("{} {} is the input {} itself (same device and inode): writing it would destroy "
                                   "the input; choose another output file", option, output, input));
    }
  }
}

std::string ReadFile(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, fmt::format("cannot read file: {}", std::strerror(errno)));
  std::string content;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    content.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (content.size() > max_bytes) {
      throw InputError(path, 0, fmt::format("larger than {} MiB: not an input Kiln reads", max_bytes >> 20));
    }
  }
  if (in.bad()) throw InputError(path, 0, fmt::format("cannot read file: {}", std::strerror(errno)));
  return content;
}

std::string ReadRegularFile(const std::string& path, std::size_t max_bytes, bool follow_links) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow_links ? 0 : O_NOFOLLOW));
  if (fd < 0) {
    int error = errno;
    throw InputError(path, 0, error == ELOOP && !follow_links
                                  ? std::string("is a symbolic link; Kiln does not follow links here")
                                  : fmt::format("cannot read file: {}", std::strerror(error)));
  }
  struct stat info {};
  std::string problem;
  std::string content;
  if (::fstat(fd, &info) != 0) {
    problem = fmt::format("cannot read file: {}", std::strerror(errno));
  } else if (!S_ISREG(info.st_mode)) {
    problem = "not a regular file (a FIFO, device or folder is not an input Kiln reads here)";
  } else if (static_cast<std::size_t>(info.st_size) > max_bytes) {
    problem = fmt::format("larger than {} KiB: not an input Kiln reads", max_bytes >> 10);
  }
  char buffer[1 << 16];
  while (problem.empty()) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) problem = fmt::format("cannot read file: {}", std::strerror(errno));
    if (n <= 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
    if (content.size() > max_bytes) problem = fmt::format("larger than {} KiB: not an input Kiln reads", max_bytes >> 10);
  }
  ::close(fd);
  if (!problem.empty()) throw InputError(path, 0, problem);
  return content;
}

void AppendLineDurably(const std::string& path, const std::string& line, bool sync) {
  // O_NONBLOCK: a planted FIFO cannot hang the run; anything but a regular file is refused.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd < 0) throw RunError(fmt::format("cannot open '{}' to append: {}", path, std::strerror(errno)));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    throw RunError(fmt::format("cannot append to '{}': not a regular file", path));
  }
  std::string data = line + "\n";
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      throw RunError(fmt::format("cannot append to '{}': {}", path, std::strerror(error)));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (sync && ::fsync(fd) != 0) {
    int error = errno;
    ::close(fd);
    throw RunError(fmt::format("cannot sync '{}': {}", path, std::strerror(error)));
  }
  ::close(fd);
}
std::string SafeFileName(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                 (c == '.' && !out.empty());
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  if (out.empty()) out.push_back('%');  // the empty name; no plain name is "%"
  if (out.size() > 200) {
    out.resize(183);
    out += '-';
    out += Sha256Hex(name).substr(0, 16);
  }
  return out;
}

void MakeDirectories(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) throw RunError(fmt::format("cannot create directory '{}': {}", path, error.message()));
}

std::string Sha256Hex(const std::string& data) {
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  std::string hex;
  for (unsigned char byte : hash) hex += fmt::format("{:02x}", byte);
  return hex;
}

}  // namespace kiln
