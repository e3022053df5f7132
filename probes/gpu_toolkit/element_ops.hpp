#pragma once
// Per-element functions of the GPU kernels, callable on the host too so their arithmetic is unit-tested on
// the CPU.

#include <cstdint>

#ifdef __CUDACC__
#define KILN_HOST_DEVICE __host__ __device__
#else
#define KILN_HOST_DEVICE
#endif

namespace kiln::gpu {

inline constexpr double kStreamScalar = 3.0;

KILN_HOST_DEVICE inline double StreamScale(double c) { return kStreamScalar * c; }
KILN_HOST_DEVICE inline double StreamAdd(double a, double b) { return a + b; }
KILN_HOST_DEVICE inline double StreamTriad(double b, double c) { return b + kStreamScalar * c; }

// Deterministic pseudo-random value in [-1, 1) for element i of matrix `seed` (GEMM inputs): a splitmix64 hash.
KILN_HOST_DEVICE inline float MatrixValue(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + i + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) / static_cast<float>(1ull << 23) - 1.0f;
}

// Collective input of `rank` at element i and the exact results, as small integers in floats (exact sums).
KILN_HOST_DEVICE inline float CollectiveInput(int rank, std::uint64_t i) {
  return static_cast<float>((static_cast<std::uint64_t>(rank) + i) % 3 + 1);
}
KILN_HOST_DEVICE inline float CollectiveSum(int ranks, std::uint64_t i) {
  std::uint64_t n = static_cast<std::uint64_t>(ranks);
  std::uint64_t sum = (n / 3) * 6;
  for (std::uint64_t r = 0; r < n % 3; ++r) sum += (r + i) % 3 + 1;
  return static_cast<float>(sum);
}

}  // namespace kiln::gpu
