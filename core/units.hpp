#pragma once
// Parsing and printing of the quantities that appear in suites, baselines and the command line.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiln {

using Seconds = std::chrono::duration<double>;

// "4096", "8B", "64KiB", "256MiB", "1GiB", "2KB" (KB/MB/GB are decimal). Returns nullopt if malformed,
// negative or overflowing.
std::optional<std::uint64_t> ParseBytes(std::string_view text);

// "8B..256MiB" (powers of two from..to), or "8B,1MiB,64MiB". Returns nullopt if malformed or empty.
std::optional<std::vector<std::uint64_t>> ParseByteList(std::string_view text);

// "500ms", "30s", "5m", "2h", "1d", "90" (seconds). Returns nullopt if malformed, negative, or above zero but
// below a millisecond ("1e-300s": a typo no clock resolves; "0s" stays 0).
// The longest duration Kiln takes (a year): a suite timeout or a burn-in beyond it is refused.
inline constexpr double kMaxDurationSeconds = 365.0 * 86400.0;
std::optional<Seconds> ParseDuration(std::string_view text);

// 268435456 -> "256MiB"; 1000 -> "1000B". Exact binary units only, so the text parses back.
std::string FormatBytes(std::uint64_t bytes);
std::string FormatDuration(Seconds seconds);

// 1 GB/s = 1e9 bytes per second, as nccl-tests counts.
inline double GigabytesPerSecond(double bytes, double seconds) { return bytes / seconds / 1e9; }

}  // namespace kiln
