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

namespace {

struct ThrottleBit {
  std::uint64_t bit;
  std::string_view name;
  bool benign;
};
// nvml.h: nvmlClocksEventReasonGpuIdle 0x1, ApplicationsClocksSetting 0x2, SwPowerCap 0x4, HwSlowdown 0x8,
// SyncBoost 0x10, SwThermalSlowdown 0x20, HwThermalSlowdown 0x40, HwPowerBrakeSlowdown 0x80,
// DisplayClockSetting 0x100.
constexpr std::array<ThrottleBit, 9> kThrottleBits{{
    {0x1, "gpu_idle", true},
    {0x2, "applications_clocks_setting", true},
    {0x4, "sw_power_cap", true},
    {0x8, "hw_slowdown", false},
    {0x10, "sync_boost", true},
    {0x20, "sw_thermal_slowdown", false},
    {0x40, "hw_thermal_slowdown", false},
    {0x80, "hw_power_brake_slowdown", false},
    {0x100, "display_clock_setting", true},
}};

struct Xid {
  int xid;
  std::string_view meaning;
};
constexpr std::array<Xid, 18> kFatalXids{{
    {48, "double-bit ECC error"},
    {56, "display engine error"},
    {57, "error programming video memory interface"},
    {58, "unstable video memory interface detected"},
    {62, "internal micro-controller halt"},
    {63, "ECC page retirement or row remapping recording event"},
    {64, "ECC page retirement or row remapper recording failure"},
    {65, "video processor exception"},
    {68, "NVDEC0 exception"},
    {69, "graphics engine class error"},
    {73, "NVENC2 error"},
    {74, "NVLink error"},
    {79, "GPU has fallen off the bus"},
    {80, "corrupted data sent to GPU"},
    {81, "VGA subsystem error"},
    {92, "high single-bit ECC error rate"},
    {119, "GSP RPC timeout"},
    {120, "GSP error"},
}};

}  // namespace

std::vector<std::string> DecodeThrottleReasons(std::uint64_t mask) {
  std::vector<std::string> names;
  std::uint64_t known = 0;
  for (const ThrottleBit& b : kThrottleBits) {
    known |= b.bit;
    if (mask & b.bit) names.emplace_back(b.name);
  }
  if (mask & ~known) names.push_back(fmt::format("unknown_0x{:x}", mask & ~known));
  return names;
}

bool ThrottleIsFault(std::uint64_t mask) {
  for (const ThrottleBit& b : kThrottleBits) {
    if ((mask & b.bit) && !b.benign) return true;
  }
  std::uint64_t known = 0;
  for (const ThrottleBit& b : kThrottleBits) known |= b.bit;
  return (mask & ~known) != 0;
}

std::vector<std::pair<std::string, double>> ThrottleShares(const std::vector<std::uint64_t>& masks) {
  std::vector<std::pair<std::string, double>> shares;
  if (masks.empty()) return shares;
  for (const ThrottleBit& b : kThrottleBits) {
    if (b.benign && b.bit != 0x4) continue;  // idle, clocks settings, sync boost say nothing about load
    auto set = std::count_if(masks.begin(), masks.end(), [&](std::uint64_t mask) { return (mask & b.bit) != 0; });
    shares.emplace_back(b.name, 100.0 * static_cast<double>(set) / static_cast<double>(masks.size()));
  }
  return shares;
}

std::string NormalizeBusId(const std::string& bus_id) {
  unsigned domain = 0, bus = 0, device = 0, function = 0;
  if (std::sscanf(bus_id.c_str(), "%x:%x:%x.%x", &domain, &bus, &device, &function) != 4) return {};
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

bool XidIsFatal(int xid) {
  return std::any_of(kFatalXids.begin(), kFatalXids.end(), [xid](const Xid& x) { return x.xid == xid; });
}

std::string_view XidMeaning(int xid) {
  for (const Xid& x : kFatalXids) {
    if (x.xid == xid) return x.meaning;
  }
  return "not in the list of XIDs that fail a node";
}

}  // namespace kiln::gpu
