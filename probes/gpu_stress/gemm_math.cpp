#include "probes/gpu_stress/gemm_math.hpp"

#include <algorithm>
#include <cmath>

namespace kiln::gpu {

std::string_view Name(GemmType type) {
  switch (type) {
    case GemmType::kFp64: return "fp64";
    case GemmType::kFp32: return "fp32";
    case GemmType::kTf32: return "tf32";
    case GemmType::kBf16: return "bf16";
    case GemmType::kFp16: return "fp16";
  }
  return "?";
}

bool ParseGemmType(std::string_view text, GemmType& type) {
  for (GemmType t : {GemmType::kFp64, GemmType::kFp32, GemmType::kTf32, GemmType::kBf16, GemmType::kFp16}) {
    if (Name(t) == text) {
      type = t;
      return true;
    }
  }
  return false;
}

std::size_t ElementBytes(GemmType type) {
  switch (type) {
    case GemmType::kFp64: return 8;
    case GemmType::kFp32:
    case GemmType::kTf32: return 4;
    case GemmType::kBf16:
    case GemmType::kFp16: return 2;
  }
  return 4;
}

GemmPlan PlanGemm(std::uint64_t free_bytes, double fraction, std::uint64_t n, GemmType type) {
  GemmPlan plan;
  plan.n = n;
  std::uint64_t matrix = n * n * ElementBytes(type);
  auto usable = static_cast<std::uint64_t>(static_cast<double>(free_bytes) * std::clamp(fraction, 0.0, 1.0));
  if (matrix == 0 || usable < 3 * matrix) return plan;
  plan.result_matrices = usable / matrix - 2;
  return plan;
}

double GemmTflops(std::uint64_t n, std::uint64_t gemms, double seconds) {
  if (seconds <= 0) return 0;
  double nd = static_cast<double>(n);
  return 2.0 * nd * nd * nd * static_cast<double>(gemms) / seconds / 1e12;
}

double ComparisonTolerance(GemmType type, double magnitude) {
  switch (type) {
    case GemmType::kFp64: return 1e-7;
    case GemmType::kFp32: return 1e-3;
    // The same inputs give the same tensor-core result bit for bit on a healthy GPU; the tolerance only
    // absorbs reduced precision relative to the size of the values.
    case GemmType::kTf32: return std::max(1e-3, 1e-3 * magnitude);
    case GemmType::kBf16: return std::max(1e-2, 8e-3 * magnitude);
    case GemmType::kFp16: return std::max(1e-2, 1e-3 * magnitude);
  }
  return 1e-3;
}

}  // namespace kiln::gpu
