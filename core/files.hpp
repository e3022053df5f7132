#pragma once
// File helpers: atomic writes (temporary file, fsync, rename) and content hashes.

#include <cstddef>
#include <string>

namespace kiln {

// Writes `content` so that readers see the old file or the new one, never a torn one.
// Throws RunError naming the path on failure.
void WriteFileAtomically(const std::string& path, const std::string& content);

// Appends `line` and a newline in one write, then fsyncs (unless `sync` is false): once it returns, the line
// survives a crash. Never follows a symlink at `path` (a planted link cannot redirect the write). Throws RunError
// naming the path on failure.
void AppendLineDurably(const std::string& path, const std::string& line, bool sync = true);

// A file name for any node name, however hostile ("../../tmp/x", "a/b", control characters, ""): letters,
// digits, '-', '_' and '.' (not first) stay; every other byte becomes %XX, so distinct names stay distinct and
// "." or ".." cannot appear; very long names are cut and end in a hash of the whole name.
std::string SafeFileName(const std::string& name);

// The largest input file Kiln reads (suites, baselines, reports, keys, hostfiles): 512 MiB. A report of a
// 65,536-node bisection is under 100 MB; /dev/zero given as a suite must not eat the machine's memory.
inline constexpr std::size_t kMaxInputBytes = std::size_t{512} << 20;

// Reads a whole file; throws InputError naming the path when it cannot, or when it holds more than `max_bytes`.
std::string ReadFile(const std::string& path, std::size_t max_bytes = kMaxInputBytes);

// Creates the directory and its parents; throws RunError naming it on failure.
void MakeDirectories(const std::string& path);

// Lowercase hex SHA-256 (libsodium).
std::string Sha256Hex(const std::string& data);

}  // namespace kiln
