#include "core/units.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

namespace kiln {
namespace {

// The shortest duration above zero Kiln takes: "1e-300s" is a typo, and no clock Kiln waits on resolves it.
constexpr double kMinDurationSeconds = 1e-3;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// Splits "256MiB" into 256 and "MiB"; the number may be fractional ("1.5GiB").
std::optional<std::pair<double, std::string_view>> SplitNumber(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || !std::isfinite(value) || value < 0) return std::nullopt;
  std::string_view suffix = Trim(text.substr(static_cast<std::size_t>(end - text.data())));
  return std::make_pair(value, suffix);
}

}  // namespace

std::optional<std::uint64_t> ParseBytes(std::string_view text) {
  auto split = SplitNumber(text);
  if (!split) return std::nullopt;
  static constexpr std::array<std::pair<std::string_view, double>, 11> kUnits{{
      {"", 1.0}, {"B", 1.0}, {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
      {"TiB", 1099511627776.0}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1024.0},
  }};
  for (const auto& [name, scale] : kUnits) {
    if (split->second == name) {
      double bytes = split->first * scale;
      if (bytes > static_cast<double>(std::numeric_limits<std::uint64_t>::max() / 2)) return std::nullopt;
      if (bytes != std::floor(bytes)) return std::nullopt;  // "1.3B" is not a size
      return static_cast<std::uint64_t>(bytes);
    }
  }
  return std::nullopt;
}

std::optional<std::vector<std::uint64_t>> ParseByteList(std::string_view text) {
  std::vector<std::uint64_t> sizes;
  if (auto dots = text.find(".."); dots != std::string_view::npos) {
    auto from = ParseBytes(text.substr(0, dots));
    auto to = ParseBytes(text.substr(dots + 2));
    if (!from || !to || *from == 0 || *from > *to) return std::nullopt;
    for (std::uint64_t size = *from; size <= *to; size *= 2) sizes.push_back(size);
    return sizes;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    auto size = ParseBytes(text.substr(start, comma - start));
    if (!size || *size == 0) return std::nullopt;
    sizes.push_back(*size);
    start = comma + 1;
  }
  if (sizes.empty()) return std::nullopt;
  return sizes;
}

std::optional<Seconds> ParseDuration(std::string_view text) {
  auto split = SplitNumber(text);
  if (!split) return std::nullopt;
  static constexpr std::array<std::pair<std::string_view, double>, 6> kUnits{{
      {"", 1.0}, {"s", 1.0}, {"ms", 1e-3}, {"m", 60.0}, {"h", 3600.0}, {"d", 86400.0},
  }};
  for (const auto& [name, scale] : kUnits) {
    if (split->second != name) continue;
    // Past a year a duration is a typo, and far past it, it overflows the clocks it is added to.
    double seconds = split->first * scale;
    if (seconds > kMaxDurationSeconds || (seconds > 0 && seconds < kMinDurationSeconds)) return std::nullopt;
    // A tiny number times "ms" can underflow to 0: only a zero written as zero is one.
    if (seconds == 0 && split->first != 0) return std::nullopt;
    return Seconds(seconds);
  }
  return std::nullopt;
}

std::string FormatBytes(std::uint64_t bytes) {
  static constexpr std::array<std::string_view, 5> kNames{"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  while (unit + 1 < kNames.size() && bytes >= 1024 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return fmt::format("{}{}", bytes, kNames[unit]);
}

std::string FormatDuration(Seconds seconds) {
  double s = seconds.count();
  if (s < 1.0) return fmt::format("{:.0f}ms", s * 1e3);
  if (s < 120.0) return fmt::format("{:.3g}s", s);
  if (s < 7200.0) return fmt::format("{:.1f}m", s / 60.0);
  return fmt::format("{:.1f}h", s / 3600.0);
}

}  // namespace kiln
