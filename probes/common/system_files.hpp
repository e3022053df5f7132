#pragma once
// Small readers for /proc and /sys files, rooted where the Environment says (tests use fake trees). Every read is
// bounded and never blocks: only regular files are read (sysfs and procfs attributes are; a FIFO, /dev/zero or
// another device planted under KILN_SYSFS_ROOT is not opened), and no more than a cap of bytes is taken.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/probe.hpp"

namespace kiln {

// An attribute (a serial, a link state, a counter) is a line; 64 KiB is far more than any holds.
inline constexpr std::size_t kMostSystemFileBytes = 64 * 1024;
// A table of the kernel's that grows with the machine (/proc/cpuinfo, /proc/stat: about 1.5 KiB per CPU).
inline constexpr std::size_t kMostSystemTableBytes = 16 * 1024 * 1024;

// The first line of a file without its newline (within its first kMostSystemFileBytes), or nullopt if it cannot
// be read or is not a regular file.
std::optional<std::string> ReadFirstLine(const std::string& path);
// The file's first `most_bytes` bytes (all of it when shorter), or nullopt if it cannot be read or is not a
// regular file.
std::optional<std::string> ReadWholeFile(const std::string& path, std::size_t most_bytes = kMostSystemFileBytes);
// MemAvailable from meminfo, in bytes; 0 when unknown.
std::uint64_t AvailableMemoryBytes(const Environment& env);
// A "Key:   value kB" line of meminfo, in bytes.
std::optional<std::uint64_t> MeminfoBytes(const Environment& env, const std::string& key);

}  // namespace kiln
