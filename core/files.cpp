#include "core/files.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace kiln {

void WriteFileAtomically(const std::string& path, const std::string& content) {
  std::filesystem::path target(path);
  std::string temp = fmt::format("{}.tmp.{}", path, ::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) ThrowSystemError(errno, fmt::format("cannot create '{}'", temp));
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      ThrowSystemError(error, fmt::format("cannot write '{}'", temp));
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    ThrowSystemError(error, fmt::format("cannot flush '{}'", temp));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    ThrowSystemError(error, fmt::format("cannot rename '{}' to '{}'", temp, path));
  }
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);  // best effort: makes the rename itself durable
    ::close(dir_fd);
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

void AppendLineDurably(const std::string& path, const std::string& line, bool sync) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) throw RunError(fmt::format("cannot open '{}' to append: {}", path, std::strerror(errno)));
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
