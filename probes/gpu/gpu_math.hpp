#pragma once
// The GPU probes' arithmetic that is not a kernel: sizing from free memory, rates, tolerances, matrix checks.
// Plain C++, unit-tested on the CPU.

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::gpu {

enum class GemmType { kFp64, kFp32, kTf32, kBf16, kFp16 };
std::string_view Name(GemmType type);
bool ParseGemmType(std::string_view text, GemmType& type);
std::size_t ElementBytes(GemmType type);  // storage of A, B and C

// gpu-burn's way: two input matrices, then as many result matrices of n x n as fit in `fraction` of free memory.
struct GemmPlan {
  std::uint64_t n = 0;
  std::uint64_t result_matrices = 0;  // 0 when not even one fits
};
GemmPlan PlanGemm(std::uint64_t free_bytes, double fraction, std::uint64_t n, GemmType type);

// 2 n^3 floating-point operations per GEMM.
double GemmTflops(std::uint64_t n, std::uint64_t gemms, double seconds);

// The largest difference between a result and the reference that is still the same result. gpu-burn uses
// 1e-3 (float) and 1e-7 (double); reduced precisions need more room relative to the values' magnitude.
double ComparisonTolerance(GemmType type, double magnitude);

// Elements per array for device STREAM: `bytes_per_array`, or 3 arrays filling at most `fraction` of free memory
// when 0; at least 8x the L2 cache so that no kernel runs from cache.
std::uint64_t HbmElements(std::uint64_t bytes_per_array, std::uint64_t free_bytes, double fraction,
                          std::uint64_t l2_bytes, std::size_t element_bytes);

// An N x N matrix of bandwidths (row = source, column = destination; the diagonal is ignored): the cells below
// `fraction` of the median off-diagonal cell. A degraded NVLink shows as one slow cell.
struct SlowCell {
  int from, to;
  double value, median;
};
std::vector<SlowCell> SlowCells(const std::vector<std::vector<double>>& matrix, double fraction);


// CUDA writes PCI bus ids as "0000:18:00.0", NVML as "00000000:18:00.0": both become "0000:18:00.0".
// Empty when the text is not a bus id.
std::string NormalizeBusId(const std::string& bus_id);

}  // namespace kiln::gpu
