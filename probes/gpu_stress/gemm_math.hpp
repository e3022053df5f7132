#pragma once
// The GEMM burn's arithmetic that is not a kernel: types, sizing from free memory, rates, tolerances.
// Plain C++, unit-tested on the CPU.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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

}  // namespace kiln::gpu
