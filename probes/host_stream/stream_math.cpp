#include "probes/host_stream/stream_math.hpp"

#include <algorithm>

namespace kiln::host_stream {

std::string_view Name(Kernel kernel) {
  switch (kernel) {
    case Kernel::kCopy: return "copy";
    case Kernel::kScale: return "scale";
    case Kernel::kAdd: return "add";
    case Kernel::kTriad: return "triad";
  }
  return "?";
}

double BytesMoved(Kernel kernel, std::uint64_t elements) {
  double arrays = (kernel == Kernel::kCopy || kernel == Kernel::kScale) ? 2.0 : 3.0;
  return arrays * sizeof(double) * static_cast<double>(elements);
}

std::uint64_t AutoArrayBytes(std::uint64_t last_level_cache_bytes, std::uint64_t available_memory_bytes) {
  constexpr std::uint64_t kMinimum = 256ull << 20;
  std::uint64_t wanted = std::max(kMinimum, 4 * last_level_cache_bytes);
  std::uint64_t cap = available_memory_bytes / 8 / 3;
  std::uint64_t bytes = cap > 0 ? std::min(wanted, cap) : wanted;
  return bytes / 4096 * 4096;
}

Expected ExpectedAfter(int passes) {
  Expected e{1.0, 2.0, 0.0};
  for (int i = 0; i < passes; ++i) {
    e.c = e.a;
    e.b = kScalar * e.c;
    e.c = e.a + e.b;
    e.a = e.b + kScalar * e.c;
  }
  return e;
}

}  // namespace kiln::host_stream
