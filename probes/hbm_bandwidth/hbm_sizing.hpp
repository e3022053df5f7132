#pragma once
// How large the device STREAM arrays are. Plain C++, unit-tested on the CPU.

#include <cstddef>
#include <cstdint>

namespace kiln::gpu {

// Elements per array for device STREAM: `bytes_per_array`, or 3 arrays filling at most `fraction` of free memory
// when 0; at least 8x the L2 cache so that no kernel runs from cache.
std::uint64_t HbmElements(std::uint64_t bytes_per_array, std::uint64_t free_bytes, double fraction,
                          std::uint64_t l2_bytes, std::size_t element_bytes);

}  // namespace kiln::gpu
