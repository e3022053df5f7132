#pragma once
// Small readers for /proc and /sys files, rooted where the Environment says (tests use fake trees).

#include <cstdint>
#include <optional>
#include <string>

#include "core/probe.hpp"

namespace kiln {

// The first line of a file without its newline, or nullopt if it cannot be read.
std::optional<std::string> ReadFirstLine(const std::string& path);
// The whole file, or nullopt if it cannot be read.
std::optional<std::string> ReadWholeFile(const std::string& path);
// MemAvailable from meminfo, in bytes; 0 when unknown.
std::uint64_t AvailableMemoryBytes(const Environment& env);
// A "Key:   value kB" line of meminfo, in bytes.
std::optional<std::uint64_t> MeminfoBytes(const Environment& env, const std::string& key);

}  // namespace kiln
