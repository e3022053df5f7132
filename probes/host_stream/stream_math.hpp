#pragma once
// The arithmetic of host_stream, apart from the run: array sizing, bytes moved, expected values.

#include <cstdint>
#include <string_view>

namespace kiln::host_stream {

enum class Kernel { kCopy, kScale, kAdd, kTriad };
inline constexpr Kernel kKernels[] = {Kernel::kCopy, Kernel::kScale, Kernel::kAdd, Kernel::kTriad};
inline constexpr double kScalar = 3.0;

std::string_view Name(Kernel kernel);

// Bytes a kernel moves over `elements` doubles, STREAM's way (no write-allocate traffic):
// copy and scale 2 arrays, add and triad 3.
double BytesMoved(Kernel kernel, std::uint64_t elements);

// Bytes per array when the suite says 0 ("auto"): at least 4x the last-level caches (STREAM's rule) and
// at least 256 MiB, but no more than an eighth of available memory across the three arrays.
std::uint64_t AutoArrayBytes(std::uint64_t last_level_cache_bytes, std::uint64_t available_memory_bytes);

// Values of a, b, c after `passes` passes of copy, scale, add, triad, from a=1, b=2, c=0 (STREAM's check).
struct Expected {
  double a, b, c;
};
Expected ExpectedAfter(int passes);

}  // namespace kiln::host_stream
