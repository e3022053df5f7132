#include "probes/gpu/gpu_math.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "core/statistics.hpp"

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

std::uint64_t HbmElements(std::uint64_t bytes_per_array, std::uint64_t free_bytes, double fraction,
                          std::uint64_t l2_bytes, std::size_t element_bytes) {
  std::uint64_t bytes = bytes_per_array;
  if (bytes == 0) bytes = static_cast<std::uint64_t>(static_cast<double>(free_bytes) * fraction / 3.0);
  bytes = std::max(bytes, 8 * l2_bytes);
  if (3 * bytes > free_bytes) return 0;  // does not fit
  return bytes / element_bytes / 1024 * 1024;
}

std::vector<SlowCell> SlowCells(const std::vector<std::vector<double>>& matrix, double fraction) {
  std::vector<double> cells;
  for (std::size_t i = 0; i < matrix.size(); ++i) {
    for (std::size_t j = 0; j < matrix[i].size(); ++j) {
      if (i != j) cells.push_back(matrix[i][j]);
    }
  }
  std::vector<SlowCell> slow;
  if (cells.empty()) return slow;
  double median = Median(cells);
  for (std::size_t i = 0; i < matrix.size(); ++i) {
    for (std::size_t j = 0; j < matrix[i].size(); ++j) {
      if (i != j && matrix[i][j] < fraction * median) {
        slow.push_back({static_cast<int>(i), static_cast<int>(j), matrix[i][j], median});
      }
    }
  }
  return slow;
}

std::string NormalizeBusId(const std::string& bus_id) {
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  if (std::sscanf(bus_id.c_str(), "%x:%x:%x.%x", &domain, &bus, &device, &function) != 4) return {};
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

}  // namespace kiln::gpu
