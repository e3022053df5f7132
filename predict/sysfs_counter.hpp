#pragma once
// Reading sysfs counters for `kiln watch` (InfiniBand ports, EDAC memory controllers): never throws and never
// blocks. A file that vanished, cannot be read, is not a regular file (a planted FIFO) or is not one decimal number
// is simply not read.

#include <filesystem>
#include <optional>
#include <vector>

namespace kiln::predict {

// The counter in `path` (one decimal line), or nothing.
std::optional<double> ReadSysfsCounter(const std::filesystem::path& path);

// The entries of `folder`, sorted by name; none when it cannot be listed.
std::vector<std::filesystem::path> SortedChildren(const std::filesystem::path& folder);

}  // namespace kiln::predict
