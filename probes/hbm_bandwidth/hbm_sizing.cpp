#include "probes/hbm_bandwidth/hbm_sizing.hpp"

#include <algorithm>

namespace kiln::gpu {

std::uint64_t HbmElements(std::uint64_t bytes_per_array, std::uint64_t free_bytes, double fraction,
                          std::uint64_t l2_bytes, std::size_t element_bytes) {
  std::uint64_t bytes = bytes_per_array;
  if (bytes == 0) bytes = static_cast<std::uint64_t>(static_cast<double>(free_bytes) * fraction / 3.0);
  bytes = std::max(bytes, 8 * l2_bytes);
  if (3 * bytes > free_bytes) return 0;  // does not fit
  return bytes / element_bytes / 1024 * 1024;
}

}  // namespace kiln::gpu
